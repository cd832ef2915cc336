"""The EZD's letters sent by e-Doręczenia: the exchange listens to the EZD's `letter_sent`
and puts a letter whose sending method is e-Doręczenia in the outbox, with its sealed PDF;
as its evidences arrive it tells the EZD through the EZD's own service, so the EZD keeps
the delivery (status, dates, proofs) in its tables and knows nothing of the exchange.

The rule when the addressee has no ADE: the hybrid service (the operator prints and
delivers it) when the letter has a full postal address, otherwise nothing is queued and the
letter stays for the clerk to post on paper (the EZD shows it)."""

from __future__ import annotations

import logging
import re

from django.core.files.storage import default_storage
from django.db import transaction

from ratusz.cases import services as ezd
from ratusz.cases.models import OutgoingLetter
from ratusz.exchange import selectors
from ratusz.exchange.models import Evidence, MessageKind, OutboundMessage, OutboundStatus
from ratusz.exchange.services.outbox import queue_message

logger = logging.getLogger(__name__)
POSTAL_CODE = re.compile(r"\b(\d{2}-\d{3})\b")


def _letter(municipality_id: int, letter_id: int) -> OutgoingLetter | None:
    return (OutgoingLetter.objects.for_municipality(municipality_id)
            .select_related("case__unit", "document").filter(pk=letter_id).first())


def postal_address_of(letter: OutgoingLetter) -> dict:
    """The letter's postal address in the UA API's shape, when it is complete."""
    match = POSTAL_CODE.search(f"{letter.addressee_address} {letter.addressee_city}")
    if not (letter.addressee_address and letter.addressee_city and match):
        return {}
    city = POSTAL_CODE.sub("", letter.addressee_city).strip(" ,")
    street = POSTAL_CODE.sub("", letter.addressee_address).strip(" ,")
    return {"street": street, "postalCode": match.group(1), "city": city or street}


def queue_letter(municipality_id: int, letter_id: int) -> OutboundMessage | None:
    """Queue a sent letter whose method is e-Doręczenia (once); None when it is not one or
    it can only go on paper."""
    letter = _letter(municipality_id, letter_id)
    if letter is None or letter.sending_method != "e_delivery":
        return None
    ade = getattr(letter, "addressee_ade", "") or ""
    postal = {} if ade else postal_address_of(letter)
    if not ade and not postal:
        logger.info("exchange.letter_on_paper", extra={"letter": letter_id})
        return None
    files = []
    version = letter.document.current_version if letter.document_id else None
    if version is not None:
        with default_storage.open(version.file.name, "rb") as handle:
            files.append((version.original_name or f"{letter.case.mark}-pismo-{letter.pk}.pdf",
                          handle.read()))
    unit = letter.case.unit
    return queue_message(unit, acting_user=None, recipient_ade=ade,
                         recipient_name=letter.addressee_name, postal_address=postal or None,
                         subject=letter.subject, body=f"Pismo {letter.case.mark}",
                         files=files, kind=MessageKind.LETTER, letter_id=letter.pk,
                         case_id=letter.case_id)


DELIVERY_STATUS = {OutboundStatus.QUEUED: "sent", OutboundStatus.SENT: "sent",
                   OutboundStatus.DELIVERED: "delivered",
                   OutboundStatus.DEEMED_DELIVERED: "deemed_delivered",
                   OutboundStatus.FAILED: "failed"}


def report_to_ezd(message: OutboundMessage) -> int:
    """Tell the EZD the letter's delivery: status, sending and receipt times and every kept
    evidence (the EZD attaches them to the letter and enters them in the case record, once
    each). Returns 1 when reported."""
    record = getattr(ezd, "record_letter_delivery", None)
    letter = _letter(message.municipality_id, message.letter_id)
    if record is None or letter is None:
        return 0  # the EZD's side of the delivery is not there yet (docs/exchange.md)
    evidences: list[Evidence] = list(selectors.evidences_of(message))
    record(letter, status=DELIVERY_STATUS[message.status], sent_at=message.submitted_at,
           received_at=message.received_at, channel=message.channel,
           evidences=[(e.provider_evidence_id, e.kind, bytes(e.xml)) for e in evidences],
           reason=message.last_error if message.status == OutboundStatus.FAILED else "")
    with transaction.atomic(durable=True):
        OutboundMessage.objects.filter(pk=message.pk).update(is_reported=True)
    return 1
