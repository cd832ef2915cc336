"""Incoming: messages fetched from a unit's e-Doręczenia mailbox or ePUAP inbox become RPW
entries of that unit (through the EZD's `register_incoming_within`, so its routing rules
assign them), each once, with its files, its proof and the legal time of arrival.

Before anything is registered a message is checked: the sender's ADE, every attachment's
type, the signature of its proof of receipt (or UPP) and whether it repeats one already
registered. A message that fails is quarantined with its reason, visible to the registry
clerk, and nothing of it enters the register. A message fetched again (the same provider
id) is not registered again. A fetched message is removed from the provider's mailbox (or
confirmed on ePUAP) only after its registration committed."""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from ratusz.cases import services as ezd
from ratusz.exchange import evidence as ev
from ratusz.exchange import selectors
from ratusz.exchange.ade import is_valid_ade
from ratusz.exchange.edelivery import EDeliveryClient, ProviderRefused, ProviderUnavailable
from ratusz.exchange.epuap import EpuapPullClient
from ratusz.exchange.models import Channel, InboundMessage, InboundStatus, Mailbox, MessageKind
from ratusz.exchange.services import config
from ratusz.exchange.services.outbox import keep_evidence

logger = logging.getLogger(__name__)
FETCH_BATCH = 200


@dataclass
class Arrival:
    """A message as fetched, whichever the channel."""

    provider_id: str
    channel: str
    sender_ade: str
    sender_name: str
    subject: str
    body: str
    files: list[tuple[str, bytes]]
    evidence: tuple[ev.EvidenceFacts, bytes] | None = None
    kind: str = MessageKind.DOCUMENT
    problems: list[tuple[str, str]] = field(default_factory=list)


def _quarantine(mailbox: Mailbox, arrival: Arrival, code: str, reason: str) -> InboundMessage:
    try:
        with transaction.atomic(durable=True):
            return InboundMessage.objects.create(
                municipality_id=mailbox.municipality_id, mailbox=mailbox,
                channel=arrival.channel, kind=arrival.kind,
                provider_message_id=arrival.provider_id, sender_ade=arrival.sender_ade[:120],
                sender_name=arrival.sender_name[:300], subject=arrival.subject[:500],
                status=InboundStatus.QUARANTINED, reason_code=code, reason=reason[:4000],
                attachments_count=len(arrival.files),
                digest=ev.message_digest(arrival.subject, arrival.body, arrival.files))
    except IntegrityError:
        return selectors.inbound_by_provider_id(mailbox, arrival.provider_id)


def take_in(mailbox: Mailbox, arrival: Arrival) -> tuple[InboundMessage, bool]:
    """Register the arrival in the RPW of the mailbox's unit, or quarantine it with its
    reason. Returns (inbound message, whether this call made it)."""
    existing = selectors.inbound_by_provider_id(mailbox, arrival.provider_id)
    if existing is not None:
        return existing, False
    digest = ev.message_digest(arrival.subject, arrival.body, arrival.files)
    if arrival.problems:
        code, reason = arrival.problems[0]
        return _quarantine(mailbox, arrival, code, reason), True
    if arrival.channel != Channel.EPUAP and not is_valid_ade(arrival.sender_ade):
        return _quarantine(mailbox, arrival, "sender_ade_invalid",
                           f"The sender's address {arrival.sender_ade!r} is not an ADE."), True
    if arrival.evidence is None:
        return _quarantine(mailbox, arrival, "evidence_missing",
                           "The message came without its proof of receipt."), True
    if config.setting("EXCHANGE_QUARANTINE_DUPLICATES", True):
        earlier = selectors.registered_duplicate(mailbox, arrival.sender_ade, digest)
        if earlier is not None:
            return _quarantine(mailbox, arrival, "duplicate",
                               f"The same sender sent the same content before "
                               f"({earlier.entry_number}).", ), True
    inspections = []
    for name, data in arrival.files:
        try:
            inspections.append((name, data, ezd.inspect_upload(name, data, with_preview=False)))
        except ezd.UploadRejected as refusal:
            return _quarantine(mailbox, arrival, "attachment_refused",
                               f"{name}: {refusal.message}"), True
    facts, evidence_xml = arrival.evidence
    paths = [ezd.store_checked_file(mailbox.municipality_id, inspection, name, data)
             for name, data, inspection in inspections]
    try:
        return _register(mailbox, arrival, digest, facts, evidence_xml, inspections, paths), True
    except IntegrityError:
        # Fetched and registered by another pump at the same time.
        for path in paths:
            ezd.discard_stored_file(path)
        return selectors.inbound_by_provider_id(mailbox, arrival.provider_id), False
    except BaseException:
        for path in paths:
            ezd.discard_stored_file(path)
        raise


