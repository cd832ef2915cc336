"""The EZD journey of the issue's "done when", through the API.

The clerk registers a letter and assigns it; the case officer opens a case, drafts a
reply, gets it approved, seals and sends it, closes the case; the metryka shows every
step and the spis spraw lists the case. (The same journey runs in a browser in
test_browser_journey.py.)
"""

import pytest
from django.utils import timezone

YEAR = timezone.localdate().year


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def post(client, url, body, headers):
    return client.post(url, body, content_type="application/json", **headers)


def test_register_assign_open_draft_approve_seal_send_close(
        client, clerk_a, officer_a, head_a, jrwa_a, token_for, municipality_a, department_a):
    clerk, officer, head = token_for(clerk_a), token_for(officer_a), token_for(head_a)

    entry = post(client, "/api/v1/incoming", {
        "title": "Wniosek o udostępnienie uchwały budżetowej",
        "sender": {"name": "Jan Kowalski", "kind": "person", "city": "Alfa",
                   "postal_code": "24-220", "street": "Polna", "building": "2"},
        "received_on": timezone.localdate().isoformat(), "channel": "post"}, clerk).json()
    assert entry["number"] == f"RPW/1/{YEAR}"
    assigned = post(client, f"/api/v1/incoming/{entry['id']}/assignments",
                    {"department": "OR", "instructions": "Udostępnić w 14 dni"}, clerk)
    assert assigned.status_code == 201

    case = post(client, "/api/v1/cases", {"title": "Udostępnienie uchwały budżetowej",
                                          "jrwa_symbol": "1431", "department": "OR",
                                          "incoming_id": entry["id"]}, officer).json()
    assert case["mark"] == f"OR.1431.1.{YEAR}"

    letter = post(client, f"/api/v1/cases/{case['id']}/letters", {
        "subject": "Udostępnienie informacji publicznej",
        "body": "W odpowiedzi na wniosek przesyłam uchwałę budżetową.",
        "addressee_name": "Jan Kowalski", "addressee_address": "Polna 2",
        "addressee_city": "24-220 Alfa", "sending_method": "post"}, officer)
    assert letter.status_code == 201, letter.content
    letter = letter.json()
    url = f"/api/v1/cases/{case['id']}/letters/{letter['id']}"

    early = post(client, f"{url}/seal", {}, officer)
    assert early.status_code == 422 and early.json()["code"] == "letter_not_approved"

    sent_for_approval = post(client, f"{url}/approval", {"approver_ids": [head_a.pk]}, officer)
    assert sent_for_approval.json()["status"] == "awaiting_approval"
    not_mine = post(client, f"{url}/decision", {"approve": True}, officer)
    assert not_mine.status_code in (403, 422)
    approved = post(client, f"{url}/decision", {"approve": True, "comment": "Zgoda"}, head)
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved"

    sealed = post(client, f"{url}/seal", {}, officer).json()
    assert sealed["status"] == "sealed" and sealed["sealed_pdf_version_id"]
    from ratusz.cases import signing
    from ratusz.cases.models import DocumentVersion

    version = DocumentVersion.objects.get(pk=sealed["sealed_pdf_version_id"])
    pdf = version.file.open("rb").read()
    assert pdf.startswith(b"%PDF")
    check = signing.verify_pdf(pdf)
    assert check.status == "valid", check.as_report()
    assert version.signature_status == "valid"

    sent = post(client, f"{url}/send", {}, officer).json()
    assert sent["status"] == "sent"
    assert sent["rkw_number"] == f"RKW/1/{YEAR}"

    closed = post(client, f"/api/v1/cases/{case['id']}/close",
                  {"note": "Informację udostępniono"}, officer).json()
    assert closed["status"] == "closed"

    record = client.get(f"/api/v1/cases/{case['id']}/record", **officer).json()
    actions = [row["action"] for row in record]
    assert actions == ["opened", "entry_attached", "letter_drafted", "status_changed",
                       "approval_requested", "status_changed", "approved", "status_changed",
                       "sealed", "sent", "closed"]
    by_action = {row["action"]: row for row in record}
    assert by_action["approved"]["actor_name"] == "Marta Zielińska"
    assert by_action["sealed"]["document"] == "Udostępnienie informacji publicznej"
    assert f"RKW/1/{YEAR}" in by_action["sent"]["description"]

    from ratusz.cases import reports

    spis = reports.spis_spraw(municipality_a, department_a, "1431", YEAR)
    row = next(row for row in spis if row.case_mark == case["mark"])
    assert row.sender_name == "Jan Kowalski"
    assert row.settled_on == timezone.localdate()
    assert row.handler_name == "Piotr Wiśniewski"
