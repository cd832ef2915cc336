"""The public BIP in a real headless Chromium (Polish browser): a resident reads the
gmina's BIP home, opens a section, an entry with its metryczka, the change register and
a diff, and searches. axe-core on every page; screenshots bip-*.png in
RATUSZ_SCREENSHOT_DIR when set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Page, expect  # noqa: E402

from ratusz.bulletin import services  # noqa: E402
from ratusz.bulletin.tests.conftest import entry_data  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import MOBILE, assert_accessible  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page


@pytest.fixture
def folder(tmp_path) -> Path:
    return Path(os.environ.get("RATUSZ_SCREENSHOT_DIR") or tmp_path)


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=folder / f"bip-{name}.png", full_page=True, animations="disabled",
                    caret="hide")


def test_a_resident_reads_the_bip_the_register_a_diff_and_searches(
        new_page, live_server, bip_world, folder):
    entry = bip_world.announcement
    data = entry_data(entry.title,
                      "<p>Wójt Gminy Alfa zawiadamia o wyłożeniu do publicznego wglądu "
                      "projektu miejscowego planu zagospodarowania przestrzennego wsi "
                      "Olszyny.</p><p>Uwagi można składać do 15 lipca.</p>",
                      produced_by=entry.produced_by, responsible=entry.responsible,
                      produced_on=entry.produced_on)
    services.update_entry(entry, data, acting_user=bip_world.editor,
                          reason="Przedłużono termin składania uwag")

    page = new_page()
    page.goto(f"{live_server.url}/g/alfa/")
    page.get_by_role("navigation", name="Menu główne").get_by_role("link", name="BIP").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Biuletyn Informacji Publicznej – Urząd Gminy Alfa")
    logo = page.get_by_role("link", name="Biuletyn Informacji Publicznej")
    expect(logo).to_have_attribute("href", "https://www.bip.gov.pl")
    assert_accessible(page)
    shoot(page, folder, "home")

    menu = page.locator("nav.bip-menu")
    menu.get_by_role("link", name="Ogłoszenia i obwieszczenia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ogłoszenia i obwieszczenia")
    assert_accessible(page)
    shoot(page, folder, "section")

    page.get_by_role("link", name="Obwieszczenie o wyłożeniu projektu planu miejscowego").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Obwieszczenie o wyłożeniu projektu planu miejscowego")
    metryczka = page.locator("#metryczka")
    expect(metryczka).to_contain_text("Anna Kowalska")
    expect(metryczka).to_contain_text("Jan Wiśniewski, Referat Organizacyjny")
    assert_accessible(page)
    shoot(page, folder, "entry")

    metryczka.get_by_role("link").click()
    expect(page.locator("table tbody tr")).to_have_count(2)
    expect(page.locator("table")).to_contain_text("Przedłużono termin składania uwag")
    assert_accessible(page)
    shoot(page, folder, "versions")

    page.locator("table tbody tr").first.get_by_role("link").last.click()
    expect(page.locator(".bip-diff del")).to_contain_text("30 czerwca")
    expect(page.locator(".bip-diff ins")).to_contain_text("15 lipca")
    assert_accessible(page)
    shoot(page, folder, "diff")

    page.locator("nav.bip-menu a[href$='/bip/rejestr-zmian/']").click()
    expect(page.locator("table tbody tr")).to_have_count(4)
    assert_accessible(page)
    shoot(page, folder, "register")

    search = page.get_by_role("search").first
    search.get_by_role("searchbox").fill("zagospodarowania")
    search.get_by_role("button").click()
    expect(page.locator("#result-count")).to_contain_text("1")
    expect(page.locator(".bip-results mark").first).to_have_text("zagospodarowania")
    expect(page.locator(".bip-results")).to_contain_text("Obwieszczenie o wyłożeniu")
    assert_accessible(page)
    shoot(page, folder, "search")


def test_the_unit_bip_and_the_404_on_a_phone(new_page, live_server, bip_world, folder):
    page = new_page(viewport=MOBILE)
    page.goto(f"{live_server.url}/g/alfa/bip/jednostki/sp-dabrowa/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Szkoła Podstawowa")
    expect(page.locator("main")).to_contain_text("Rekrutacja do klasy pierwszej")
    assert_accessible(page)
    shoot(page, folder, "unit-mobile")
    response = page.goto(f"{live_server.url}/g/alfa/bip/dzial/nie-ma-takiego/")
    assert response.status == 404
    expect(page.locator("#not-found-q")).to_be_visible()
    assert_accessible(page)
    shoot(page, folder, "404")
