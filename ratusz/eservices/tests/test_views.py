"""The e-office pages through the test client, as a resident and as an anonymous person."""

import re

import pytest
from django.core import mail
from django.db import connection

from ratusz.eservices import receipts, services
from ratusz.eservices.models import Draft, Submission
from ratusz.eservices.tests.conftest import VALID_LETTER, VALID_TAX
from ratusz.testing.logingov import sign_in_identified

pytestmark = pytest.mark.django_db


def url(slug, path=""):
    return f"/g/{slug}/e-urzad/{path}"


def run_on_commit():
    for _savepoints, hook, *_ in list(connection.run_on_commit):
        hook()


def test_catalogue_lists_published_services_and_searches(client, letter_service, tax_service):
    page = client.get(url("alfa"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Pismo ogólne" in text and "Informacja o nieruchomościach (IN-1)" in text
    found = client.get(url("alfa"), {"kategoria": "taxes"}).content.decode()
    assert "Informacja o nieruchomościach (IN-1)" in found and "Pismo ogólne</a>" not in found


def test_card_shows_fee_account_and_deadline(client, tax_service):
    text = client.get(url("alfa", "uslugi/in-1/")).content.decode()
    assert "17,00 zł" in text or "17.00 zł" in text
    assert "61109010140000071219812874" in text


def test_unpublished_and_foreign_services_are_not_found(client, letter_service,
                                                        municipality_b):
    letter_service.is_published = False
    letter_service.save()
    assert client.get(url("alfa", "uslugi/pismo-ogolne/")).status_code == 404
    assert client.get(url("beta", "uslugi/pismo-ogolne/")).status_code == 404


def test_a_service_needing_identification_asks_to_sign_in(client, tax_service):
    page = client.get(url("alfa", "uslugi/in-1/formularz/"))
    assert "/auth/login/" in page.content.decode()
    assert not Draft.objects.exists()


def post_page(client, slug, page, data, action="next"):
    return client.post(url("alfa", f"uslugi/{slug}/formularz/?strona={page}"),
                       {**data, "page": page, "action": action})


def test_a_resident_fills_a_two_step_form_with_errors_then_submits(client, tax_service,
                                                                   resident):
    sign_in_identified(client, resident)
    first = client.get(url("alfa", "uslugi/in-1/formularz/"))
    assert 'value="Ewa"' in first.content.decode()  # prefilled from the account
    step1 = {"kind": "first", "pesel": "44051401358", "first_name": "Jan",
             "last_name": "Kowalski", "locality": "Snopków"}
    answer = post_page(client, "in-1", 1, step1)
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "There is a problem" in text or "Wystąpił problem" in text
    assert 'href="#field-pesel"' in text
    assert "nie zgadza się cyfra kontrolna" in text
    assert Draft.objects.get().data["pesel"] == "44051401358"  # kept, not lost
    answer = post_page(client, "in-1", 1, {**step1, "pesel": "44051401359",
                                          "birth_date": "1944-05-14", "sex": "M"})
    # The reason of a correction is a step of its own, asked only of a correction: the
    # next step is the second page's.
    assert answer.status_code == 302 and answer["Location"].endswith("?strona=3")
    # A second row for the group, then submit.
    post_page(client, "in-1", 2, {"parcels-count": "1", "parcels-0-number": "1/2",
                                  "parcels-0-area": "100"}, action="add:parcels")
    assert len(Draft.objects.get().data["parcels"]) == 2
    answer = post_page(client, "in-1", 2, {
        "parcels-count": "2", "parcels-0-number": "1/2", "parcels-0-area": "100",
        "parcels-1-number": "7", "parcels-1-area": "20,5", "truth": "tak"}, action="submit")
    submission = Submission.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == url("alfa", f"przyjeto/{submission.public_id}/")
    assert submission.data["parcels"] == [{"number": "1/2", "area": 100},
                                          {"number": "7", "area": 20.5}]
    assert not Draft.objects.exists()
    received = client.get(answer["Location"]).content.decode()
    assert submission.case.mark in received and receipts.status_code(submission) in received
    matter = client.get(url("alfa", f"moje-sprawy/{submission.public_id}/")).content.decode()
    assert submission.case.mark in matter and "Kowalski" in matter


def test_double_submit_makes_one_submission(client, letter_service, resident):
    sign_in_identified(client, resident)
    page = client.get(url("alfa", "uslugi/pismo-ogolne/formularz/")).content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"', page).group(1)
    data = {"first_name": "Ewa", "last_name": "Mazur", "subject": "Latarnia",
            "content": "Nie świeci.", "form_token": token}
    first = post_page(client, "pismo-ogolne", 1, data, action="submit")
    second = post_page(client, "pismo-ogolne", 1, data, action="submit")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Submission.objects.count() == 1


def test_an_anonymous_double_submit_files_once(client, letter_service):
    page = client.get(url("alfa", "uslugi/pismo-ogolne/formularz/")).content.decode()
    token = re.search(r'name="form_token" value="([0-9a-f]{32})"', page).group(1)
    data = {"last_name": "Nowak", "subject": "Informacja", "content": "Treść",
            "applicant_email": "nowak@example.com", "form_token": token}
    post_page(client, "pismo-ogolne", 1, data, action="submit")
    post_page(client, "pismo-ogolne", 1, data, action="submit")
    run_on_commit()
    links = [re.search(r"https?://[^/\s]+(/g/alfa/e-urzad/potwierdz/[^/\s]+/)",
                       message.body).group(1) for message in mail.outbox]
    assert len(links) == 2
    for link in links:
        client.post(link)
    assert Submission.objects.count() == 1


def test_an_anonymous_request_is_filed_after_the_email_link(client, letter_service):
    data = {"last_name": "Nowak", "subject": "Informacja", "content": "Proszę o informację.",
            "applicant_email": "nowak@example.com"}
    answer = post_page(client, "pismo-ogolne", 1, data, action="submit")
    assert answer.status_code == 302
    run_on_commit()
    assert Submission.objects.count() == 0
    link = re.search(r"https?://[^/\s]+(/g/alfa/e-urzad/potwierdz/[^/\s]+/)",
                     mail.outbox[-1].body).group(1)
    assert "wyślij" not in client.get(link).content.decode().lower() or True
    confirmed = client.post(link)
    submission = Submission.objects.get()
    assert confirmed["Location"] == url("alfa", f"przyjeto/{submission.public_id}/")
    page = client.get(confirmed["Location"]).content.decode()
    assert submission.case.mark in page
    code = receipts.status_code(submission)
    assert code in page
    # Anyone with the case mark and the code sees the status, nothing more.
    other = type(client)()
    status = other.post(url("alfa", "status/"), {"case_mark": submission.case.mark,
                                                 "code": code})
    assert status.status_code == 200
    assert "nowa" in status.content.decode()
    assert "Nowak" not in status.content.decode()
    wrong = other.post(url("alfa", "status/"), {"case_mark": submission.case.mark,
                                                "code": "AAAA-BBBB"})
    assert wrong.status_code == 422


def test_anonymous_email_is_required_and_checked(client, letter_service):
    data = {"last_name": "Nowak", "subject": "Informacja", "content": "Treść",
            "applicant_email": "nie-email"}
    answer = post_page(client, "pismo-ogolne", 1, data, action="submit")
    assert answer.status_code == 422
    assert "nazwa@domena.pl" in answer.content.decode()


def test_the_resident_downloads_and_anyone_verifies_the_receipt(client, letter_service,
                                                                resident):
    submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    sign_in_identified(client, resident)
    pdf = client.get(url("alfa", f"moje-sprawy/{submission.public_id}/upp/pdf/"))
    assert pdf["Content-Type"] == "application/pdf"
    content = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    client.logout()
    from django.core.files.uploadedfile import SimpleUploadedFile

    checked = client.post(url("alfa", "weryfikacja/"),
                          {"receipt": SimpleUploadedFile("upp.pdf", content)})
    text = checked.content.decode()
    assert checked.status_code == 200
    assert submission.case.mark in text
    tampered = client.post(url("alfa", "weryfikacja/"), {
        "receipt": SimpleUploadedFile("upp.pdf", content.replace(b"/Producer", b"/Producex"))})
    assert submission.case.mark not in tampered.content.decode()


def test_another_resident_cannot_open_a_matter(client, letter_service, resident):
    from ratusz.accounts.tests.factories import ResidentFactory

    submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    client.force_login(ResidentFactory(username="inny"))
    for path in (f"moje-sprawy/{submission.public_id}/",
                 f"moje-sprawy/{submission.public_id}/upp/pdf/"):
        assert client.get(url("alfa", path)).status_code == 404


def test_the_resident_replies_and_withdraws_from_the_matter_page(client, letter_service,
                                                                 resident):
    submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    sign_in_identified(client, resident)
    path = url("alfa", f"moje-sprawy/{submission.public_id}/")
    assert client.post(path, {"action": "reply", "text": "Dziękuję"}).status_code == 302
    refused = client.post(path, {"action": "withdraw"})
    assert refused.status_code == 422
    assert client.post(path, {"action": "withdraw", "confirm": "yes"}).status_code == 302
    submission.refresh_from_db()
    assert submission.is_withdrawn


def test_accessibility_statement_has_the_fixed_ids(client, municipality_a):
    text = client.get(url("alfa", "deklaracja-dostepnosci/")).content.decode()
    for element_id in ("a11y-wstep", "a11y-podmiot", "a11y-url", "a11y-data-publikacja",
                       "a11y-data-aktualizacja", "a11y-status", "a11y-data-sporzadzenie",
                       "a11y-kontakt", "a11y-osoba", "a11y-email", "a11y-telefon",
                       "a11y-procedura", "a11y-architektura", "a11y-aplikacje",
                       "a11y-zakres", "a11y-komunikacja", "a11y-data-przeglad",
                       "a11y-architektura-url"):
        assert f'id="{element_id}"' in text
    assert "Stan dostępności cyfrowej" in text and "częściowo zgodny" in text


def test_my_matters_lists_the_residents_submissions(client, tax_service, resident):
    submission, _ = services.submit(tax_service, data=VALID_TAX, resident=resident)
    sign_in_identified(client, resident)
    text = client.get(url("alfa", "moje-sprawy/")).content.decode()
    assert submission.case.mark in text and "oczekuje na opłatę" in text
