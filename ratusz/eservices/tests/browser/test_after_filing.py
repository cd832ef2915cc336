"""The e-office in a real headless Chromium, after filing: the resident reading the office's
message and sealed letter and replying, the anonymous request without JavaScript, and the
screenshots in docs/screenshots/eservices-*.png. The world and the helpers:
conftest.py, helpers.py."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from ratusz.cases import services as ezd
from ratusz.eservices import receipts, services
from ratusz.eservices.models import Message, MessageDirection, Submission
from ratusz.eservices.tests.browser.helpers import (
    ANONYMOUS_EMAIL,
    E_OFFICE,
    GENERAL_LETTER,
    IN1,
    PUBLIC_INFO,
    confirmation_link,
    download,
    example,
    fill_fields,
    fill_public_information_request,
    in1_page_values,
    off_the_event_loop,
    press,
    screenshot_folder,
    service,
    shoot,
    sign_in_with_the_form,
)
from ratusz.testing.browser import MOBILE, assert_accessible, sign_in
from ratusz.testing.journey import patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# --- 3. The resident reads the office's answer and replies ----------------------------------

def test_the_resident_reads_the_message_and_the_sealed_letter_and_replies(
        new_page, gmina, resident, officer, head):
    submission, _created = services.submit(service(GENERAL_LETTER),
                                           data=example(GENERAL_LETTER), resident=resident)
    services.send_message_to_resident(
        submission, acting_user=officer,
        text="Zbiórka odbędzie się 14 maja.\nSzczegóły w piśmie w załączeniu.")
    letter = ezd.draft_letter(
        submission.case, acting_user=officer, subject="odpowiedź w sprawie zbiórki odpadów",
        body="Uprzejmie informuję, że zbiórka odpadów wielkogabarytowych w Jastkowie "
             "odbędzie się 14 maja.", addressee_name="Jan Kowalski",
        addressee_address="ul. Lipowa 12/3", addressee_city="20-020 Lublin",
        sending_method="resident_inbox")
    letter = ezd.request_approval(letter, acting_user=officer, approvers=[head])
    letter = ezd.decide_approval(letter, acting_user=head, approve=True)
    letter = off_the_event_loop(ezd.seal_letter, letter, acting_user=officer)
    ezd.send_letter(letter, acting_user=officer)
    mark = submission.case.mark
    # The news reached the resident's e-mail too (sent after commit, in this thread).
    subjects = [message.subject for message in mail.outbox if resident.email in message.to]
    assert f"Nowa wiadomość w sprawie: {mark}" in subjects
    assert f"Nowe pismo w sprawie: {mark}" in subjects

    # My matters asks to sign in; the sign-in page brings the resident back.
    page = patient(new_page())
    page.goto(f"{E_OFFICE}moje-sprawy/")
    sign_in_with_the_form(page, resident.username)
    expect(page).to_have_url(re.compile(r"/e-urzad/moje-sprawy/$"))
    row = page.locator("main table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator(".case-mark")).to_have_text(mark)
    assert_accessible(page)

    row.locator(f"a[href$='/moje-sprawy/{submission.public_id}/']").click()
    expect(page.locator("dd.case-mark")).to_have_text(mark)
    conversation = page.locator("section[aria-labelledby=conversation-title]")
    expect(conversation.locator("ol.record > li")).to_have_count(1)
    expect(conversation).to_contain_text("Zbiórka odbędzie się 14 maja.")
    letter_link = conversation.locator(
        f"a[href$='/moje-sprawy/{submission.public_id}/pisma/{letter.pk}/']")
    expect(letter_link).to_have_text("odpowiedź w sprawie zbiórki odpadów")
    assert_accessible(page)
    assert Message.objects.get(direction=MessageDirection.TO_RESIDENT).read_at is not None

    name, pdf = download(page, letter_link)
    assert pdf.startswith(b"%PDF")
    assert name.endswith(".pdf") and mark.replace("/", "-") in name.replace("/", "-")

    # The reply shows on the page and is recorded.
    reply = page.locator("section[aria-labelledby=reply-title]")
    reply.locator("#reply-text").fill("Dziękuję, wystawię meble 13 maja wieczorem.")
    reply.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/moje-sprawy/{submission.public_id}/$"))
    expect(conversation.locator("ol.record > li")).to_have_count(2)
    expect(conversation.locator("ol.record > li").last).to_contain_text(
        "wystawię meble 13 maja")
    assert Message.objects.filter(direction=MessageDirection.FROM_RESIDENT,
                                  submission=submission).count() == 1
    assert_accessible(page)


# --- 5. Without JavaScript ------------------------------------------------------------------

def test_the_anonymous_request_works_without_javascript(new_page, gmina):
    page = patient(new_page(java_script_enabled=False))
    page.goto(E_OFFICE)
    page.locator("#kategoria").select_option("general")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"kategoria=general"))
    page.locator(f"ul.cards a[href$='/uslugi/{PUBLIC_INFO}/']").click()
    page.locator("main a.button[href$='/formularz/']").click()

    answers = fill_public_information_request(page)
    expect(page).to_have_url(re.compile(r"/formularz/sprawdz/$"))
    press(page, "submit")
    expect(page).to_have_url(re.compile(r"/sprawdz-poczte/$"))

    page.goto(confirmation_link(ANONYMOUS_EMAIL))
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/e-urzad/przyjeto/[0-9a-f-]+/$"))
    submission = Submission.objects.get()
    expect(page).to_have_url(re.compile(rf"/przyjeto/{submission.public_id}/$"))
    expect(page.locator(".case-mark")).to_have_text(submission.case.mark)
    assert submission.data["delivery_method"] == answers["delivery_method"]

    _name, xml = download(page, page.locator("main a[href$='/xml/']"))

    # The status address fills the case mark in; the code is typed.
    page.locator("main a.status-link").click()
    expect(page.locator("#case_mark")).to_have_value(submission.case.mark)
    page.locator("#code").fill(receipts.status_code(submission))
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#result-title")).to_have_text(submission.case.mark)

    page.goto(f"{E_OFFICE}weryfikacja/")
    page.locator("#receipt").set_input_files(files=[{
        "name": "UPP.xml", "mimeType": "application/xml", "buffer": xml}])
    page.locator("main form button[type=submit]").click()
    expect(page.locator("section.panel .signature-valid")).to_have_count(1)
    expect(page.locator("section.panel")).to_contain_text(submission.case.mark)


# --- 6. Screenshots -------------------------------------------------------------------------

def test_screenshots_of_the_e_office(new_page, live_server, tmp_path, gmina, resident,
                                     officer):
    folder = screenshot_folder(tmp_path)
    submission, _created = services.submit(service(IN1), data=example(IN1),
                                           resident=resident)
    services.send_message_to_resident(
        submission, acting_user=officer,
        text="Dziękujemy za złożenie informacji. Decyzję doręczymy w ciągu miesiąca.")

    public = patient(new_page())
    public.goto(f"{E_OFFICE}?kategoria=taxes")
    shoot(public, folder, "eservices-catalogue.png")
    public.goto(f"{E_OFFICE}uslugi/{IN1}/")
    shoot(public, folder, "eservices-card.png")

    signed_in = patient(new_page())
    sign_in(signed_in, live_server, resident)
    signed_in.goto(f"{E_OFFICE}moje-sprawy/{submission.public_id}/")
    expect(signed_in.locator("dd.case-mark")).to_have_text(submission.case.mark)
    shoot(signed_in, folder, "eservices-matter.png")
    _name, receipt = download(signed_in, signed_in.locator("main a[href$='/upp/pdf/']"))
    signed_in.goto(f"{E_OFFICE}uslugi/{IN1}/formularz/")
    fill_fields(signed_in, {**in1_page_values()[0], "pesel": "44051401358"})
    press(signed_in, "next")
    expect(signed_in.locator(".error-summary")).to_be_visible()
    shoot(signed_in, folder, "eservices-form-errors.png")

    public.goto(f"{E_OFFICE}weryfikacja/")
    public.locator("#receipt").set_input_files(files=[{
        "name": f"UPP-{submission.case.mark}.pdf", "mimeType": "application/pdf",
        "buffer": receipt}])
    public.locator("main form button[type=submit]").click()
    expect(public.locator(".signature-valid")).to_have_count(1)
    shoot(public, folder, "eservices-verify.png")

    mobile = patient(new_page(viewport=MOBILE, is_mobile=True, device_scale_factor=1))
    mobile.goto(f"{E_OFFICE}uslugi/{PUBLIC_INFO}/formularz/")
    shoot(mobile, folder, "eservices-form-mobile.png")

    names = {"eservices-catalogue.png", "eservices-card.png", "eservices-verify.png",
             "eservices-matter.png", "eservices-form-errors.png", "eservices-form-mobile.png"}
    assert names <= {path.name for path in folder.iterdir()}
