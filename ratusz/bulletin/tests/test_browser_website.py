"""The units' websites in a real headless Chromium (Polish browser): a resident reads a
school's website (home, a page, the news, the events calendar, the contact); the school's
editor writes a news item with the WYSIWYG toolbar as a draft, publishes it from the
website's dashboard, moves a page up the menu and deletes an event after the confirmation
page; the resident then sees the news, the new order of the menu and the calendar without
the event (the anonymous pages come from the page cache, which the edits renew). axe-core
on every page; screenshots website-*.png in RATUSZ_SCREENSHOT_DIR when set.

Some UI strings are being translated, so the test finds the staff buttons by their
`name`/`value` and the links by their addresses, and checks the data typed."""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Page, expect  # noqa: E402

from ratusz.accounts.permissions import Role  # noqa: E402
from ratusz.bulletin import services  # noqa: E402
from ratusz.bulletin.models import Event, NewsItem, WebPage  # noqa: E402
from ratusz.core.tests.factories import DepartmentFactory  # noqa: E402
from ratusz.demo import websites as demo_website  # noqa: E402 - the demo's content
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page

NEWS_TITLE = "Szkoła otrzymała nową pracownię komputerową"
SCHOOL = "/g/alfa/strony/sp-dabrowa/"


@pytest.fixture
def folder(tmp_path) -> Path:
    return Path(os.environ.get("RATUSZ_SCREENSHOT_DIR") or tmp_path)


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=folder / f"website-{name}.png", full_page=True,
                    animations="disabled", caret="hide")


@pytest.fixture
def school_editor(make_staff, municipality_a, bip_school_a):
    """The school's head: edits the school's BIP and website, and no other unit's."""
    department = DepartmentFactory(municipality=municipality_a, unit=bip_school_a,
                                   symbol="SP", name="Sekretariat szkoły")
    return make_staff(municipality_a, Role.HEAD, department=department,
                      username="alfa.dyrektor", first_name="Magdalena", last_name="Wójcik")


@pytest.fixture
def school_website(bip_school_a, school_editor):
    """The demo website of the school (pages O nas and Dokumenty, three news items, three
    events), a third page, and two events of the next month, one of which is cancelled."""
    services.ensure_site(bip_school_a)
    demo_website.ensure_demo(bip_school_a.municipality, acting_user=school_editor)
    services.create_page(bip_school_a, services.PageData(
        title="Kadra", position=2,
        body="<p>Nauczyciele i pracownicy szkoły.</p><ul><li>Dyrektor: Magdalena Wójcik"
             "</li><li>Sekretariat: Jolanta Mazur</li></ul>"), acting_user=school_editor)
    start = timezone.make_aware(datetime.combine(
        timezone.localdate().replace(day=1) + timedelta(days=40), time(17)))
    services.create_event(bip_school_a, services.EventData(
        title="Koncert szkolny", starts_at=start, ends_at=start + timedelta(hours=2),
        place="Aula szkoły", description="<p>Występy chóru i zespołu szkolnego.</p>"),
        acting_user=school_editor)
    cancelled = services.create_event(bip_school_a, services.EventData(
        title="Warsztaty robotyki (odwołane)", starts_at=start + timedelta(days=3),
        place="Sala 12", description="<p>Zajęcia dla klas 4–6.</p>"),
        acting_user=school_editor)
    return {"unit": bip_school_a, "cancelled": cancelled}


