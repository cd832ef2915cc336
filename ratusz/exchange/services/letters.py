"""The EZD's letters sent by e-Doręczenia: the exchange listens to the EZD's `letter_sent`
and puts a letter whose sending method is e-Doręczenia in the outbox, with its sealed PDF;
as its evidences arrive it enters each in the letter's case (a document of the case and a
row of its record, through the EZD's own services) and tells the EZD the delivery, so the
EZD knows nothing of the exchange.

The route, chosen by rule and noted in the case record for the clerk:
1. the letter's `addressee_ade`;
2. else the addressee's ADE from the address look-up (the platform's units, then the
   national base), when exactly one public body has exactly the addressee's name;
3. else the hybrid service (the operator prints and delivers it) when the letter has a
   full postal address (street, NN-NNN code, town);
4. else nothing is queued: the letter is to go on paper, and the case record says so."""

from __future__ import annotations

import logging
import re

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ratusz.cases import services as ezd
from ratusz.cases.models import CaseAction, DocumentKind, OutgoingLetter
from ratusz.exchange import evidence as ev
from ratusz.exchange import selectors
from ratusz.exchange.ade import is_valid_ade, normalise_ade
from ratusz.exchange.models import Evidence, MessageKind, OutboundMessage
from ratusz.exchange.services.addresses import look_up_addresses
from ratusz.exchange.services.outbox import queue_message

logger = logging.getLogger(__name__)
POSTAL_CODE = re.compile(r"\b(\d{2}-\d{3})\b")
EVIDENCE_NAMES = {
    ev.PROOF_OF_SENDING: "Dowód wysłania",
    ev.PROOF_OF_RECEIPT: "Dowód otrzymania",
    ev.SUBMISSION_REJECTED: "Dowód odrzucenia przesyłki",
    ev.HYBRID_POSTED: "Dowód nadania w usłudze hybrydowej",
    ev.HYBRID_RECEIPT: "Elektroniczne potwierdzenie odbioru (usługa hybrydowa)",
    ev.HYBRID_REJECTED: "Dowód niedoręczenia w usłudze hybrydowej",
}
RECEIPT_RULES = {
    ev.RECEIPT_ARRIVAL: "podmiot publiczny: z chwilą wpływu do skrzynki (art. 41 ust. 1)",
    ev.RECEIPT_OPENED: "z chwilą odebrania (art. 41 ust. 1)",
    ev.RECEIPT_DEEMED: "uznana za doręczoną po 14 dniach od udostępnienia (art. 41 ust. 2)",
    ev.RECEIPT_ON_PAPER: "doręczenie papierowe w usłudze hybrydowej",
}


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


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def ade_of_addressee(name: str) -> str:
    """The ADE of the public body named exactly `name` in the address look-up, when there
    is one and only one; else "" (a person's ADE is never guessed from a name)."""
    found = {row["ade"] for row in look_up_addresses(name)
             if row.get("is_public_body") and _same_name(row.get("name", ""), name)}
    return found.pop() if len(found) == 1 else ""


def route_of(letter: OutgoingLetter) -> tuple[str, str, dict]:
    """(route, ADE, postal address) of a letter by the rule of the module's docstring;
    route is `ade`, `address_base`, `hybrid` or `paper`."""
    own = normalise_ade(letter.addressee_ade)
    if is_valid_ade(own):
        return "ade", own, {}
    looked_up = ade_of_addressee(letter.addressee_name)
    if looked_up:
        return "address_base", looked_up, {}
    postal = postal_address_of(letter)
    return ("hybrid", "", postal) if postal else ("paper", "", {})


def _route_note(letter: OutgoingLetter, route: str, ade: str, postal: dict) -> str:
    subject = f"Pismo „{letter.subject}” do {letter.addressee_name}"
    if route == "ade":
        return f"{subject}: wysyłka przez e-Doręczenia na adres {ade}."
    if route == "address_base":
        return (f"{subject}: wysyłka przez e-Doręczenia na adres {ade} "
                f"(adres z bazy adresów elektronicznych).")
    if route == "hybrid":
        return (f"{subject}: adresat nie ma adresu do doręczeń elektronicznych — wysyłka "
                f"publiczną usługą hybrydową na adres {postal['street']}, "
                f"{postal['postalCode']} {postal['city']}.")
    return (f"{subject}: adresat nie ma adresu do doręczeń elektronicznych ani pełnego "
            f"adresu pocztowego — pismo należy wysłać w postaci papierowej.")


def _note_in_case(letter: OutgoingLetter, description: str) -> None:
    """One row of the case record, inside the caller's transaction."""
    case = ezd.lock_case(letter.case)
    ezd.record_case_event(case, CaseAction.NOTE_ADDED, acting_user=None,
                          description=description,
                          data={"letter": letter.pk, "exchange": True})


