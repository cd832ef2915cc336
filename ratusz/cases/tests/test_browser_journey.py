"""The EZD journey in a real browser, in Polish, on a desktop (1280×800) and a phone
(390×844), as the people take it (issue 23): the registry clerk registers a paper letter
and assigns it; the case officer finds it on the dashboard, opens a case (the JRWA class
typed in words) and drafts a reply, sent for approval to the head proposed by default;
the head finds the letter on the dashboard and approves it seeing its text (and its PDF
preview); the officer finds it back on the dashboard, seals and sends it. Every step is
checked with axe-core and photographed; the steps, clicks and fields are counted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import expect  # noqa: E402

from ratusz.cases.models import LetterStatus, OutgoingLetter  # noqa: E402
from ratusz.testing.browser import (  # noqa: E402, F401 - fixtures
    DESKTOP,
    MOBILE,
    browser,
    new_page,
    sign_in,
)
from ratusz.testing.journey import PATIENCE_MS, Journey, patient  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = timezone.localdate().year
REPLY = "W odpowiedzi na wniosek przesyłam uchwałę budżetową na rok bieżący."


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def folder(tmp_path) -> Path:
    return Path(os.environ.get("RATUSZ_SCREENSHOT_DIR") or tmp_path)


@pytest.fixture
def head_of_or(department_a, head_a):
    department_a.head = head_a
    department_a.save(update_fields=["head"])
    return head_a


@pytest.mark.parametrize("viewport", ["desktop", "mobile"])
def test_the_ezd_journey_in_a_browser(new_page, live_server, clerk_a, officer_a,  # noqa: F811
                                      head_of_or, jrwa_a, department_a, folder, viewport):
    size = DESKTOP if viewport == "desktop" else MOBILE
    journey = Journey("ezd-journey", viewport, folder)

    # The registry clerk: the dashboard, then "Register an item" from the menu.
    clerk = patient(new_page(viewport=size))
    sign_in(clerk, live_server, clerk_a)
    clerk.goto("/g/alfa/staff/")
    menu = clerk.locator("nav.sidebar")
    expect(menu.locator("a[href='/g/alfa/staff/ezd/archive/']")).to_have_count(0)
    expect(menu.locator("a[href='/g/alfa/staff/ezd/incoming/new/']")).to_have_count(1)
    journey.step(clerk, "clerk dashboard")
    journey.menu(clerk, "/g/alfa/staff/ezd/incoming/new/")
    journey.fill(clerk.locator("#id_title"), "Wniosek o udostępnienie uchwały budżetowej")
    journey.fill(clerk.locator("#id_first_name"), "Jan")
    journey.fill(clerk.locator("#id_last_name"), "Kowalski")
    journey.fill(clerk.locator("#id_postal_code"), "24-220")
    journey.fill(clerk.locator("#id_city"), "Alfa")
    journey.step(clerk, "clerk registers a paper letter")
    journey.click(clerk.locator("main button[type=submit]").first)
    expect(clerk.locator("h1")).to_contain_text(f"RPW/1/{YEAR}")

    # …and assigns it to the department OR.
    journey.choose(clerk.locator("#id_assign-department"), value=str(department_a.pk))
    journey.fill(clerk.locator("#id_assign-instructions"),
                 "Proszę o udostępnienie w terminie 14 dni.")
    journey.click(clerk.locator("form[action$='/assign/'] button[type=submit]"))
    expect(clerk.locator("table").first).to_contain_text("Proszę o udostępnienie")
    journey.step(clerk, "clerk assigned the letter")

    # The case officer: the dashboard shows the letter; a case from it, the class in words.
    officer = patient(new_page(viewport=size))
    sign_in(officer, live_server, officer_a)
    officer.goto("/g/alfa/staff/")
    waiting = officer.locator("#waiting-incoming")
    expect(waiting.locator(".waiting__count")).to_have_text("1")
    expect(officer.locator(".waiting-link .count-badge")).not_to_have_text("0")
    journey.step(officer, "officer dashboard shows the new letter")
    journey.click(waiting.get_by_role("link", name=f"RPW/1/{YEAR}", exact=False))
    expect(officer.locator("#open-case")).to_have_attribute("open", "")
    journey.fill(officer.locator("#id_case-jrwa_class"), "informacji publicznej")
    journey.step(officer, "officer opens a case")
    journey.click(officer.locator("form[action*='/open-case/'] button[type=submit]"))
    expect(officer.locator("h1")).to_have_text(f"OR.1431.1.{YEAR}")

    # Drafts a reply from the starting text; the head of OR is proposed as approver.
    journey.click(officer.locator("a[href$='template=reply']"))
    expect(officer.locator("#id_addressee_name")).to_have_value("Jan Kowalski")
    journey.fill(officer.locator("#id_body"), REPLY)
    journey.step(officer, "officer drafts the reply")
    journey.click(officer.locator("main form button[type=submit]"))
    approver = officer.locator("form.approval-form select").first
    expect(approver.locator("option:checked")).to_contain_text("Marta Zielińska")
    expect(approver).not_to_contain_text("alfa.kierownik")
    journey.step(officer, "officer sends it for approval")
    journey.click(officer.locator("form.approval-form button[type=submit]"))
    expect(officer.locator(".letter .card__meta")).to_contain_text("Marta Zielińska")

    # The head: the dashboard shows the letter to approve; its card shows the letter.
    head = patient(new_page(viewport=size))
    sign_in(head, live_server, head_of_or)
    head.goto("/g/alfa/staff/")
    approvals = head.locator("#waiting-approvals")
    expect(approvals.locator(".waiting__count")).to_have_text("1")
    journey.step(head, "head dashboard shows the letter to approve")
    journey.click(approvals.locator(".waiting__items a").first)
    letter = OutgoingLetter.objects.get()
    card = head.locator(f"#letter-{letter.pk}")
    paper = card.locator(".letter-paper")
    expect(paper).to_be_visible()
    expect(paper).to_contain_text(REPLY)
    expect(paper).to_contain_text("Jan Kowalski")
    expect(paper.locator(".case-mark")).to_have_text(f"OR.1431.1.{YEAR}")
    preview = card.locator("a[href$='preview.pdf']")
    pdf = head.request.get(preview.get_attribute("href"), timeout=PATIENCE_MS)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    journey.step(head, "head reads the letter before approving")
    journey.click(card.locator("form.decision-form button[name=approve]"))
    expect(head.locator(f"#letter-{letter.pk} .tag").first).to_have_class(
        "tag letter-approved")

    # The officer: the dashboard shows the approved letter to seal; seals and sends it.
    officer.goto("/g/alfa/staff/")
    to_finish = officer.locator("#waiting-letters")
    expect(to_finish.locator(".waiting__count")).to_have_text("1")
    journey.step(officer, "officer dashboard shows the approved letter")
    journey.click(to_finish.locator(".waiting__items a").first)
    journey.click(officer.locator("form[action$='/seal/'] button"))
    expect(officer.locator(".letter")).to_contain_text("PDF")
    journey.step(officer, "officer seals the letter")
    journey.click(officer.locator("form[action$='/send/'] button"))
    expect(officer.locator(".messages")).to_contain_text(f"RKW/1/{YEAR}")
    assert OutgoingLetter.objects.get().status == LetterStatus.SENT
    record = officer.locator("table.record")
    expect(record).to_contain_text("Akceptacja pisma")
    expect(record).to_contain_text(f"RKW/1/{YEAR}")
    journey.step(officer, "officer sent the letter")

    print(journey.summary())  # the counts for the notes (pytest -s)
    assert len(journey.steps) == 12
    # On the phone the menu is opened once more (the clerk's "Register an item").
    assert journey.clicks == (14 if viewport == "desktop" else 15)
    assert journey.fields == 8
