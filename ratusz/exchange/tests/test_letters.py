"""The EZD's letters sent by e-Doręczenia, end to end through the simulator: a sealed
letter of a case goes to the addressee's ADE found in the address look-up (or by the
hybrid service, or is left for paper, the route noted in the case record); its proofs of
sending and receipt come back into the case's documents and record, the addressee gmina
registers it in its RPW with the proof, and the API shows the delivery."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from ratusz.accounts.permissions import Permission, Role
from ratusz.accounts.services import issue_api_token
from ratusz.cases import services as ezd
from ratusz.cases.models import OutgoingLetter
from ratusz.cases.selectors import case_record, unassigned_entries
from ratusz.cases.tests.conftest import make_jrwa
from ratusz.core.models import Department
from ratusz.exchange import services
from ratusz.exchange.models import Evidence, InboundMessage, OutboundMessage, OutboundStatus
from ratusz.exchange.services import pump


@pytest.fixture
def people(boxes, make_staff):
    make_jrwa(boxes["a"])
    department = Department.objects.for_municipality(boxes["a"].municipality_id).get()
    return {"officer": make_staff(boxes["a"].municipality, Role.CASE_OFFICER,
                                  department=department),
            "head": make_staff(boxes["a"].municipality, Role.HEAD, department=department,
                               username="alfa.kierownik.wymiana"),
            "department": department}


def sent_letter(boxes, people, capture, *, heard: bool = True, **addressee):
    officer, head = people["officer"], people["head"]
    case = ezd.open_case(boxes["a"], acting_user=officer, department=people["department"],
                         jrwa_symbol="6220", title="Zajęcie pasa drogowego")
    fields = {"addressee_name": boxes["b"].name, "addressee_address": "",
              "addressee_city": "Beta", **addressee}
    letter = ezd.draft_letter(case, acting_user=officer, subject="Decyzja o zajęciu pasa",
                              body="Orzekam o zezwoleniu.", sending_method="e_delivery",
                              **fields)
    letter = ezd.request_approval(letter, acting_user=officer, approvers=[head])
    letter = ezd.decide_approval(letter, acting_user=head, approve=True)
    letter = ezd.seal_letter(letter, acting_user=officer)
    with capture(execute=heard):
        ezd.send_letter(letter, acting_user=officer)
    return case, letter


def test_a_sealed_letter_goes_to_the_addressees_ade_and_its_proofs_enter_the_case(
        boxes, people, client, make_staff, department_b, django_capture_on_commit_callbacks):
    case, letter = sent_letter(boxes, people, django_capture_on_commit_callbacks)
    message = OutboundMessage.objects.get(letter_id=letter.pk)
    assert message.recipient_ade == boxes["b"].ade and message.channel == "e_delivery"
    assert any(boxes["b"].ade in row.description and "bazy adresów" in row.description
               for row in case_record(case))
    services.run_round()  # sent; registered by Beta with its proof of receipt
    OutboundMessage.objects.update(next_attempt_at=timezone.now())
    services.run_round()  # the evidences collected and entered in the case
    message.refresh_from_db()
    assert message.status == OutboundStatus.DELIVERED and message.is_reported
    evidences = Evidence.objects.filter(outbound=message)
    assert set(evidences.values_list("kind", flat=True)) == {"BP.WX", "BP.OX"}
    assert all(e.is_in_case and e.case_document_id for e in evidences)
    titles = sorted(d.title for d in case.documents.all())
    assert any(t.startswith("Dowód otrzymania pisma „Decyzja o zajęciu pasa” — doręczono")
               and "art. 41" in t for t in titles)
    assert any(t.startswith("Dowód wysłania pisma") for t in titles)
    proof = case.documents.get(pk=evidences.get(kind="BP.OX").case_document_id)
    assert b"Signature" in proof.current_version.file.read()
    assert not ezd.verify_case_record(case)
    services.run_round()  # again: nothing entered twice
    assert case.documents.count() == len(titles)

    token = issue_api_token(boxes["a"].municipality, acting_user=None, name="t",
                            user=people["officer"],
                            permissions=[Permission.VIEW_REGISTERS,
                                         Permission.VIEW_WORKSPACE])[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    found = client.get("/api/v1/exchange/addresses", {"q": boxes["b"].name}, **auth).json()
    assert {"ade": boxes["b"].ade, "name": boxes["b"].name, "is_public_body": True,
            "is_platform": True} in found
    delivery = client.get(f"/api/v1/exchange/letters/{letter.pk}", **auth).json()
    assert delivery["status"] == "delivered" and delivery["received_at"]
    assert {e["kind"] for e in delivery["evidences"]} == {"BP.WX", "BP.OX"}
    xml = client.get(delivery["evidences"][0]["url"], **auth)
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    # The EZD keeps the same delivery on the letter (its record_letter_delivery).
    kept = client.get(f"/api/v1/cases/{case.pk}/letters", **auth).json()[0]["delivery"]
    assert {k: v for k, v in kept.items() if not k.endswith("_at")} == \
        {k: v for k, v in delivery.items() if not k.endswith("_at")}
    gap = datetime.fromisoformat(kept["received_at"]) - \
        datetime.fromisoformat(delivery["received_at"].replace("Z", "+00:00"))
    assert abs(gap) < timedelta(milliseconds=1)  # the exchange's API answers milliseconds

    inbound = InboundMessage.objects.get(municipality=boxes["b"].municipality)
    # In the registry clerk's work: no rule took it, so it waits to be assigned.
    assert inbound.entry_id in set(unassigned_entries(boxes["b"].municipality)
                                   .values_list("pk", flat=True))
    clerk = make_staff(boxes["b"].municipality, Role.REGISTRY_CLERK, department=department_b,
                       username="beta.kancelaria.wymiana")
    beta = issue_api_token(boxes["b"].municipality, acting_user=None, name="t", user=clerk,
                           permissions=[Permission.VIEW_REGISTERS])[1]
    items = client.get("/api/v1/exchange/incoming",
                       HTTP_AUTHORIZATION=f"Bearer {beta}").json()["items"]
    assert items[0]["channel"] == "e_delivery" and items[0]["sender_ade"] == boxes["a"].ade
    assert items[0]["entry_number"] == inbound.entry_number
    entries = client.get("/api/v1/incoming", HTTP_AUTHORIZATION=f"Bearer {beta}").json()
    assert entries["items"][0]["number"] == inbound.entry_number
    assert entries["items"][0]["channel"] == "e_delivery"
    assert entries["items"][0]["sender_ade"] == boxes["a"].ade
    assert client.get(f"/api/v1/exchange/letters/{letter.pk}",
                      HTTP_AUTHORIZATION=f"Bearer {beta}").status_code == 404


def test_without_an_ade_the_hybrid_service_or_paper_chosen_and_noted(
        boxes, people, django_capture_on_commit_callbacks):
    case, letter = sent_letter(boxes, people, django_capture_on_commit_callbacks,
                               addressee_name="Jan Nowak", addressee_address="ul. Polna 3",
                               addressee_city="24-200 Beta")
    message = OutboundMessage.objects.get(letter_id=letter.pk)
    assert message.channel == "hybrid" and message.recipient_address["postalCode"] == "24-200"
    assert any("usługą hybrydową" in row.description for row in case_record(case))
    case, letter = sent_letter(boxes, people, django_capture_on_commit_callbacks,
                               addressee_name="Anna Nowak", addressee_city="Beta")
    assert not OutboundMessage.objects.filter(letter_id=letter.pk).exists()
    assert any("w postaci papierowej" in row.description for row in case_record(case))


def test_a_letter_whose_event_was_missed_is_taken_by_the_sweep(
        boxes, people, django_capture_on_commit_callbacks):
    case, letter = sent_letter(boxes, people, django_capture_on_commit_callbacks,
                               heard=False)
    assert not OutboundMessage.objects.filter(letter_id=letter.pk).exists()
    assert pump.sweep_letters() == 0  # the receiver's own minute
    OutgoingLetter.objects.filter(pk=letter.pk).update(
        sealed_at=timezone.now() - timedelta(minutes=5))
    assert pump.sweep_letters() == 1
    assert OutboundMessage.objects.get(letter_id=letter.pk).recipient_ade == boxes["b"].ade
    assert pump.sweep_letters() == 0


def test_the_letters_own_ade_goes_first_and_a_malformed_one_is_refused(
        boxes, people, django_capture_on_commit_callbacks):
    case, letter = sent_letter(boxes, people, django_capture_on_commit_callbacks,
                               addressee_name="Wójt Gminy Beta",
                               addressee_ade=boxes["b"].ade.lower())
    assert letter.addressee_ade == boxes["b"].ade
    message = OutboundMessage.objects.get(letter_id=letter.pk)
    assert message.recipient_ade == boxes["b"].ade
    assert any(f"na adres {boxes['b'].ade}." in row.description for row in case_record(case))
    with pytest.raises(ezd.EzdError) as refusal:
        ezd.draft_letter(case, acting_user=people["officer"], subject="Pismo", body="Treść",
                         addressee_name="Ktoś", addressee_address="", addressee_city="Beta",
                         addressee_ade="AE:PL-1-2-ABC-1")
    assert refusal.value.code == "ade_invalid"
