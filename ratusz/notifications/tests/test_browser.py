"""The notification journeys in a real headless Chromium, in Polish: a resident subscribes
to water outages in their village and confirms by e-mail; a clerk composes an alert in
the staff pages, previews it and sends it; the resident gets it and unsubscribes with one
button; a severe alert waits for the secretary. axe-core on every page; screenshots in
RATUSZ_SCREENSHOT_DIR (docs/screenshots/notifications-*.png) when set.

The live server runs in a thread of this process: its e-mails land in `mail.outbox`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Page, expect  # noqa: E402

from ratusz.notifications.models import Alert, AlertStatus, Subscriber  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import assert_accessible, sign_in  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page
CONFIRM = re.compile(r"https?://[^/\s]+(/g/alfa/powiadomienia/potwierdz/[^/\s]+/)")


@pytest.fixture
def folder(tmp_path) -> Path:
    return Path(os.environ.get("RATUSZ_SCREENSHOT_DIR") or tmp_path)


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=folder / f"notifications-{name}.png", full_page=True,
                    animations="disabled", caret="hide")


def test_resident_subscribes_a_clerk_sends_the_resident_unsubscribes(
        new_page, live_server, localities_a, registry_clerk_a, folder):
    page = new_page()
    page.goto(f"{live_server.url}/g/alfa/powiadomienia/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Powiadomienia dla mieszkańców")
    assert_accessible(page)
    page.locator("#t_weather_email").uncheck()
    page.locator("#t_water_email").check()
    page.get_by_label("Dąbrowa").check()
    page.get_by_label("Adres e-mail").fill("ewa.mazur@example.pl")
    page.get_by_label("Wyrażam zgodę na powyższe").check()
    shoot(page, folder, "subscribe")
    page.get_by_role("button", name="Zapisz się").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("potwierdź")
    assert_accessible(page)
    link = CONFIRM.search([m for m in mail.outbox if "ewa.mazur@example.pl" in m.to][-1]
                          .body).group(1)
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Potwierdź").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Twoje ustawienia powiadomień")
    expect(page.locator("#t_water_email")).to_be_checked()
    assert_accessible(page)
    shoot(page, folder, "preferences")

    clerk = new_page()
    sign_in(clerk, live_server, registry_clerk_a)
    clerk.goto(f"{live_server.url}/g/alfa/staff/powiadomienia/nowy/")
    assert_accessible(clerk)
    clerk.get_by_label("Temat").select_option("water")
    clerk.get_by_label("Zdarzenie").fill("Przerwa w dostawie wody")
    clerk.get_by_label("Nagłówek").fill("Brak wody w Dąbrowie do 18:00")
    clerk.get_by_label("Opis").fill("Awaria magistrali przy ul. Polnej.")
    clerk.get_by_label("Zalecenia dla mieszkańców").fill("Beczkowóz stoi przy świetlicy.")
    clerk.locator("input[name=severity][value=Moderate]").check()
    clerk.locator("input[name=urgency][value=Immediate]").check()
    clerk.locator("input[name=certainty][value=Observed]").check()
    clerk.get_by_label("Dąbrowa").check()
    clerk.locator("button[name=preview]").click()
    expect(clerk.get_by_text("Brak wody w Dabrowie do 18:00").first).to_be_visible()  # SMS
    shoot(clerk, folder, "compose-preview")
    clerk.locator("button[name=save]").click()
    alert = Alert.objects.get()
    assert alert.status == AlertStatus.DRAFT
    mail.outbox.clear()
    clerk.get_by_role("button", name="Wyślij").click()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.PUBLISHED
    assert_accessible(clerk)
    shoot(clerk, folder, "delivery-report")
    received = [m for m in mail.outbox if "ewa.mazur@example.pl" in m.to]
    assert [m.subject for m in received] == ["Alfa: Brak wody w Dąbrowie do 18:00"]

    # The alert on the gmina's pages: banner and its own page.
    page.goto(f"{live_server.url}/g/alfa/alerts/")
    expect(page.locator(".alert-banner")).to_contain_text("Brak wody w Dąbrowie do 18:00")
    assert_accessible(page)
    shoot(page, folder, "alerts")
    page.get_by_role("link", name="Brak wody w Dąbrowie do 18:00").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brak wody w Dąbrowie do 18:00")

    unsubscribe = received[0].extra_headers["List-Unsubscribe"].strip("<>")
    page.goto(re.sub(r"^https?://[^/]+", live_server.url, unsubscribe))
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Wypisz")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wypisano Cię")
    assert not Subscriber.objects.filter(email="ewa.mazur@example.pl").exists()


def test_a_severe_alert_waits_for_the_secretary(new_page, live_server, localities_a,
                                                registry_clerk_a, secretary_a, folder):
    from ratusz.notifications import services

    data = services.AlertData(event="Silny wiatr", headline="Wichury do 100 km/h",
                              description="Porywy wiatru w nocy.", severity="Severe",
                              urgency="Expected", certainty="Likely")
    alert, _ = services.create_alert(localities_a["Dąbrowa"].municipality, data,
                                     acting_user=registry_clerk_a)
    services.submit_alert(alert, acting_user=registry_clerk_a)
    page = new_page()
    sign_in(page, live_server, secretary_a)
    page.goto(f"{live_server.url}/g/alfa/staff/powiadomienia/")
    assert_accessible(page)
    shoot(page, folder, "dashboard")
    page.goto(f"{live_server.url}/g/alfa/staff/powiadomienia/{alert.pk}/")
    page.get_by_role("button", name="Zatwierdź i wyślij").click()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.PUBLISHED and alert.decided_by == secretary_a