@transaction.atomic(durable=True)
def _register(mailbox, arrival, digest, facts, evidence_xml, inspections, paths):
    received_at = facts.received_at or facts.event_at
    inbound = InboundMessage.objects.create(
        municipality_id=mailbox.municipality_id, mailbox=mailbox, channel=arrival.channel,
        kind=arrival.kind, provider_message_id=arrival.provider_id,
        sender_ade=arrival.sender_ade[:120], sender_name=arrival.sender_name[:300],
        subject=arrival.subject[:500], received_at=received_at, digest=digest,
        is_a2a=arrival.channel != Channel.EPUAP
        and selectors.is_platform_address(arrival.sender_ade),
        status=InboundStatus.REGISTERED, attachments_count=len(arrival.files))
    sender = ezd.SenderData(kind="organisation",
                            organisation_name=(arrival.sender_name or arrival.sender_ade)[:300],
                            ade=arrival.sender_ade if is_valid_ade(arrival.sender_ade) else "")
    unit = mailbox.unit
    local_day = timezone.localtime(received_at).date()
    remarks = (f"Adres do doręczeń elektronicznych nadawcy: {arrival.sender_ade}. "
               if arrival.sender_ade else "") + \
        f"Dowód: {facts.kind} {facts.evidence_id}, czas otrzymania {received_at.isoformat()}."
    entry = ezd.register_incoming_within(
        unit, acting_user=None, title=arrival.subject[:500] or "(bez tytułu)",
        senders=[sender], received_on=min(local_day, timezone.localdate()),
        channel=arrival.channel if arrival.channel == Channel.EPUAP else "e_delivery",
        attachments_count=len(arrival.files), remarks=remarks,
        idempotency_key=f"exchange:{arrival.channel}:{arrival.provider_id}"[:80],
        data_format="application/xml" if arrival.channel == Channel.EPUAP else "")
    for (name, _data, inspection), path in zip(inspections, paths, strict=True):
        ezd.attach_stored_file_within(entry, acting_user=None, title=name, name=name,
                                      path=path, inspection=inspection)
    keep_evidence(mailbox.municipality_id, facts, evidence_xml, inbound=inbound)
    InboundMessage.objects.filter(pk=inbound.pk).update(entry_id=entry.pk,
                                                        entry_number=entry.number)
    inbound.entry_id, inbound.entry_number = entry.pk, entry.number
    return inbound


# --- e-Doręczenia -----------------------------------------------------------------------

def _arrival_of(client: EDeliveryClient, mailbox: Mailbox, message: dict) -> Arrival:
    metadata = message.get("messageMetadata") or {}
    sender = metadata.get("from") or {}
    problems, files = [], []
    for item in message.get("attachments") or []:
        file = item.get("file") or {}
        name = (file.get("fileMetadata") or {}).get("filename") or "plik"
        try:
            files.append((name, base64.b64decode(file.get("file") or "", validate=True)))
        except ValueError:
            problems.append(("attachment_unreadable", f"{name}: the content is not base64."))
    kind = (metadata.get("additionalData") or {}).get("ratuszKind", MessageKind.DOCUMENT)
    arrival = Arrival(
        provider_id=metadata.get("messageId", ""), channel=Channel.E_DELIVERY,
        sender_ade=sender.get("eDeliveryAddress", ""),
        sender_name=(sender.get("contributor") or {}).get("name", ""),
        subject=metadata.get("subject", ""), body=message.get("textBody", ""), files=files,
        kind=kind if kind in MessageKind.values else MessageKind.DOCUMENT, problems=problems)
    receipts = [e for e in message.get("evidences") or []
                if e.get("type") == ev.PROOF_OF_RECEIPT]
    if receipts:
        xml = client.evidence_file(mailbox.address, receipts[-1]["evidenceId"])
        try:
            facts = ev.verify_evidence(xml, trust_anchor=config.trust_anchor())
            if facts.message_id != arrival.provider_id or facts.kind != ev.PROOF_OF_RECEIPT:
                raise ev.EvidenceRejected("the proof of receipt is of another message")
            if facts.digest != ev.message_digest(arrival.subject, arrival.body, files):
                raise ev.EvidenceRejected("the proof of receipt does not match the message's "
                                          "content")
            arrival.evidence = (facts, xml)
        except ev.EvidenceRejected as refusal:
            arrival.problems.append(("evidence_invalid", refusal.reason))
    return arrival


