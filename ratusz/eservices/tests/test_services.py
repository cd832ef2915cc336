"""Submissions: one transaction from the form to the case, idempotent, nothing half made."""

import threading

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.db import connection

from ratusz.cases.models import Case, CaseRecordEntry, Counter, Document, IncomingEntry
from ratusz.eservices import receipts, services
from ratusz.eservices.models import (
    FeeStatus,
    Message,
    PendingSubmission,
    Submission,
    SubmissionAttachment,
)
from ratusz.eservices.tests.conftest import VALID_LETTER, VALID_TAX

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]"
       b"/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
       b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
       b"0000000101 00000 n \ntrailer<</Size 4/Root 1 0 R>>\nstartxref\n165\n%%EOF\n")


def counts():
    return (Submission.objects.count(), IncomingEntry.objects.count(), Case.objects.count(),
            CaseRecordEntry.objects.count(), Document.objects.count(),
            list(Counter.objects.values_list("scope", "value")))


@pytest.mark.django_db
def test_a_submission_is_registered_and_opened_as_a_case(letter_service, resident):
    files = [services.UploadedFile("files", "skan.pdf", PDF)]
    submission, created = services.submit(letter_service, data=VALID_LETTER, files=files,
                                          resident=resident)
    assert created
    entry, case = submission.incoming, submission.case
    entry.refresh_from_db()
    assert entry.number.startswith("RPW/1/")
    assert entry.channel == "eservice" and entry.status == "in_case"
    assert case.mark.startswith("OR.140.1.")
    assert case.department == letter_service.department
    assert case.title == "Pismo ogólne – Ewa Mazur"
    assert submission.applicant_name == "Ewa Mazur"
    assert submission.data["subject"] == "Oświetlenie"
    assert len(submission.data_sha256) == 64
    attachment = submission.attachments.get()
    assert attachment.document.case == case
    assert attachment.sha256 == __import__("hashlib").sha256(PDF).hexdigest()
    assert [row.action for row in case.record.order_by("position")] == [
        "opened", "entry_attached"]
    assert submission.fee_status == FeeStatus.NOT_REQUIRED


@pytest.mark.django_db
def test_a_retry_with_the_same_key_returns_the_first_submission(letter_service, resident):
    first, created = services.submit(letter_service, data=VALID_LETTER, resident=resident,
                                     idempotency_key="abc-1")
    before = counts()
    again, created_again = services.submit(letter_service, data=VALID_LETTER,
                                           resident=resident, idempotency_key="abc-1")
    assert created and not created_again
    assert again.pk == first.pk
    assert counts() == before


@pytest.mark.django_db
def test_invalid_answers_store_nothing_and_use_no_number(tax_service, resident):
    before = counts()
    with pytest.raises(services.SubmissionRejected) as raised:
        services.submit(tax_service, data={**VALID_TAX, "pesel": "1"}, resident=resident)
    assert raised.value.errors == {"pesel": "Numer PESEL w polu „PESEL” musi mieć 11 cyfr."}
    assert counts() == before


@pytest.mark.django_db
def test_a_mislabelled_file_is_refused_with_its_reason(letter_service, resident):
    before = counts()
    with pytest.raises(services.SubmissionRejected) as raised:
        services.submit(letter_service, data=VALID_LETTER, resident=resident,
                        files=[services.UploadedFile("files", "zdjecie.jpg", PDF)])
    assert raised.value.errors["files"].startswith("Plik „zdjecie.jpg” w polu „Załączniki” "
                                                   "odrzucono:")
    with pytest.raises(services.SubmissionRejected) as raised:
        services.submit(letter_service, data=VALID_LETTER, resident=resident,
                        files=[services.UploadedFile("files", "wirus.exe", b"MZ\x90\x00")])
    assert raised.value.errors["files"] == ("Plik „wirus.exe” w polu „Załączniki” ma "
                                            "niedozwolony typ. Dozwolone: pdf, jpg, png.")
    with pytest.raises(services.SubmissionRejected) as raised:
        services.submit(letter_service, data=VALID_LETTER, resident=resident,
                        files=[services.UploadedFile("files", "duzy.pdf",
                                                     PDF + b"%" * 1_100_000)])
    assert raised.value.errors["files"] == ("Plik „duzy.pdf” w polu „Załączniki” jest za "
                                            "duży: najwyżej 1 MB.")
    assert counts() == before


