"""A resident's RODO rights over what the e-office and the EZD hold (issue 15): the
download gives every request with its answers, attachments and messages, the drafts, the
unconfirmed requests and the register entries and cases they made; an erasure removes the
drafts and the unconfirmed requests, keeps each request that became a case for as long as
its case file is kept (and says so), and is refused while a case is still open."""

import json

import pytest

from ratusz.accounts.services import ErasureRefused, erase_resident
from ratusz.cases import services as ezd
from ratusz.core.models import AuditLog
from ratusz.eservices import services
from ratusz.eservices.models import Draft, PendingSubmission, Submission
from ratusz.eservices.tests.conftest import VALID_LETTER
from ratusz.eservices.tests.test_services import PDF

pytestmark = pytest.mark.django_db


@pytest.fixture
def matters(letter_service, tax_service, resident, clerk_a):
    """A filed request with a file and a message, a draft, an unconfirmed request."""
    submission, _ = services.submit(
        letter_service, data=VALID_LETTER, resident=resident,
        files=[services.UploadedFile("files", "skan.pdf", PDF)])
    services.send_message_to_resident(submission, acting_user=clerk_a, text="Proszę o skan.")
    services.save_draft(tax_service, resident=resident, data={
        "first_name": "Ewa", "__token__": "t" * 32, "__files__": []}, page=0)
    services.request_anonymous_submission(letter_service, email=resident.email.upper(),
                                          data=VALID_LETTER, confirm_url="https://x/TOKEN")
    return submission


def test_the_resident_downloads_everything_the_e_office_holds(client, matters, resident):
    client.force_login(resident)
    answer = client.get("/account/data/alfa.json")
    assert answer.status_code == 200
    sections = {section["key"]: section["records"]
                for section in json.loads(answer.content)["sections"]}
    (request,) = sections["submissions"]
    assert request["case_mark"] == matters.case.mark
    assert request["answers"]["subject"] == "Oświetlenie"
    assert [item["name"] for item in request["attachments"]] == ["skan.pdf"]
    assert [message["text"] for message in sections["messages"]] == ["Proszę o skan."]
    assert sections["drafts"][0]["answers"] == {"first_name": "Ewa"}
    assert sections["unconfirmed_submissions"][0]["answers"]["subject"] == "Oświetlenie"
    assert [entry["number"] for entry in sections["incoming_entries"]] == [
        matters.incoming.number]
    (case,) = sections["cases"]
    assert case["mark"] == matters.case.mark and case["parties"][0]["name"] == "Ewa Mazur"
    assert [entry["action"] for entry in case["your_record_entries"]] == [
        "opened", "entry_attached"]
    pdf = client.get("/account/data/alfa.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_an_open_case_stops_the_erasure(matters, resident, admin_a, municipality_a):
    with pytest.raises(ErasureRefused) as refused:
        erase_resident(municipality_a, resident, acting_user=admin_a)
    assert any(matters.case.mark in blocker for blocker in refused.value.blockers)
    assert Draft.objects.filter(resident=resident).exists()
    assert PendingSubmission.objects.exists()


def test_the_erasure_keeps_the_case_file_and_removes_the_rest(matters, resident, admin_a,
                                                              municipality_a, clerk_a):
    ezd.close_case(matters.case, acting_user=clerk_a)
    matters.case.refresh_from_db()

    counts = erase_resident(municipality_a, resident, acting_user=admin_a)

    assert counts["eservices"] == {"drafts": 1, "unconfirmed_submissions": 1}
    assert not Draft.objects.exists() and not PendingSubmission.objects.exists()
    kept = Submission.objects.get(pk=matters.pk)
    assert kept.data == matters.data and kept.applicant_name == "Ewa Mazur"
    audit = AuditLog.objects.get(action="deleted", object_id=str(resident.pk))
    retained = " ".join(item["what"] + " " + item["reason"] for item in audit.after["retained"])
    # Recorded in the language of the request: the English msgid or its Polish text.
    assert matters.case.mark in retained
    assert "instrukcja kancelaryjna" in retained or "instrukcji kancelaryjnej" in retained


def test_the_plan_says_until_when_the_request_is_kept(matters, resident, municipality_a,
                                                      clerk_a):
    from ratusz.core.personal_data import plan_all

    ezd.close_case(matters.case, acting_user=clerk_a)
    matters.case.refresh_from_db()
    plans = {plan.key: plan for plan in plan_all(municipality_a, resident)}
    (kept,) = plans["eservices"].retained
    assert kept.until == matters.case.retention_until.isoformat()
    assert "(B5)" in kept.reason or f"({matters.case.archival_category})" in kept.reason
    assert not plans["eservices"].blockers and not plans["cases"].blockers
    assert plans["cases"].retained  # the register entry in the resident's name
