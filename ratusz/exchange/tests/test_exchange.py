"""The exchange end to end through the simulator process: A2A sending and registration,
evidences verified, lost answers, a provider down and restarted, quarantine, ePUAP."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from ratusz.cases.models import IncomingEntry
from ratusz.exchange import selectors, services
from ratusz.exchange.models import (
    Evidence,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    OutboundStatus,
)
from ratusz.exchange.tests.conftest import new_ade

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]" \
      b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def send(boxes, **extra):
    fields = {"recipient_ade": boxes["b"].ade, "recipient_name": boxes["b"].name,
              "subject": "Decyzja w sprawie zajęcia pasa drogowego",
              "files": [("decyzja.pdf", PDF)], **extra}
    return services.queue_message(boxes["a"], acting_user=None, **fields)


def entries_of(unit):
    return IncomingEntry.objects.for_municipality(unit.municipality_id).filter(unit=unit)


def test_an_ade_is_checked_and_belongs_to_one_unit(boxes):
    with pytest.raises(services.ExchangeError) as refusal:
        services.check_ade("AE:PL-1234-67890-ABCDE-12")
    assert refusal.value.code == "ade_invalid"
    assert services.check_ade(" ae:pl-12345-67890-abcde-12 ") == "AE:PL-12345-67890-ABCDE-12"
    with pytest.raises(services.ExchangeError) as taken:
        services.assign_ade(boxes["b"], acting_user=None, ade=boxes["a"].ade)
    assert taken.value.code == "ade_taken"
    boxes["a"].municipality.refresh_from_db()
    assert boxes["a"].municipality.ade == boxes["a"].ade


def test_a_message_between_gminy_is_registered_once_with_its_proofs(boxes):
    message = send(boxes)
    assert message.is_a2a and message.status == OutboundStatus.QUEUED
    counts = services.run_round()
    assert counts["sent"] == 1 and counts["registered"] == 1
    entry = entries_of(boxes["b"]).get()
    assert entry.channel == "e_delivery"
    assert boxes["a"].ade in entry.remarks
    assert entry.documents.count() == 1
    inbound = InboundMessage.objects.get(entry_id=entry.pk)
    assert inbound.status == InboundStatus.REGISTERED and inbound.is_a2a
    assert inbound.sender_ade == boxes["a"].ade and inbound.is_acknowledged
    assert [e.kind for e in Evidence.objects.filter(inbound=inbound)] == ["BP.OX"]
    OutboundMessage.objects.update(next_attempt_at=timezone.now())
    services.run_round()  # the sender's evidences
    message.refresh_from_db()
    assert message.status == OutboundStatus.DELIVERED
    assert message.receipt_kind == "arrival" and message.received_at is not None
    assert sorted(selectors.evidence_ids(message)) and sorted(
        Evidence.objects.filter(outbound=message).values_list("kind", flat=True)) == [
        "BP.OX", "BP.WX"]
    services.run_round()
    assert entries_of(boxes["b"]).count() == 1


def test_an_answer_lost_after_sending_does_not_send_twice(boxes, simulator):
    message = send(boxes)
    before = simulator.stats()["sent"]
    # The draft is made; the request that sends it is carried out but its answer is lost.
    simulator.control("fault", {"mode": "drop", "count": 1, "after": 1})
    counts = services.run_round(fetch=False)
    message.refresh_from_db()
    assert counts["retried"] == 1 and message.status == OutboundStatus.QUEUED
    assert message.provider_message_id and simulator.stats()["sent"] == before + 1
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    services.run_round()  # the same draft again: refused as sent, so taken as sent
    message.refresh_from_db()
    assert message.status in (OutboundStatus.SENT, OutboundStatus.DELIVERED)
    assert simulator.stats()["sent"] == before + 1
    assert entries_of(boxes["b"]).count() == 1


def test_a_simulator_down_and_restarted_loses_nothing(boxes, simulator):
    simulator.stop()
    try:
        message = send(boxes)
        counts = services.run_round()
        message.refresh_from_db()
        assert counts["retried"] == 1 and message.status == OutboundStatus.QUEUED
        assert message.attempts == 1 and message.next_attempt_at > timezone.now()
    finally:
        simulator.start()
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    services.run_round()
    OutboundMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    services.run_round()
    message.refresh_from_db()
    assert message.status == OutboundStatus.DELIVERED
    assert entries_of(boxes["b"]).count() == 1


def test_a_forged_proof_is_quarantined_and_nothing_registered(boxes, simulator):
    message = send(boxes)
    services.run_round(fetch=False)
    message.refresh_from_db()
    simulator.control("evidence/forge", {"message_id": message.provider_message_id})
    services.run_round(send=False)
    inbound = InboundMessage.objects.get(mailbox__unit=boxes["b"])
    assert inbound.status == InboundStatus.QUARANTINED
    assert inbound.reason_code == "evidence_invalid"
    assert "signature does not verify" in inbound.reason
    assert not entries_of(boxes["b"]).exists()


def test_a_file_whose_content_is_not_its_type_is_quarantined(boxes, simulator):
    resident = new_ade("OSOBA")
    simulator.add_mailbox(resident, "Jan Mazur", public_body=False)
    draft = simulator.api("POST", f"{resident}/drafts", json={
        "messageMetadata": {"to": [{"eDeliveryAddress": boxes["b"].ade}],
                            "subject": "Wniosek", "shippingService": "electronic"},
        "textBody": "W załączeniu wniosek.",
        "attachments": [{"order": 1, "file": {"fileMetadata": {"filename": "wniosek.pdf"},
                                               "file": base64.b64encode(b"MZ\x90\x00").decode()}}],
    }).json()["messageId"]
    assert simulator.api("POST", f"{resident}/drafts/send",
                         json={"messageId": draft}).status_code == 202
    services.run_round()
    inbound = InboundMessage.objects.get(mailbox__unit=boxes["b"])
    assert inbound.status == InboundStatus.QUARANTINED
    assert inbound.reason_code == "attachment_refused"
    assert not entries_of(boxes["b"]).exists()


def test_a_residents_letter_through_e_delivery_lands_in_the_rpw(boxes, simulator):
    resident = new_ade("OSOBA")
    simulator.add_mailbox(resident, "Ewa Krawczyk", public_body=False)
    draft = simulator.api("POST", f"{resident}/drafts", json={
        "messageMetadata": {"to": [{"eDeliveryAddress": boxes["b"].ade}],
                            "subject": "Wniosek o wydanie zaświadczenia",
                            "shippingService": "electronic"},
        "textBody": "Proszę o wydanie zaświadczenia.",
        "attachments": [{"order": 1, "file": {"fileMetadata": {"filename": "wniosek.pdf"},
                                               "file": base64.b64encode(PDF).decode()}}],
    }).json()["messageId"]
    simulator.api("POST", f"{resident}/drafts/send", json={"messageId": draft})
    services.run_round()
    entry = entries_of(boxes["b"]).get()
    assert entry.title == "Wniosek o wydanie zaświadczenia"
    assert resident in entry.remarks and entry.channel == "e_delivery"


def test_a_replayed_message_is_not_registered_twice(boxes):
    send(boxes)
    services.run_round(fetch=False)
    mailbox = selectors.mailbox_of_unit(boxes["b"].municipality, boxes["b"], "e_delivery")
    client = services.outbox.config.edelivery()
    ids = client.list_messages(mailbox.address)
    message = client.get_messages(mailbox.address, ids)[0]
    arrival = services.inbox._arrival_of(client, mailbox, message)
    first, created = services.take_in(mailbox, arrival)
    again, created_again = services.take_in(mailbox, arrival)
    assert created and not created_again and first.pk == again.pk
    assert entries_of(boxes["b"]).count() == 1


def test_to_a_resident_receipt_is_the_opening_or_fourteen_days(boxes, simulator):
    opens, waits = new_ade("OSOBA"), new_ade("OSOBA")
    for ade in (opens, waits):
        simulator.add_mailbox(ade, "Mieszkaniec", public_body=False)
    first = send(boxes, recipient_ade=opens)
    second = send(boxes, recipient_ade=waits)
    services.run_round(fetch=False)
    services.run_round(fetch=False)
    first.refresh_from_db()
    assert first.status == OutboundStatus.SENT and first.received_at is None
    simulator.control("open", {"ade": opens, "message_id": first.provider_message_id})
    simulator.control("advance", {"days": 15})
    OutboundMessage.objects.update(next_attempt_at=timezone.now())
    services.run_round(fetch=False)
    first.refresh_from_db()
    second.refresh_from_db()
    simulator.control("advance", {"days": -15})
    assert first.status == OutboundStatus.DELIVERED and first.receipt_kind == "opened"
    assert second.status == OutboundStatus.DEEMED_DELIVERED
    assert second.received_at - second.submitted_at >= timedelta(days=14)


def test_without_an_ade_the_hybrid_service_prints_and_delivers(boxes, simulator):
    message = send(boxes, recipient_ade="", recipient_name="Jan Nowak",
                   postal_address={"street": "Polna 1", "postalCode": "21-002",
                                   "city": "Jastków"})
    services.run_round(fetch=False)
    services.run_round(fetch=False)
    message.refresh_from_db()
    assert message.channel == "hybrid" and message.status == OutboundStatus.SENT
    simulator.control("hybrid/deliver", {"message_id": message.provider_message_id})
    OutboundMessage.objects.update(next_attempt_at=timezone.now())
    services.run_round(fetch=False)
    message.refresh_from_db()
    assert message.status == OutboundStatus.DELIVERED
    assert set(Evidence.objects.filter(outbound=message).values_list("kind", flat=True)) == {
        "H.PN", "H.EPO"}


def test_the_epuap_inbox_is_pulled_registered_with_its_upp_and_confirmed(boxes, simulator):
    services.set_epuap_inbox(boxes["b"], acting_user=None, address="/BETA/SkrytkaESP")
    document = b"<?xml version='1.0'?><wniosek>Petycja</wniosek>"
    simulator.control("epuap/submit", {
        "box": "/BETA/SkrytkaESP", "sender": {"name": "Adam Sikora", "id": "sikora"},
        "document": {"name": "petycja.xml", "type": "text/xml",
                     "content": base64.b64encode(document).decode()}})
    confirmed = simulator.stats()["epuap_confirmed"]
    services.run_round()
    entry = entries_of(boxes["b"]).get()
    assert entry.channel == "epuap"
    inbound = InboundMessage.objects.get(entry_id=entry.pk)
    assert inbound.is_acknowledged
    assert Evidence.objects.get(inbound=inbound).kind == "UPP"
    assert simulator.stats()["epuap_confirmed"] == confirmed + 1


def test_exchanges_are_counted_by_kind_and_a2a(boxes):
    send(boxes)
    services.run_round()
    now = timezone.now()
    counts = selectors.exchange_counts(boxes["b"].municipality, now - timedelta(hours=1),
                                       now + timedelta(hours=1))
    assert counts["a2a_total"] == 1
    assert counts["received"] == [{"kind": "document", "channel": "e_delivery",
                                   "is_a2a": True, "count": 1}]


def test_the_simulator_and_core_check_the_same_format():
    from ratusz.core.models import ADE_PATTERN
    from ratusz.exchange import ade

    assert ade.ADE_PATTERN == ADE_PATTERN
    assert ade.is_valid_ade("AE:PL-28080-40239-TUSBF-26")
    assert not ade.is_valid_ade("AE:PL-28080-40239-TUSbF-26")


def test_a_schools_report_reaches_its_office_sealed_and_acknowledged(boxes, simulator):
    from ratusz.core.tests.factories import UnitFactory

    school = UnitFactory(municipality=boxes["b"].municipality, kind="school",
                         name="Szkoła Podstawowa", slug="sp")
    services.assign_ade(school, acting_user=None, ade=new_ade("SZKOL"))
    school.refresh_from_db()
    simulator.add_mailbox(school.ade, school.name)
    message = services.submit_unit_report(
        school, acting_user=None, title="Sprawozdanie za I półrocze", name="sprawozdanie.xml",
        data=b"<?xml version='1.0'?><sprawozdanie><uczniowie>120</uczniowie></sprawozdanie>")
    services.run_round()
    OutboundMessage.objects.update(next_attempt_at=timezone.now())
    services.run_round()
    message.refresh_from_db()
    assert message.status == OutboundStatus.DELIVERED and message.kind == "unit_report"
    entry = entries_of(boxes["b"]).get()
    assert entry.title == "Sprawozdanie za I półrocze"
    inbound = InboundMessage.objects.get(entry_id=entry.pk)
    assert inbound.kind == "unit_report" and inbound.evidences.count() == 1
    content = entry.documents.get().current_version.file.read()
    assert b"SignedProperties" in content  # sealed by the school (XAdES)


def test_a_case_goes_to_the_competent_body_with_its_documents_and_record(boxes, make_staff):
    from ratusz.accounts.permissions import Role
    from ratusz.cases import services as ezd
    from ratusz.cases.selectors import case_record
    from ratusz.cases.tests.conftest import make_jrwa
    from ratusz.core.models import Department

    make_jrwa(boxes["a"])
    department = Department.objects.for_municipality(boxes["a"].municipality_id).get()
    officer = make_staff(boxes["a"].municipality, Role.CASE_OFFICER, department=department)
    case = ezd.open_case(boxes["a"], acting_user=officer, department=department,
                         jrwa_symbol="6220", title="Decyzja środowiskowa – droga gminna")
    ezd.add_document(case, acting_user=officer, title="Wniosek", kind="incoming",
                     name="wniosek.pdf", data=PDF)
    message = services.transfer_case_to(
        case, acting_user=officer, recipient_ade=boxes["b"].ade,
        recipient_name=boxes["b"].name, reason="Właściwy miejscowo jest wójt gminy Beta.")
    services.run_round()
    case.refresh_from_db()
    assert message.kind == "case_transfer" and case.status == "closed"
    assert any("art. 65" in entry.description for entry in case_record(case))
    entry = entries_of(boxes["b"]).get()
    assert entry.title.startswith(f"Przekazanie sprawy {case.mark}")
    names = sorted(d.title for d in entry.documents.all())
    assert names == ["metryka-" + case.mark.replace(".", "-") + ".xml", "wniosek.pdf"]
    assert InboundMessage.objects.get(entry_id=entry.pk).kind == "case_transfer"