@pytest.mark.django_db
def test_a_failure_inside_the_transaction_leaves_no_file_and_no_number(
        letter_service, resident, monkeypatch):
    before = counts()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(SubmissionAttachment.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        services.submit(letter_service, data=VALID_LETTER, resident=resident,
                        files=[services.UploadedFile("files", "skan.pdf", PDF)])
    assert counts() == before
    sha = __import__("hashlib").sha256(PDF).hexdigest()
    assert not default_storage.exists(f"documents/{letter_service.municipality_id}/"
                                      f"{sha[:2]}/{sha}.pdf")


@pytest.mark.django_db
def test_identification_is_required_where_the_card_says_so(tax_service):
    with pytest.raises(services.EserviceError) as raised:
        services.submit(tax_service, data=VALID_TAX, email="a@example.com")
    assert raised.value.code == "sign_in_required"


@pytest.mark.django_db
def test_a_fee_keeps_the_case_waiting_until_the_clerk_confirms_it(tax_service, resident,
                                                                  clerk_a):
    submission, _ = services.submit(tax_service, data=VALID_TAX, resident=resident)
    assert submission.case.status == "awaiting_party"
    assert submission.fee_status == FeeStatus.AWAITING
    services.confirm_fee(submission, acting_user=clerk_a)
    submission.refresh_from_db()
    submission.case.refresh_from_db()
    assert submission.fee_status == FeeStatus.CONFIRMED
    assert submission.case.status == "in_progress"
    with pytest.raises(services.EserviceError):
        services.confirm_fee(submission, acting_user=clerk_a)


@pytest.mark.django_db
def test_status_changes_and_messages_are_emailed(letter_service, resident, clerk_a,
                                                 django_capture_on_commit_callbacks):
    from ratusz.cases import services as ezd

    submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ezd.change_status(submission.case, acting_user=clerk_a, status="in_progress")
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message_to_resident(submission, acting_user=clerk_a,
                                          text="Proszę o uzupełnienie numeru działki.")
    subjects = [message.subject for message in mail.outbox]
    assert f"Zmiana statusu sprawy: {submission.case.mark}" in subjects
    assert f"Nowa wiadomość w sprawie: {submission.case.mark}" in subjects
    assert all(message.to == [resident.email] for message in mail.outbox)


@pytest.mark.django_db
def test_the_resident_replies_with_a_document_and_can_withdraw(letter_service, resident):
    submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    message = services.reply_as_resident(
        submission, resident=resident, text="Przesyłam skan.",
        files=[services.UploadedFile("files", "skan.pdf", PDF)])
    assert message.document.case == submission.case
    services.withdraw_submission(submission, acting_user=resident, reason="Sprawa nieaktualna")
    submission.refresh_from_db()
    assert submission.is_withdrawn
    assert Message.objects.filter(submission=submission).count() == 2
    with pytest.raises(services.EserviceError):
        services.withdraw_submission(submission, acting_user=resident)


@pytest.mark.django_db
def test_without_sign_in_nothing_is_filed_until_the_email_is_confirmed(
        letter_service, django_capture_on_commit_callbacks):
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        pending = services.request_anonymous_submission(
            letter_service, email="jan@example.com", data=VALID_LETTER,
            confirm_url="http://testserver/potwierdz/TOKEN/")
    assert counts()[:3] == before[:3]
    body = mail.outbox[-1].body
    token = body.split("/potwierdz/")[1].split("/")[0]
    submission, created = services.confirm_anonymous_submission(letter_service.municipality,
                                                                 token)
    again, created_again = services.confirm_anonymous_submission(
        letter_service.municipality, token)
    assert created and not created_again and again.pk == submission.pk
    assert submission.email == "jan@example.com" and submission.resident is None
    assert PendingSubmission.objects.get(pk=pending.pk).submission == submission
    with pytest.raises(services.EserviceError) as raised:
        services.confirm_anonymous_submission(letter_service.municipality, "zly-token")
    assert raised.value.code == "link_invalid"


@pytest.mark.django_db
def test_the_receipt_is_sealed_and_verifiable(letter_service, resident):
    submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident,
                                    files=[services.UploadedFile("files", "skan.pdf", PDF)])
    pdf = receipts.read_receipt(submission, "pdf")
    xml = receipts.read_receipt(submission, "xml")
    assert pdf.startswith(b"%PDF")
    assert b"UPO" in xml and submission.case.mark.encode() in xml
    assert submission.data_sha256.encode() in xml
    for content in (pdf, xml):
        verification = receipts.verify_receipt(content)
        assert verification.signature.is_valid, verification.signature.reason
        assert verification.is_genuine
        assert verification.submission.pk == submission.pk
    forged = xml.replace(submission.case.mark.encode(), b"OR.140.999.2026")
    verification = receipts.verify_receipt(forged)
    assert not verification.is_genuine
    assert not verification.signature.is_valid
    # A second run keeps the first receipt.
    first = submission.receipt_pdf_sha256
    submission.refresh_from_db()
    receipts.make_receipt(submission)
    submission.refresh_from_db()
    assert submission.receipt_pdf_sha256 == first


def test_status_code_is_checked_in_constant_time_and_forgiving_format():
    submission = Submission(public_id="6f1c0b9e-4bd0-4f59-9a6b-6f3a7c0b1c11")
    code = receipts.status_code(submission)
    assert receipts.codes_match(submission, code.lower().replace("-", ""))
    assert not receipts.codes_match(submission, "AAAA-AAAA")


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_make_one_submission(letter_service, resident):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrency of row locks is a PostgreSQL matter.")
    from ratusz.core.tenancy import tenant_context

    results, errors = [], []

    def file_it():
        try:
            with tenant_context(letter_service.municipality):
                results.append(services.submit(letter_service, data=VALID_LETTER,
                                               resident=resident, idempotency_key="same")[0].pk)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    with tenant_context(letter_service.municipality):
        assert Submission.objects.count() == 1
        assert IncomingEntry.objects.count() == 1


@pytest.mark.django_db
def test_the_applicant_is_told_the_request_was_received(letter_service, resident,
                                                        django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    assert [message.subject for message in mail.outbox] == [
        f"Wniosek przyjęty: {submission.case.mark}"]
    assert submission.incoming.number in mail.outbox[0].body