def test_a_resident_reads_the_school_website(new_page, live_server, school_website, folder):
    page = new_page()
    page.goto(SCHOOL)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Szkoła Podstawowa im. Marii Konopnickiej w Dąbrowie")
    content = page.locator("main")
    expect(content.get_by_role("heading", name="Najnowsze aktualności")).to_be_visible()
    expect(content.get_by_role("heading", name="Nadchodzące wydarzenia")).to_be_visible()
    expect(content).to_contain_text("Rekrutacja do klasy pierwszej na nowy rok szkolny")
    expect(content).to_contain_text("Dzień otwarty")
    expect(content).to_contain_text("sp@dabrowa.example.pl")
    menu = page.locator("nav.bip-menu")
    expect(menu.get_by_role("link")).to_have_text([
        "Szkoła Podstawowa im. Marii Konopnickiej w Dąbrowie", "Aktualności", "Wydarzenia",
        "O nas", "Dokumenty", "Kadra", "Kontakt", re.compile("BIP")])
    assert_accessible(page)
    shoot(page, folder, "home")

    menu.get_by_role("link", name="O nas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("O nas")
    expect(page.locator("main h2")).to_have_text("Dyrekcja")
    expect(menu.get_by_role("link", name="O nas")).to_have_attribute("aria-current", "page")
    assert_accessible(page)

    menu.get_by_role("link", name="Aktualności").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aktualności")
    expect(page.locator("main .bip-entries > li")).to_have_count(3)
    page.get_by_role("link", name="Sukces naszych uczniów w konkursie matematycznym").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sukces naszych uczniów w konkursie matematycznym")
    expect(page.locator("main")).to_contain_text("pani Ewie Zielińskiej")
    expect(page.get_by_role("navigation", name="Ścieżka nawigacji")).to_contain_text("Aktualności")
    assert_accessible(page)

    menu.get_by_role("link", name="Wydarzenia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wydarzenia")
    months = page.locator("main section h2")
    expect(months.first).to_have_text(re.compile(r"^\S+ \d{4}$"))
    expect(page.locator("main .bip-entries > li")).to_have_count(5)
    calendar = page.locator(f"main a[href='{SCHOOL}wydarzenia.ics']")
    expect(calendar).to_be_visible()
    assert_accessible(page)
    shoot(page, folder, "events")
    page.get_by_role("link", name="Koncert szkolny").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Koncert szkolny")
    expect(page.locator("main dl")).to_contain_text("Aula szkoły")
    assert_accessible(page)
    response = page.request.get(f"{SCHOOL}wydarzenia.ics")
    assert response.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Koncert szkolny" in response.text()

    menu.get_by_role("link", name="Kontakt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontakt")
    expect(page.locator("main dl.details")).to_contain_text("Szkolna 5")
    expect(page.locator("main dl.details")).to_contain_text("24-221 Dąbrowa")
    expect(page.locator("main a[href='mailto:sp@dabrowa.example.pl']")).to_be_visible()
    assert_accessible(page)


def test_an_editor_writes_publishes_reorders_and_deletes(new_page, live_server,
                                                        school_website, school_editor,
                                                        folder):
    unit = school_website["unit"]
    cancelled = school_website["cancelled"]
    staff = f"/g/alfa/staff/bip/strony-www/{unit.pk}/"

    # A resident has the website open (the pages are now in the page cache).
    resident = new_page()
    resident.goto(SCHOOL)
    expect(resident.locator("main")).not_to_contain_text(NEWS_TITLE)
    resident.goto(f"{SCHOOL}wydarzenia/")
    expect(resident.locator("main")).to_contain_text("Warsztaty robotyki (odwołane)")

    # The editor reaches the website's dashboard from the staff BIP.
    page = new_page()
    sign_in(page, live_server, school_editor)
    page.goto("/g/alfa/staff/bip/")
    page.locator(f"main a[href='{staff}']").click()
    expect(page).to_have_url(re.compile(f"{staff}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Szkoła Podstawowa")
    assert_accessible(page)

    # A news item, written with the WYSIWYG toolbar and saved as a draft.
    page.locator(f"main a[href='{staff}aktualnosci/nowa/']").click()
    page.locator("#id_title").fill(NEWS_TITLE)
    page.locator("#id_lead").fill("Dwadzieścia nowych stanowisk dla uczniów.")
    area = page.locator(".wysiwyg__area")
    expect(area).to_be_visible()
    expect(page.locator("#id_body")).to_be_hidden()
    area.click()
    page.keyboard.type("Pracownia powstała dzięki ")
    page.locator(".wysiwyg__toolbar button[data-command='bold']").click()
    page.keyboard.type("dotacji z budżetu gminy")
    page.locator(".wysiwyg__toolbar button[data-command='bold']").click()
    page.keyboard.type(".")
    page.locator("#id_is_published").uncheck()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEWS_TITLE)
    item = NewsItem.objects.get(title=NEWS_TITLE)
    assert item.is_published is False
    assert re.search(r"<(b|strong)>dotacji z budżetu gminy</\1>", item.body)

    # Published from the dashboard.
    page.goto(staff)
    row = page.locator(f"#news-{item.pk}")
    row.locator("button[name=action][value=publish]").click()
    expect(page.locator(".message--success")).to_contain_text(NEWS_TITLE)
    expect(page.locator(f"#news-{item.pk} button[name=action][value=unpublish]")).to_be_visible()
    assert NewsItem.objects.get(pk=item.pk).is_published is True

    # "Kadra" moves up the menu, above "Dokumenty"; the first page has no "up" button.
    kadra = WebPage.objects.get(unit=unit, slug="kadra")
    first = WebPage.objects.get(unit=unit, slug="o-nas")
    expect(page.locator(f"#page-{first.pk} button[value=up]")).to_have_count(0)
    page.locator(f"#page-{kadra.pk} button[name=direction][value=up]").click()
    expect(page.locator(".message--success")).to_contain_text("Kadra")
    expect(page.locator("#pages-title + .actions + .table-wrap tbody th")).to_have_text(
        ["O nas", "Kadra", "Dokumenty"])
    assert list(WebPage.objects.filter(unit=unit).order_by("position")
                .values_list("slug", flat=True)) == ["o-nas", "kadra", "dokumenty"]
    assert_accessible(page)

    # The cancelled event is deleted after the confirmation page.
    page.locator(f"#event-{cancelled.pk} a[href$='/usun/']").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Warsztaty robotyki (odwołane)")
    assert Event.objects.filter(pk=cancelled.pk).exists()  # asking deletes nothing
    assert_accessible(page)
    shoot(page, folder, "staff-delete")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"{staff}$"))
    expect(page.locator(".message--success")).to_contain_text("Warsztaty robotyki")
    expect(page.locator(f"#event-{cancelled.pk}")).to_have_count(0)
    assert not Event.objects.filter(pk=cancelled.pk).exists()
    page.reload()  # the dashboard without the message, for the screenshot
    assert_accessible(page)
    shoot(page, folder, "staff")

    # The resident sees the changes at once (the edits renewed the page cache).
    resident.goto(SCHOOL)
    expect(resident.locator("main")).to_contain_text(NEWS_TITLE)
    expect(resident.locator("nav.bip-menu li a").filter(
        has_text=re.compile("^(O nas|Kadra|Dokumenty)$"))).to_have_text(
        ["O nas", "Kadra", "Dokumenty"])
    resident.get_by_role("link", name=NEWS_TITLE).click()
    expect(resident.get_by_role("heading", level=1)).to_have_text(NEWS_TITLE)
    expect(resident.locator("main strong, main b")).to_have_text("dotacji z budżetu gminy")
    assert_accessible(resident)
    resident.goto(f"{SCHOOL}wydarzenia/")
    expect(resident.locator("main")).not_to_contain_text("Warsztaty robotyki")
    expect(resident.locator("main")).to_contain_text("Koncert szkolny")