def queue_letter(municipality_id: int, letter_id: int) -> OutboundMessage | None:
    """Queue a sent letter whose method is e-Doręczenia (once), noting its route in the
    case record; None when it is not one or it can only go on paper."""
    letter = _letter(municipality_id, letter_id)
    if letter is None or letter.sending_method != "e_delivery":
        return None
    existing = selectors.outbound_of_letter(municipality_id, letter_id)
    if existing is not None:
        return existing
    route, ade, postal = route_of(letter)
    note = _route_note(letter, route, ade, postal)
    if route == "paper":
        with transaction.atomic(durable=True):
            _note_in_case(letter, note)
        logger.info("exchange.letter_on_paper", extra={"letter": letter_id})
        return None
    files = []
    version = letter.document.current_version if letter.document_id else None
    if version is not None:
        with default_storage.open(version.file.name, "rb") as handle:
            files.append((version.original_name or f"{letter.case.mark}-pismo-{letter.pk}.pdf",
                          handle.read()))
    return queue_message(letter.case.unit, acting_user=None, recipient_ade=ade,
                         recipient_name=letter.addressee_name, postal_address=postal or None,
                         subject=letter.subject, body=f"Pismo {letter.case.mark}",
                         files=files, kind=MessageKind.LETTER, letter_id=letter.pk,
                         case_id=letter.case_id,
                         within=lambda _message: _note_in_case(letter, note))


def evidence_title(letter: OutgoingLetter, evidence: Evidence) -> str:
    """The evidence's title as a document of the case: what it proves, of which letter,
    and for a proof of receipt the legal time of receipt and its rule (art. 41)."""
    name = EVIDENCE_NAMES.get(evidence.kind, f"Dowód {evidence.kind}")
    title = f"{name} pisma „{letter.subject}”"
    if evidence.received_at and evidence.kind in (ev.PROOF_OF_RECEIPT, ev.HYBRID_RECEIPT):
        when = timezone.localtime(evidence.received_at).strftime("%d.%m.%Y %H:%M")
        rule = RECEIPT_RULES.get(evidence.receipt_kind, "")
        title += f" — doręczono {when}" + (f" ({rule})" if rule else "")
    elif evidence.reason:
        title += f" — {evidence.reason}"
    return title


def _store_evidence(letter: OutgoingLetter, evidence: Evidence):
    name = f"{letter.case.mark}-pismo-{letter.pk}-{evidence.kind}.xml".replace("/", "-")
    data = bytes(evidence.xml)
    inspection = ezd.inspect_upload(name, data, with_preview=False)
    return name, inspection, ezd.store_checked_file(letter.municipality_id, inspection, name,
                                                    data)


def _enter_evidence(letter: OutgoingLetter, evidence: Evidence) -> None:
    """Enter one kept evidence in the letter's case, once: its signed XML as a document of
    an open case (the document's own record row says what it proves); a closed case's
    record notes it with its digest (the file stays with the exchange's evidence)."""
    stored = _store_evidence(letter, evidence) if letter.case.is_open else None
    try:
        with transaction.atomic(durable=True):
            row = Evidence.objects.select_for_update().get(pk=evidence.pk)
            if row.is_in_case:
                raise _AlreadyEntered
            case = ezd.lock_case(letter.case)
            document_id = None
            if stored is not None and case.is_open:
                name, inspection, path = stored
                document = ezd.add_stored_document_within(
                    case, acting_user=None, title=evidence_title(letter, evidence)[:300],
                    kind=DocumentKind.INCOMING, name=name, path=path, inspection=inspection)
                document_id = document.pk
            else:
                ezd.record_case_event(
                    case, CaseAction.NOTE_ADDED, acting_user=None,
                    description=f"{evidence_title(letter, evidence)} (dowód "
                                f"{evidence.provider_evidence_id}, SHA-256 "
                                f"{evidence.sha256[:16]}…, przechowywany w module wymiany)",
                    data={"letter": letter.pk, "evidence": evidence.provider_evidence_id})
            Evidence.objects.filter(pk=evidence.pk).update(is_in_case=True,
                                                           case_document_id=document_id)
    except BaseException as error:
        if stored is not None:
            ezd.discard_stored_file(stored[2])
        if not isinstance(error, _AlreadyEntered):
            raise


class _AlreadyEntered(Exception):
    pass


def report_to_ezd(message: OutboundMessage) -> int:
    """Enter the letter's new evidences in its case (a document and a record row each,
    once) and tell the EZD the delivery (status, sending and receipt times, evidences)
    through its `record_letter_delivery`. Returns 1 when reported."""
    letter = _letter(message.municipality_id, message.letter_id)
    if letter is None:
        return 0
    for evidence in selectors.evidences_of(message).filter(is_in_case=False):
        _enter_evidence(letter, evidence)
    ezd.record_letter_delivery(letter, **selectors.letter_delivery(message))
    with transaction.atomic(durable=True):
        OutboundMessage.objects.filter(pk=message.pk).update(is_reported=True)
    return 1
