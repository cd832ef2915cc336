"""After "Send": nothing is lost by e-mail and every address printed works (issue 23,
items 1 and 5). The receipt and every e-mail of the e-office give absolute addresses built
from RATUSZ_PUBLIC_URL; each answers 200 when followed. Someone who sent without signing in
gets the receipt (PDF) and the status code by e-mail, can have the link sent again without
filling the form in again, and finds the matter however the case mark is typed."""

import io
import re

import pytest
from django.core import mail
from lxml import etree
from pypdf import PdfReader

from ratusz.eservices import receipts, services
from ratusz.eservices.models import PendingSubmission, Submission
from ratusz.eservices.tests.conftest import VALID_LETTER
from ratusz.testing.logingov import sign_in_identified

pytestmark = pytest.mark.django_db

PUBLIC = "https://e-urzad.example.pl"
URL = re.compile(r"https?://[^\s<>\"]+")


@pytest.fixture(autouse=True)
def _public_address(settings, tmp_path):
    settings.RATUSZ_PUBLIC_URL = PUBLIC
    settings.VAR_DIR = tmp_path


def urls_in(text: str) -> list[str]:
    return [url.rstrip(".,);") for url in URL.findall(text)]


def answers_200(client, url: str) -> None:
    assert url.startswith(f"{PUBLIC}/g/alfa/"), url
    response = client.get(url[len(PUBLIC):])
    assert response.status_code == 200, (url, response.status_code)


def pdf_text_and_links(pdf: bytes) -> tuple[str, list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    links = [annotation.get_object()["/A"]["/URI"] for page in reader.pages
             for annotation in page.get("/Annots") or []
             if "/A" in annotation.get_object() and "/URI" in annotation.get_object()["/A"]]
    return text, links


def send_without_sign_in(client, letter_service, django_capture_on_commit_callbacks,
                         email="nowak@example.com") -> Submission:
    with django_capture_on_commit_callbacks(execute=True):
        services.request_anonymous_submission(
            letter_service, email=email, data={**VALID_LETTER, "email": email},
            confirm_url=f"{PUBLIC}/g/alfa/e-urzad/potwierdz/TOKEN/")
    link = urls_in(mail.outbox[-1].body)[0]
    answers_200(client, link)  # the confirmation page (a GET files nothing)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link[len(PUBLIC):])
    return Submission.objects.get()


def test_every_address_on_the_receipt_is_absolute_and_answers(client, letter_service,
                                                              resident):
    submission, _created = services.submit(letter_service, data=VALID_LETTER,
                                           resident=resident)
    text, links = pdf_text_and_links(receipts.read_receipt(submission, "pdf"))
    status = f"{PUBLIC}/g/alfa/e-urzad/status/?znak={submission.case.mark}"
    verify = f"{PUBLIC}/g/alfa/e-urzad/weryfikacja/"
    assert set(links) == {status, verify}  # the links of the PDF
    printed = urls_in(text)
    assert set(printed) == {status, verify}  # each on one line, whole, as on paper
    xml = etree.fromstring(receipts.read_receipt(submission, "xml"))
    in_xml = [element.text for element in xml.iter() if element.text and
              element.text.startswith("http")]
    assert set(in_xml) == {status, verify}
    for url in {*links, *printed, *in_xml}:
        answers_200(client, url)


def test_the_anonymous_sender_gets_the_receipt_and_the_code_by_email(
        client, letter_service, django_capture_on_commit_callbacks):
    submission = send_without_sign_in(client, letter_service,
                                      django_capture_on_commit_callbacks)
    sent = [message for message in mail.outbox
            if message.subject == f"Wniosek przyjęty: {submission.case.mark}"]
    assert len(sent) == 1
    message = sent[0]
    assert message.to == ["nowak@example.com"]
    assert receipts.status_code(submission) in message.body
    assert submission.case.mark in message.body
    assert "Gmina Alfa przyjęła Twój wniosek" in message.body  # the gmina's gender
    (name, content, kind), = message.attachments
    assert name == f"UPP-{submission.case.mark}.pdf" and kind == "application/pdf"
    assert content == receipts.read_receipt(submission, "pdf")
    for url in urls_in(message.body):
        answers_200(type(client)(), url)
    assert services.send_receipt_email(submission.pk) is False  # once
    assert len(mail.outbox) == 2  # the link, then the receipt; nothing else


def test_every_address_in_the_status_emails_answers(
        client, letter_service, resident, clerk_a, django_capture_on_commit_callbacks):
    from ratusz.cases import services as ezd

    submission = send_without_sign_in(client, letter_service,
                                      django_capture_on_commit_callbacks)
    own, _created = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for item in (submission, own):
            ezd.change_status(item.case, acting_user=clerk_a, status="in_progress")
    assert len(mail.outbox) == 2
    signed_in = type(client)()
    sign_in_identified(signed_in, resident)
    for message in mail.outbox:
        body_urls = urls_in(message.body)
        assert body_urls, message.body
        for url in body_urls:
            answers_200(signed_in if "moje-sprawy" in url else type(client)(), url)


def test_the_link_is_sent_again_without_filling_the_form_in_again(
        client, letter_service, django_capture_on_commit_callbacks):
    page = client.get("/g/alfa/e-urzad/uslugi/pismo-ogolne/formularz/").content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"', page).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/g/alfa/e-urzad/uslugi/pismo-ogolne/formularz/?strona=1", {
            **VALID_LETTER, "email": "nowak@exmaple.com", "page": 1, "action": "submit",
            "form_token": token})
    first_link = urls_in(mail.outbox[-1].body)[0]
    check = "/g/alfa/e-urzad/uslugi/pismo-ogolne/sprawdz-poczte/"
    assert "nowak@exmaple.com" in client.get(check).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(check, {"email": "nowak@example.com"})  # the typo corrected
    assert again.status_code == 302
    pending = PendingSubmission.objects.get()
    assert pending.email == "nowak@example.com" and pending.data["email"] == "nowak@example.com"
    assert mail.outbox[-1].to == ["nowak@example.com"]
    new_link = urls_in(mail.outbox[-1].body)[0]
    assert new_link != first_link
    assert client.post(first_link[len(PUBLIC):]).status_code == 400  # the old link is dead
    with django_capture_on_commit_callbacks(execute=True):
        client.post(new_link[len(PUBLIC):])
    assert Submission.objects.get().email == "nowak@example.com"
    refused = client.post(check, {"email": "nie-email"})
    assert refused.status_code in (200, 422)


@pytest.mark.parametrize("typed", ["{mark}", "{lower}", " {spaced} ", "{lower_spaced}"])
def test_the_status_is_found_however_the_mark_and_code_are_typed(client, letter_service,
                                                                  resident, typed):
    submission, _created = services.submit(letter_service, data=VALID_LETTER,
                                           resident=resident)
    mark = submission.case.mark
    case_mark = typed.format(mark=mark, lower=mark.lower(), spaced=mark.replace(".", ". "),
                             lower_spaced=" ".join(mark.lower()))
    code = receipts.status_code(submission).lower().replace("-", " ")
    answer = client.post("/g/alfa/e-urzad/status/", {"case_mark": case_mark, "code": code})
    assert answer.status_code == 200
    assert 'id="result-title">' + mark in answer.content.decode()


def test_the_status_page_fills_in_the_mark_from_its_address(client, letter_service):
    page = client.get("/g/alfa/e-urzad/status/?znak=OR.140.7.2026").content.decode()
    assert 'name="case_mark" value="OR.140.7.2026"' in page
