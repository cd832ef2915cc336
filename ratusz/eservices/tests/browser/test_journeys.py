"""The residents' journeys of issue 23, walked as a person walks them, on a desktop
(1280×800) and on a phone (390×844), counted (steps, clicks, fields typed: the figures of
the issue's note, printed with `pytest -s`) and photographed at every step with axe-core
(`ratusz.testing.journey`; RATUSZ_SCREENSHOT_DIR=docs/screenshots keeps the pictures).

A person accepts what the form already holds (from login.gov.pl, the account and the gmina)
and answers only what is required: the journeys type only the empty required fields."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from ratusz.eservices import receipts
from ratusz.eservices.library import library_service
from ratusz.eservices.models import Submission
from ratusz.eservices.tests.browser.helpers import (
    ANONYMOUS_EMAIL,
    GENERAL_LETTER,
    IN1,
    as_typed,
    confirmation_link,
    example,
    in1_page_values,
    screenshot_folder,
)
from ratusz.testing.browser import DESKTOP, MOBILE
from ratusz.testing.journey import Journey, patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": DESKTOP, "phone": MOBILE}


def open_page(new_page, viewport: str) -> Page:
    if viewport == "phone":
        return patient(new_page(viewport=MOBILE, is_mobile=True, has_touch=True))
    return patient(new_page(viewport=DESKTOP))


def required_of(slug: str) -> tuple[set[str], dict[str, set[str]]]:
    """The required fields of a library form, and of each repeatable group its items'."""
    schema = library_service(slug)["form"]["schema"]
    groups = {name: set(prop["items"].get("required", []))
              for name, prop in schema["properties"].items()
              if prop.get("type") == "array" and prop.get("items", {}).get("type") == "object"}
    return set(schema.get("required", [])), groups


def complete(journey: Journey, page: Page, values: dict, required: set[str],
             prefix: str = "") -> None:
    """Answer the required fields the form left empty, as a person does (a prefilled
    answer is accepted as it is)."""
    for name, value in values.items():
        if name not in required or isinstance(value, list):
            continue
        field_name = f"{prefix}{name}"
        if isinstance(value, bool):
            box = page.locator(f"#field-{field_name}")
            if box.count() and box.is_checked() != value:
                journey.click(box)
            continue
        radios = page.locator(f"input[type=radio][name='{field_name}']")
        if radios.count():
            option = page.locator(f"input[type=radio][name='{field_name}'][value='{value}']")
            if not option.is_checked():
                journey.click(option)
            continue
        field = page.locator(f"#field-{field_name}")
        if not field.count():
            continue
        if field.evaluate("element => element.tagName") == "SELECT":
            if field.input_value() != str(value):
                journey.choose(field, value=str(value))
        elif not field.input_value():
            journey.fill(field, as_typed(value))


