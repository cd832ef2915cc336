"""The e-office in a real headless Chromium, in Polish: the library's forms filled page by
page by a resident signed in through login.gov.pl, and the anonymous request confirmed by
e-mail with the status check and the receipt verification; axe-core on every page.
The gmina and the helpers: conftest.py, helpers.py."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from ratusz.cases.tests.fixtures.samples import minimal_pdf
from ratusz.eservices import case_news, receipts
from ratusz.eservices.models import Service, Submission
from ratusz.eservices.tests.browser.helpers import (
    ANONYMOUS_EMAIL,
    E_OFFICE,
    IN1,
    IN1_PAGES,
    IN1_STEPS,
    PUBLIC_INFO,
    PUBLIC_INFO_SECOND_STEP,
    STATUS_CODE,
    YEAR,
    confirmation_link,
    download,
    example,
    expect_step,
    expect_summary,
    expect_values,
    fill_fields,
    in1_page_values,
    live_server_root,
    press,
    service,
)
from ratusz.testing.browser import assert_accessible
from ratusz.testing.journey import patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# --- 1. A resident files the IN-1 ------------------------------------------------------------

def test_a_resident_files_the_property_tax_information_in1_page_by_page(
        new_page, gmina, resident, logingov_live):
    page = patient(new_page())
    answers = in1_page_values()
    assert len(answers) == IN1_PAGES

    # The catalogue lists the library; the resident searches for the IN-1.
    page.goto(E_OFFICE)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("ul.cards > li")).to_have_count(
        Service.objects.filter(municipality=gmina, is_published=True).count())
    assert_accessible(page)
    page.locator("#q").fill("IN-1")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"\?q=IN-1"))
    found = page.locator(f"ul.cards a[href$='/uslugi/{IN1}/']")
    expect(found).to_have_text(service(IN1).name)
    expect(page.locator("ul.cards > li")).to_have_count(1)

    # The card says who handles it and where the legal basis is.
    found.click()
    expect(page).to_have_url(re.compile(rf"/e-urzad/uslugi/{IN1}/$"))
    expect(page.locator("h1")).to_have_text(service(IN1).name)
    expect(page.locator("main")).to_contain_text("Referat Finansowy (FN)")
    assert_accessible(page)

    # Starting it asks to confirm the identity through login.gov.pl (here its simulator,
    # a separate process speaking the same SAML); the resident comes back to the form.
    page.locator(f"main a.button[href$='/uslugi/{IN1}/formularz/']").click()
    expect(page.locator("h1")).to_have_text(service(IN1).name)
    assert_accessible(page)
    page.locator("main a.button[href*='/auth/login-gov/start/']").click()
    expect(page).to_have_url(re.compile(re.escape(logingov_live.url)))
    page.get_by_label(re.compile(r"Ewa Mazur \(PESEL 90010112349\)")).check()
    page.get_by_label("Profil zaufany").check()
    page.get_by_role("button", name="Zaloguj").click()
    expect(page).to_have_url(re.compile(rf"/uslugi/{IN1}/formularz/$"))
    expect(page.locator(".messages")).to_contain_text("login.gov.pl")
    expect(page.locator("ol.steps > li").first).to_have_attribute("aria-current", "step")
    expect(page.locator("h1")).to_have_text(service(IN1).current_form.title)
    # Prefilled from the account (the name, the birth date in the PESEL confirmed by
    # login.gov.pl) and from the gmina (its tax authority, country, voivodeship, county).
    expect(page.locator("#field-last_name")).to_have_value("Mazur")
    expect(page.locator("#field-first_name")).to_have_value("Ewa")
    expect(page.locator("#field-postal_code")).to_have_value("24-220")
    expect(page.locator("#field-birth_date")).to_have_value("1990-01-01")
    expect(page.locator("#field-tax_authority")).to_have_value(re.compile(r"\S"))
    expect(page.locator("#field-country")).to_have_value("Polska")
    # A fresh form is not "kept from before".
    expect(page.locator("main .form-resumed")).to_have_count(0)
    assert_accessible(page)

    # Page 1, with a PESEL whose check digit is wrong: the server says so.
    wrong = {**answers[0], "pesel": "44051401358"}
    fill_fields(page, wrong)
    title = page.title()
    press(page, "next")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.locator("a[href='#field-pesel']")).to_have_count(1)
    expect(page.locator("#field-pesel-error")).to_be_visible()
    expect(page.locator("#field-pesel")).to_have_attribute(
        "aria-describedby", re.compile(r"field-pesel-error"))
    expect(page).to_have_title(re.compile(rf"^\S+: {re.escape(title)}$"))  # "Błąd: …"
    expect_values(page, wrong)  # nothing typed is lost
    assert_accessible(page)
    summary.locator("a[href='#field-pesel']").click()
    expect(page).to_have_url(re.compile(r"#field-pesel$"))

    # Fixed, the resident goes on.
    fill_fields(page, {"pesel": answers[0]["pesel"]})
    press(page, "next")
    expect_step(page, 2, IN1_PAGES, step=IN1_STEPS[1])
    expect(page.locator(".error-summary")).to_have_count(0)
    # The reason of a correction is asked only for a correction, on a step of its own.
    expect(page.locator("#field-correction_reason")).to_have_count(0)
    assert_accessible(page)

    # Page 2: the circumstances.
    fill_fields(page, answers[1])
    press(page, "next")
    expect_step(page, 3, IN1_PAGES, step=IN1_STEPS[2])
    assert_accessible(page)

    # Page 3: the areas and the taxable items, a repeatable group; a second item is added
    # and the page comes back at the added item, not at its top.
    items = answers[2].pop("taxable_items")
    assert len(items) == 2
    fill_fields(page, answers[2])
    rows = page.locator("#field-taxable_items fieldset.group__row")
    expect(rows).to_have_count(1)
    fill_fields(page, items[0], prefix="taxable_items-0-")
    press(page, "add:taxable_items")
    expect(page).to_have_url(re.compile(r"#field-taxable_items-item-2$"))
    expect(rows).to_have_count(2)
    expect(page.locator("input[name=taxable_items-count]")).to_have_value("2")
    expect_values(page, items[0], prefix="taxable_items-0-")
    expect_values(page, answers[2])
    fill_fields(page, items[1], prefix="taxable_items-1-")
    assert_accessible(page)
    press(page, "next")
    expect_step(page, 4, IN1_PAGES, step=IN1_STEPS[3])

    # Back one page: everything is there; forward again.
    press(page, "back")
    expect_step(page, 3, IN1_PAGES, step=IN1_STEPS[2])
    expect(rows).to_have_count(2)
    expect_values(page, answers[2])
    expect_values(page, items[0], prefix="taxable_items-0-")
    expect_values(page, items[1], prefix="taxable_items-1-")
    press(page, "next")
    expect_step(page, 4, IN1_PAGES, step=IN1_STEPS[3])

    # Page 4: no exemptions; a natural person is not asked about co-owners.
    expect(page.locator("#field-co_owners")).to_have_count(0)
    fill_fields(page, answers[3])
    assert_accessible(page)
    press(page, "next")
    expect_step(page, 5, IN1_PAGES, step=IN1_STEPS[4])

    # Page 5: contact, an attachment, the declaration; then the summary.
    fill_fields(page, answers[4])
    page.locator("#field-attachments").set_input_files(files=[{
        "name": "akt-notarialny.pdf", "mimeType": "application/pdf",
        "buffer": minimal_pdf()}])
    assert_accessible(page)
    press(page, "next")

    # Every answer on one page, each with its "change" link; nothing is filed yet.
    expect_summary(page)
    main = page.locator("main")
    expect(main).to_contain_text("Panieńszczyzna")
    expect(main).to_contain_text("LU1I/00012345/5")
    expect(main).to_contain_text("akt-notarialny.pdf")
    expect(main).not_to_contain_text("ZIN-3")  # no co-owners for a natural person
    assert not Submission.objects.exists()
    assert_accessible(page)
    # A change goes to its step and straight back to the summary.
    page.locator("main a[href*='zmien=1'][href$='#field-phone']").click()
    expect(page).to_have_url(re.compile(rf"strona={IN1_STEPS[4]}&zmien=1#field-phone$"))
    page.locator("#field-phone").fill("+48 602 000 111")
    press(page, "next")
    expect_summary(page)
    expect(main).to_contain_text("+48 602 000 111")
    press(page, "submit")

    # The same confirmation as everyone gets: what was sent, the case mark of FN under
    # JRWA 3120, the status code in large type, the receipt, what happens next.
    expect(page).to_have_url(re.compile(r"/e-urzad/przyjeto/[0-9a-f-]+/$"))
    submission = Submission.objects.get()
    expect(page).to_have_url(re.compile(rf"/e-urzad/przyjeto/{submission.public_id}/$"))
    expect(page.locator(".confirmation__mark")).to_have_text(
        re.compile(rf"^FN\.3120\.1\.{YEAR}$"))
    expect(page.locator("#status-code")).to_have_text(receipts.status_code(submission))
    expect(page.locator("section[aria-labelledby=next-title]")).to_be_visible()
    assert submission.case.mark == f"FN.3120.1.{YEAR}"
    assert submission.resident == resident
    assert submission.data["pesel"] == "44051401359"
    assert submission.data["phone"] == "+48 602 000 111"
    assert submission.data["taxable_items"][1]["area"] == 142.5
    assert [a.original_name for a in submission.attachments.all()] == ["akt-notarialny.pdf"]
    assert_accessible(page)
    # The status address is absolute and answers.
    status_link = page.locator("main a.status-link").get_attribute("href")
    assert status_link.startswith("http"), status_link
    assert page.request.get(status_link).status == 200

    # The matter page, from the confirmation.
    page.locator(f"main a[href$='/moje-sprawy/{submission.public_id}/']").click()
    expect(page.locator("dd.case-mark")).to_have_text(submission.case.mark)
    main = page.locator("main")
    expect(main).to_contain_text("Panieńszczyzna")
    expect(main).to_contain_text("LU1I/00012345/5")
    expect(page.locator("dd.hash")).to_have_text(receipts.status_code(submission))
    assert_accessible(page)

    # The sealed receipt.
    name, pdf = download(page, page.locator("main a[href$='/upp/pdf/']"))
    assert pdf.startswith(b"%PDF")
    assert name == f"UPP-{submission.case.mark.replace('/', '-')}.pdf"

    # Signing out ends the session here and at login.gov.pl (SAML single logout).
    page.get_by_role("button", name=re.compile("Wyloguj")).first.click()
    expect(page).to_have_url(live_server_root(logingov_live))
    expect(page.locator(".messages")).to_contain_text("login.gov.pl")
    assert any(entry["event"] == "logout" and entry["known_session"]
               for entry in logingov_live.log())
    page.goto(f"{E_OFFICE}moje-sprawy/")
    expect(page).to_have_url(re.compile(r"/auth/login/\?next="))


# --- 2. An anonymous request, confirmed by e-mail; status; verification -------------------

def test_an_anonymous_person_requests_public_information_and_checks_it(new_page, gmina):
    page = patient(new_page())
    page.goto(f"{E_OFFICE}uslugi/{PUBLIC_INFO}/")
    page.locator("main a.button[href$='/formularz/']").click()
    expect(page).to_have_url(re.compile(rf"/uslugi/{PUBLIC_INFO}/formularz/$"))
    expect(page.locator("ol.steps")).to_have_count(0)  # one page, no steps
    assert_accessible(page)

    # The required text left out first: the server says so and keeps the rest.
    answers = example(PUBLIC_INFO)
    first_step = {name: value for name, value in answers.items()
                  if name not in PUBLIC_INFO_SECOND_STEP}
    fill_fields(page, {**first_step, "requested_information": ""})
    press(page, "next")
    expect(page.locator(".error-summary a[href='#field-requested_information']")
           ).to_have_count(1)
    expect(page.locator("#field-requested_information-error")).to_be_visible()
    expect_values(page, {**first_step, "requested_information": ""})
    assert_accessible(page)
    assert not mail.outbox

    # Answered, the next step asks what those answers need: the file's format and the
    # address to send it to (asked once, as the address the link goes to).
    page.locator("#field-requested_information").fill(answers["requested_information"])
    press(page, "next")
    expect(page).to_have_url(re.compile(r"/formularz/\?strona=2$"))
    expect(page.locator("#field-postal_address")).to_have_count(0)
    expect(page.locator("#field-applicant_email")).to_have_count(0)
    fill_fields(page, {"file_format": answers["file_format"], "email": ANONYMOUS_EMAIL})
    assert_accessible(page)
    press(page, "next")

    # The summary says where the link goes; sending it sends the e-mail.
    expect_summary(page)
    expect(page.locator("main form")).to_contain_text(ANONYMOUS_EMAIL)
    expect(page.locator("#field-applicant_email")).to_have_count(0)
    assert_accessible(page)
    press(page, "submit")

    # Nothing is filed yet: the e-mail goes out first.
    expect(page).to_have_url(re.compile(rf"/uslugi/{PUBLIC_INFO}/sprawdz-poczte/$"))
    expect(page.locator("main")).to_contain_text(ANONYMOUS_EMAIL)
    assert_accessible(page)
    assert not Submission.objects.exists()
    link = confirmation_link(ANONYMOUS_EMAIL)  # proves the outbox is shared with the server

    # Opening the link only asks; the button files the request.
    page.goto(link)
    expect(page.locator("h1")).to_have_count(1)
    assert not Submission.objects.exists()
    assert_accessible(page)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/e-urzad/przyjeto/[0-9a-f-]+/$"))

    submission = Submission.objects.get()
    expect(page).to_have_url(re.compile(rf"/e-urzad/przyjeto/{submission.public_id}/$"))
    mark = page.locator(".case-mark")
    expect(mark).to_have_text(re.compile(rf"^OR\.1431\.1\.{YEAR}$"))
    code = page.locator("#status-code").inner_text().strip()
    assert STATUS_CODE.match(code)
    assert code == receipts.status_code(submission)
    assert submission.email == ANONYMOUS_EMAIL
    assert submission.data["requested_information"] == answers["requested_information"]
    expect(page.locator("main")).to_contain_text(submission.incoming.number)
    assert_accessible(page)
    # The receipt went by e-mail too, with the case mark and the code.
    receipt_mail = [message for message in mail.outbox
                    if ANONYMOUS_EMAIL in message.to and submission.case.mark in message.subject]
    assert len(receipt_mail) == 1
    assert code in receipt_mail[0].body
    assert [name for name, _content, _type in receipt_mail[0].attachments] == [
        receipts.receipt_file_name(submission, "pdf")]
    _name, pdf = download(page, page.locator("main a[href$='/pdf/']"))
    assert pdf.startswith(b"%PDF")
    _name, xml = download(page, page.locator("main a[href$='/xml/']"))
    assert xml.lstrip().startswith(b"<")

    # Anyone with the case mark and the code sees the status, in a fresh browser.
    stranger = patient(new_page())
    stranger.goto(f"{E_OFFICE}status/")
    expect(stranger.locator("#result-title")).to_have_count(0)
    assert_accessible(stranger)
    stranger.locator("main form button[type=submit]").click()
    expect(stranger.locator(".error-summary a[href='#case_mark']")).to_have_count(1)
    expect(stranger.locator(".error-summary a[href='#code']")).to_have_count(1)
    assert_accessible(stranger)
    stranger.locator("#case_mark").fill(submission.case.mark)
    stranger.locator("#code").fill("AAAA-BBBB")
    stranger.locator("main form button[type=submit]").click()
    expect(stranger.locator(".error-summary a[href='#code']")).to_have_count(1)
    expect(stranger.locator("#case_mark")).to_have_value(submission.case.mark)
    stranger.locator("#code").fill(code.lower().replace("-", ""))  # as people type it
    stranger.locator("main form button[type=submit]").click()
    expect(stranger.locator(".error-summary")).to_have_count(0)
    expect(stranger.locator("#result-title")).to_have_text(submission.case.mark)
    expect(stranger.locator("section.panel")).to_contain_text(
        case_news.status_label(submission.case.status))
    expect(stranger.locator("main")).not_to_contain_text(ANONYMOUS_EMAIL)
    assert_accessible(stranger)

    # …and verifies the receipt by uploading the XML.
    stranger.goto(f"{E_OFFICE}weryfikacja/")
    expect(stranger.locator("#result-title")).to_have_count(0)
    assert_accessible(stranger)
    stranger.locator("#receipt").set_input_files(files=[{
        "name": "UPP.xml", "mimeType": "application/xml", "buffer": xml}])
    stranger.locator("main form button[type=submit]").click()
    result = stranger.locator("section.panel")
    expect(result.locator(".signature-valid")).to_have_count(1)
    expect(result).to_contain_text(submission.case.mark)
    expect(result).to_contain_text(submission.incoming.number)
    assert_accessible(stranger)

    # A changed receipt is not confirmed.
    stranger.locator("#receipt").set_input_files(files=[{
        "name": "UPP.xml", "mimeType": "application/xml",
        "buffer": xml.replace(ANONYMOUS_EMAIL.encode(), b"ktos.inny@example.com")}])
    stranger.locator("main form button[type=submit]").click()
    expect(result.locator(".signature-invalid")).to_have_count(1)
    expect(result).not_to_contain_text(submission.case.mark)

    # The accessibility statement of the e-office.
    stranger.goto(f"{E_OFFICE}deklaracja-dostepnosci/")
    expect(stranger.locator("#a11y-status")).to_be_visible()
    assert_accessible(stranger)


def test_a_wrong_confirmation_address_is_flagged_on_its_own_field(new_page, gmina):
    """The information by post: the form has no address of its own to send the link to,
    so the summary asks for one, and a wrong one is flagged on that field."""
    page = patient(new_page())
    page.goto(f"{E_OFFICE}uslugi/{PUBLIC_INFO}/formularz/")
    answers = example(PUBLIC_INFO)
    fill_fields(page, {"requested_information": answers["requested_information"],
                       "access_form": answers["access_form"], "delivery_method": "poczta"})
    press(page, "next")
    fill_fields(page, {"file_format": answers["file_format"],
                       "postal_address": "ul. Lipowa 12/3, 20-020 Lublin"})
    press(page, "next")
    expect_summary(page)
    page.locator("#field-applicant_email").fill("jan.kowalski")
    press(page, "submit")
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.locator("#field-applicant_email-error").count() == 1
    assert page.locator("#field-email-error").count() == 0
    assert not Submission.objects.exists()
