"""A resident's journey through the alerts (issue 23, items 9 and 10), on a desktop
(1280×800) and on a phone (390×844), counted and photographed at every step with axe-core
(`ratusz.testing.journey`; RATUSZ_SCREENSHOT_DIR=docs/screenshots keeps the pictures):
three current alerts (the banner folds to the most severe, newest one on a phone), one
read in plain words, subscribing with the account's phone number already filled in, and
unsubscribing from everything with a page that says what was done."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core import mail

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import expect  # noqa: E402

from ratusz.notifications import services  # noqa: E402
from ratusz.notifications.models import Subscriber  # noqa: E402
from ratusz.testing import browser as chromium  # noqa: E402
from ratusz.testing.browser import DESKTOP, MOBILE, sign_in  # noqa: E402
from ratusz.testing.journey import Journey, patient  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

browser = chromium.browser
new_page = chromium.new_page
CONFIRM = re.compile(r"https?://[^/\s]+(/g/alfa/powiadomienia/potwierdz/[^/\s]+/)")
PHONE = "+48 601 234 567"


@pytest.fixture
def folder(tmp_path) -> Path:
    folder = Path(os.environ.get("RATUSZ_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def three_alerts(municipality_a, localities_a, registry_clerk_a, secretary_a):
    """A minor, a moderate and a severe alert, published in this order."""
    published = {}
    for severity, urgency, certainty, headline in (
            ("Minor", "Future", "Possible", "Zbiórka odpadów wielkogabarytowych w sobotę"),
            ("Moderate", "Immediate", "Observed", "Brak wody w Dąbrowie do 18:00"),
            ("Severe", "Expected", "Likely", "Wichury do 100 km/h w nocy")):
        alert, _ = services.create_alert(municipality_a, services.AlertData(
            event="Komunikat", headline=headline, description="Opis zdarzenia.",
            instruction="Zabezpiecz luźne przedmioty.", severity=severity,
            urgency=urgency, certainty=certainty), acting_user=registry_clerk_a)
        alert = services.submit_alert(alert, acting_user=registry_clerk_a)
        if severity == "Severe":
            alert = services.approve_alert(alert, acting_user=secretary_a)
        published[severity] = alert
    return published


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_resident_reads_an_alert_subscribes_and_unsubscribes(
        new_page, live_server, settings, resident, three_alerts, folder, viewport):
    settings.RATUSZ_PUBLIC_URL = live_server.url
    profile = resident.resident_profile
    profile.phone = PHONE
    profile.save(update_fields=["phone"])
    journey = Journey("resident-alerts", viewport, folder)
    size = MOBILE if viewport == "phone" else DESKTOP
    page = patient(new_page(viewport=size, **({"is_mobile": True, "has_touch": True}
                                               if viewport == "phone" else {})))
    sign_in(page, live_server, resident)

    page.goto(f"{live_server.url}/g/alfa/")
    items = page.locator(".alert-banner__item")
    expect(items).to_have_count(3)
    # The most severe, newest alert first.
    expect(items.first).to_contain_text("Wichury do 100 km/h w nocy")
    if viewport == "phone":
        # Folded: one line, the others one tap away; the page's own heading on screen.
        expect(items.nth(1)).to_be_hidden()
        expect(page.locator(".alert-banner__more")).to_be_visible()
        banner = page.locator(".alert-banner").bounding_box()
        assert banner and banner["height"] < 60, banner
        heading = page.locator("main h1").bounding_box()
        assert heading and heading["y"] < size["height"] / 2, heading
    else:
        expect(items.nth(2)).to_be_visible()
    journey.step(page, "gmina home with alerts")

    # The alert in plain words: what it means, what to do; no CAP terms.
    journey.click(items.first.locator("a"))
    meaning = page.locator(".alert-meaning")
    expect(meaning).to_be_visible()
    main = page.locator("main")
    for jargon in ("Pilność", "Pewność", "Umiarkowana", "Urgency", "Certainty"):
        expect(main).not_to_contain_text(jargon)
    journey.step(page, "alert")

    # Subscribing: the account's e-mail address and phone number are there already.
    page.goto(f"{live_server.url}/g/alfa/powiadomienia/")
    expect(page.locator("input[name=email]")).to_have_value(resident.email)
    expect(page.locator("input[name=phone]")).to_have_value(PHONE)
    journey.step(page, "subscribe")
    consent = page.locator("input[type=checkbox][name=consent]")
    journey.click(consent)
    journey.click(page.locator("main form button[type=submit]").last)
    expect(page.locator("main h1")).to_be_visible()
    journey.step(page, "after subscribing")
    subscriber = Subscriber.objects.get(user=resident)

    # Unsubscribing from everything says what was done.
    page.goto(f"{live_server.url}/g/alfa/powiadomienia/wypisz/{subscriber.token}/")
    journey.step(page, "unsubscribe")
    journey.click(page.locator("main form button[type=submit]"))
    expect(page.locator("main .lead")).to_contain_text(re.compile(r"SMS"))
    journey.step(page, "unsubscribed")
    assert not Subscriber.objects.filter(pk=subscriber.pk).exists()
    assert not [message for message in mail.outbox if "wypisz" in message.subject.lower()]
    print(journey.summary())  # the counts for the note (pytest -s)