def go_to_the_e_office(journey: Journey, page: Page) -> None:
    """From the gmina's home page through its main menu (on a phone behind "Menu")."""
    page.goto("/g/alfa/")
    menu = page.locator("nav.main-nav .main-nav__list")
    toggle = page.locator(".main-nav__toggle")
    if journey.viewport == "phone":
        # No strip scrolling sideways: the menu is folded behind its button.
        expect(toggle).to_be_visible()
        expect(menu).to_be_hidden()
        journey.step(page, "gmina home")
        journey.click(toggle)
        expect(menu).to_be_visible()
        box = page.locator("nav.main-nav a[href='/g/alfa/#contact']").bounding_box()
        assert box and box["x"] + box["width"] <= MOBILE["width"], box
    else:
        expect(toggle).to_be_hidden()
        journey.step(page, "gmina home")
    journey.click(page.locator("nav.main-nav a[href='/g/alfa/e-urzad/']"))
    expect(page.locator("#most-used-title")).to_be_visible()
    journey.step(page, "e-office")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_resident_files_the_in1_after_login_gov_pl(new_page, gmina, resident,
                                                       logingov_live, tmp_path, viewport):
    journey = Journey("resident-in1", viewport, screenshot_folder(tmp_path))
    page = open_page(new_page, viewport)
    required, groups = required_of(IN1)
    pages = in1_page_values()

    go_to_the_e_office(journey, page)
    # Plain words find the residents' IN-1 first (not the companies' DN-1).
    journey.fill(page.locator("#q"), "podatek od domu")
    journey.click(page.locator("form[role=search] button[type=submit]"))
    first = page.locator("ul.cards > li").first.locator("a")
    expect(first).to_have_attribute("href", re.compile(rf"/uslugi/{IN1}/$"))
    journey.step(page, "search results")
    journey.click(first)
    journey.step(page, "card")
    journey.click(page.locator(f"main a.button[href$='/uslugi/{IN1}/formularz/']"))
    journey.step(page, "sign in needed")

    # login.gov.pl (its simulator): the person, the means, "Zaloguj".
    journey.click(page.locator("main a.button[href*='/auth/login-gov/start/']"))
    journey.click(page.get_by_label(re.compile(r"Ewa Mazur \(PESEL 90010112349\)")))
    journey.click(page.get_by_label("Profil zaufany"))
    journey.click(page.get_by_role("button", name="Zaloguj"))
    expect(page).to_have_url(re.compile(rf"/uslugi/{IN1}/formularz/$"))

    # What the platform knows is there already: identity, birth date, the gmina.
    expect(page.locator("#field-birth_date")).to_have_value("1990-01-01")
    expect(page.locator("#field-tax_authority")).not_to_have_value("")
    expect(page.locator("#field-county")).not_to_have_value("")
    if viewport == "phone":
        # The first field a person must look at is on the first screen.
        box = page.locator("main h1").bounding_box()
        assert box and box["y"] < MOBILE["height"], box
    journey.step(page, "form 1 identity")
    complete(journey, page, pages[0], required)
    journey.click(page.locator("main button[name=action][value=next]"))

    expect(page.locator("#field-correction_reason")).to_have_count(0)
    journey.step(page, "form 2 circumstances")
    complete(journey, page, pages[1], required)
    journey.click(page.locator("main button[name=action][value=next]"))

    journey.step(page, "form 3 taxable items")
    items = pages[2]["taxable_items"]
    complete(journey, page, items[0], groups["taxable_items"], prefix="taxable_items-0-")
    journey.click(page.locator("main button[name=action][value='add:taxable_items']"))
    expect(page).to_have_url(re.compile(r"#field-taxable_items-item-2$"))
    complete(journey, page, items[1], groups["taxable_items"], prefix="taxable_items-1-")
    journey.step(page, "form 3 second item")
    journey.click(page.locator("main button[name=action][value=next]"))

    # A natural person is not asked about co-owners.
    expect(page.locator("#field-co_owners")).to_have_count(0)
    journey.step(page, "form 4 exemptions")
    complete(journey, page, pages[3], required)
    journey.click(page.locator("main button[name=action][value=next]"))

    journey.step(page, "form 5 declaration")
    complete(journey, page, pages[4], required)
    journey.click(page.locator("main button[name=action][value=next]"))

    # Check before sending: every answer, each with "Zmień".
    expect(page).to_have_url(re.compile(r"/formularz/sprawdz/$"))
    expect(page.locator("main .summary-list__change a").first).to_be_visible()
    assert not Submission.objects.exists()
    journey.step(page, "summary")
    journey.click(page.locator("main button[name=action][value=submit]"))
    expect(page).to_have_url(re.compile(r"/e-urzad/przyjeto/[0-9a-f-]+/$"))

    # The confirmation: what was sent, the case mark, the code in large type, the receipt,
    # what happens next and by when; the status address is absolute and answers.
    submission = Submission.objects.get()
    expect(page.locator(".confirmation__mark")).to_have_text(submission.case.mark)
    expect(page.locator("#status-code")).to_have_text(receipts.status_code(submission))
    expect(page.locator("section[aria-labelledby=next-title] strong")).to_be_visible()
    journey.step(page, "sent")
    status_link = page.locator("main a.status-link").get_attribute("href")
    assert status_link.startswith("http") and page.request.get(status_link).status == 200
    with page.expect_download() as download:
        journey.click(page.locator("main a[href$='/upp/pdf/']"))
    assert download.value.suggested_filename.startswith("UPP-")
    assert submission.resident == resident
    print(journey.summary())  # the counts for the note (pytest -s)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_person_sends_a_general_letter_without_signing_in(new_page, gmina, tmp_path,
                                                            viewport):
    journey = Journey("anonymous-letter", viewport, screenshot_folder(tmp_path))
    page = open_page(new_page, viewport)
    required, _groups = required_of(GENERAL_LETTER)
    answers = {**example(GENERAL_LETTER), "email": ANONYMOUS_EMAIL}

    go_to_the_e_office(journey, page)
    journey.click(page.locator(
        f"section[aria-labelledby=most-used-title] a[href$='/uslugi/{GENERAL_LETTER}/']"))
    journey.step(page, "card")
    journey.click(page.locator(f"main a.button[href$='/uslugi/{GENERAL_LETTER}/formularz/']"))
    # One address field: the form's own e-mail, required when sending without an account.
    expect(page.locator("input[type=email]")).to_have_count(1)
    journey.step(page, "form")
    complete(journey, page, answers, required | {"email"})
    journey.click(page.locator("main button[name=action][value=next]"))

    expect(page).to_have_url(re.compile(r"/formularz/sprawdz/$"))
    expect(page.locator("main form")).to_contain_text(ANONYMOUS_EMAIL)
    journey.step(page, "summary")
    journey.click(page.locator("main button[name=action][value=submit]"))

    expect(page).to_have_url(re.compile(r"/sprawdz-poczte/$"))
    journey.step(page, "check e-mail")
    # "Send the link again" without filling the form in again (not counted: a person
    # needs it only when the message does not come).
    first_link = confirmation_link(ANONYMOUS_EMAIL)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(ANONYMOUS_EMAIL)
    link = confirmation_link(ANONYMOUS_EMAIL)
    assert link != first_link
    assert not Submission.objects.exists()

    # The link in the mailbox (a click there), then the button that sends it.
    page.goto(link)
    journey.clicks += 1
    journey.step(page, "confirm")
    journey.click(page.locator("main form button[type=submit]"))
    expect(page).to_have_url(re.compile(r"/e-urzad/przyjeto/[0-9a-f-]+/$"))

    submission = Submission.objects.get()
    code = receipts.status_code(submission)
    expect(page.locator(".confirmation__mark")).to_have_text(submission.case.mark)
    expect(page.locator("#status-code")).to_have_text(code)
    journey.step(page, "sent")
    # Nothing is lost by e-mail: the receipt attached, the case mark and the code.
    received = [message for message in mail.outbox
                if ANONYMOUS_EMAIL in message.to and submission.case.mark in message.subject]
    assert len(received) == 1
    assert code in received[0].body and "/e-urzad/status/?znak=" in received[0].body
    assert received[0].attachments[0][0] == receipts.receipt_file_name(submission, "pdf")

    # Later: the status address from the e-mail has the case mark; the code is typed as
    # it comes (small letters, no dash).
    journey.click(page.locator("main a.status-link"))
    expect(page.locator("#case_mark")).to_have_value(submission.case.mark)
    journey.fill(page.locator("#code"), code.lower().replace("-", ""))
    journey.click(page.locator("main form button[type=submit]"))
    expect(page.locator("#result-title")).to_have_text(submission.case.mark)
    journey.step(page, "status")
    assert answers["subject"] == submission.data["subject"]
    print(journey.summary())  # the counts for the note (pytest -s)