def fetch_edelivery(mailbox: Mailbox, client: EDeliveryClient) -> dict:
    """Fetch what waits in the mailbox: register (or quarantine) each new message once,
    then remove from the provider what is safely recorded."""
    counts = {"registered": 0, "quarantined": 0, "repeated": 0}
    ids = client.list_messages(mailbox.address, limit=FETCH_BATCH)
    if not ids:
        return counts
    known = selectors.known_provider_ids(mailbox, ids)
    done = [i for i in ids if i in known]
    counts["repeated"] = len(done)
    new = [i for i in ids if i not in known]
    for message in client.get_messages(mailbox.address, new) if new else []:
        inbound, created = take_in(mailbox, _arrival_of(client, mailbox, message))
        if created:
            counts["registered" if inbound.status == InboundStatus.REGISTERED
                   else "quarantined"] += 1
        done.append(inbound.provider_message_id)
    client.delete_messages(mailbox.address, done)
    with transaction.atomic(durable=True):
        InboundMessage.objects.filter(mailbox=mailbox, provider_message_id__in=done).update(
            is_acknowledged=True)
    return counts


# --- ePUAP --------------------------------------------------------------------------------

def fetch_epuap(mailbox: Mailbox, client: EpuapPullClient, *, limit: int = 100) -> dict:
    """Pull the ESP's waiting documents one by one: register each with its UPP, then confirm
    it (which removes it from ePUAP's queue)."""
    counts = {"registered": 0, "quarantined": 0, "repeated": 0}
    if client.waiting(mailbox.address) == 0:
        return counts
    for _round in range(limit):
        document = client.next_document(mailbox.address)
        if document is None:
            break
        arrival = Arrival(
            provider_id=f"{document.digest}-{int(document.sent_at.timestamp())}"[:64],
            channel=Channel.EPUAP, sender_ade=document.reply_address,
            sender_name=document.sender_name, subject=document.file_name,
            body="", files=[(document.file_name, document.content)])
        try:
            facts = ev.verify_evidence(document.upp, trust_anchor=config.trust_anchor())
            if facts.digest and facts.digest != _sha256(document.content):
                raise ev.EvidenceRejected("the UPP does not match the document")
            arrival.evidence = (facts, document.upp)
        except ev.EvidenceRejected as refusal:
            arrival.problems.append(("evidence_invalid", refusal.reason))
        inbound, created = take_in(mailbox, arrival)
        if created:
            counts["registered" if inbound.status == InboundStatus.REGISTERED
                   else "quarantined"] += 1
        else:
            counts["repeated"] += 1
        if client.confirm(mailbox.address, document.digest):
            with transaction.atomic(durable=True):
                InboundMessage.objects.filter(pk=inbound.pk).update(is_acknowledged=True)
    return counts


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch_mailbox(mailbox: Mailbox) -> dict:
    """Fetch one mailbox through its channel's adapter; a provider that is down is tried
    again on the next round (nothing is lost: nothing was removed)."""
    try:
        if mailbox.channel == Channel.EPUAP:
            client = config.epuap()
            result = fetch_epuap(mailbox, client) if client else {}
        else:
            client = config.edelivery()
            result = fetch_edelivery(mailbox, client) if client else {}
    except (ProviderUnavailable, ProviderRefused) as error:
        logger.warning("exchange.fetch_failed", extra={"mailbox": mailbox.address,
                                                       "error": str(error)})
        return {"error": str(error)}
    return result
