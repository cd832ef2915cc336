"""The outbox: documents to other bodies, sent through e-Doręczenia (or its hybrid
service) with retries and back-off, and their evidences collected as they arrive.

A message is never sent twice: the provider's id of its draft is stored (and committed)
before the attempt that sends it; a retry after a lost answer sends that same draft, and
the provider refuses a draft sent already (MESSAGE_ALREADY_SENT), which is taken as
success. A provider that is down delays the message (2, 4, 8 … up to 60 seconds between
attempts); after `MAX_ATTEMPTS` the message shows as not delivered with the last error
until a clerk sends it again (`retry_message`)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases import services as ezd
from ratusz.core.models import Unit
from ratusz.exchange import evidence as ev
from ratusz.exchange import selectors
from ratusz.exchange.edelivery import (
    AlreadySent,
    Attachment,
    EDeliveryClient,
    ProviderRefused,
    ProviderUnavailable,
)
from ratusz.exchange.errors import ExchangeError
from ratusz.exchange.models import Channel, Evidence, MessageKind, OutboundMessage, OutboundStatus
from ratusz.exchange.services import config
from ratusz.exchange.services.addresses import check_ade

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 40
MAX_DELAY = 60
MAX_FILES = 50
TERMINAL = {OutboundStatus.DELIVERED, OutboundStatus.DEEMED_DELIVERED, OutboundStatus.FAILED}
POSTAL_FIELDS = ("street", "buildingNumber", "houseNumber", "postalCode", "city", "country")


def _store_files(municipality_id: int, files: list[tuple[str, bytes]]) -> list[dict]:
    """Check every file (type by content, size, name) and store it; refused: ExchangeError
    naming the file, and nothing of this message stays stored."""
    stored = []
    for name, data in files:
        try:
            inspection = ezd.inspect_upload(name, data, with_preview=False)
        except ezd.UploadRejected as refusal:
            for item in stored:
                ezd.discard_stored_file(item["path"])
            raise ExchangeError("attachment_refused", _("%(name)s: %(reason)s"), name=name,
                                reason=refusal.message) from None
        path = ezd.store_checked_file(municipality_id, inspection, name, data)
        stored.append({"name": name, "path": path, "sha256": inspection.sha256,
                       "content_type": inspection.content_type, "size": inspection.size})
    return stored


def _clean_postal_address(address: dict | None) -> dict:
    address = {key: str(value).strip() for key, value in (address or {}).items()
               if key in POSTAL_FIELDS and str(value).strip()}
    if address and not {"street", "postalCode", "city"} <= set(address):
        raise ExchangeError("postal_address_incomplete",
                            _("Give the street, postal code and town of the addressee."))
    if address:
        address.setdefault("country", "PL")
    return address


def queue_message(unit: Unit, *, acting_user, recipient_name: str, subject: str,
                  body: str = "", files: list[tuple[str, bytes]] = (),
                  recipient_ade: str = "", postal_address: dict | None = None,
                  kind: str = MessageKind.DOCUMENT, letter_id: int | None = None,
                  case_id: int | None = None,
                  within: Callable[[OutboundMessage], object] | None = None
                  ) -> OutboundMessage:
    """Put a message to another body in the outbox: to its ADE by e-Doręczenia, or, for an
    addressee without one, by the hybrid service to a postal address. Returns the queued
    message (the pump sends it). A letter is queued once. `within(message)` is called
    inside the transaction that queues it (a note in the letter's case record)."""
    if not unit.ade:
        raise ExchangeError("no_ade", _("This unit has no address for e-Doręczenia."))
    recipient_name = (recipient_name or "").strip()[:300]
    subject = (subject or "").strip()[:300]
    if not subject or not recipient_name:
        raise ExchangeError("subject_required", _("Give the subject and the addressee."))
    postal = _clean_postal_address(postal_address)
    if recipient_ade:
        recipient_ade = check_ade(recipient_ade)
        channel = Channel.E_DELIVERY
    elif postal:
        channel = Channel.HYBRID
    else:
        raise ExchangeError("address_required", _("Give the addressee's address for "
                                                  "e-Doręczenia or postal address."))
    if len(files) > MAX_FILES:
        raise ExchangeError("too_many_files", _("At most %(count)s files per message."),
                            count=MAX_FILES)
    stored = _store_files(unit.municipality_id, list(files))
    try:
        with transaction.atomic(durable=True):
            if letter_id is not None:
                existing = OutboundMessage.objects.for_municipality(unit.municipality_id
                                                                    ).filter(letter_id=letter_id
                                                                             ).first()
                if existing is not None:
                    return existing
            message = OutboundMessage.objects.create(
                municipality_id=unit.municipality_id, unit=unit, kind=kind, channel=channel,
                letter_id=letter_id, case_id=case_id, sender_ade=unit.ade,
                recipient_ade=recipient_ade, recipient_name=recipient_name,
                recipient_address=postal,
                is_a2a=bool(recipient_ade) and selectors.is_platform_address(recipient_ade),
                subject=subject, body=(body or "")[:5000], attachments=stored,
                created_by=acting_user if getattr(acting_user, "pk", None) else None,
                is_reported=letter_id is None)
            if within is not None:
                within(message)
            return message
    except BaseException:
        for item in stored:
            ezd.discard_stored_file(item["path"])
        raise


def _attachments(message: OutboundMessage) -> list[Attachment]:
    result = []
    for item in message.attachments:
        with default_storage.open(item["path"], "rb") as handle:
            result.append(Attachment(item["name"], item["content_type"], handle.read()))
    return result


def _retry_later(message_id: int, error: Exception) -> None:
    with transaction.atomic(durable=True):
        message = OutboundMessage.objects.select_for_update().get(pk=message_id)
        message.attempts += 1
        message.last_error = str(error)[:2000]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboundStatus.FAILED
        delay = min(2 ** min(message.attempts, 10), MAX_DELAY)
        message.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
    logger.warning("exchange.send_retry", extra={"outbound": message_id, "error": str(error)})


def _fail(message_id: int, error: str) -> None:
    with transaction.atomic(durable=True):
        OutboundMessage.objects.filter(pk=message_id).update(
            status=OutboundStatus.FAILED, last_error=error[:2000], is_reported=False)


def dispatch(message: OutboundMessage, client: EDeliveryClient) -> str:
    """One attempt to send a queued message; returns what happened (sent, retry, failed)."""
    if message.status != OutboundStatus.QUEUED:
        return "skipped"
    try:
        draft_id = message.provider_message_id
        if not draft_id:
            postal = message.recipient_address or None
            draft_id = client.create_draft(message.sender_ade, client.message_body(
                recipient_ade=message.recipient_ade, recipient_name=message.recipient_name,
                postal_address=postal, subject=message.subject, text=message.body,
                attachments=_attachments(message),
                additional={"ratuszKind": message.kind}))
            # Stored and committed before the attempt that sends it.
            with transaction.atomic(durable=True):
                stored = OutboundMessage.objects.filter(
                    pk=message.pk, provider_message_id="").update(provider_message_id=draft_id)
            if not stored:
                return "skipped"  # another pump got there first
        # AlreadySent: an earlier attempt sent it and its answer was lost.
        with contextlib.suppress(AlreadySent):
            client.send_draft(message.sender_ade, draft_id)
    except ProviderUnavailable as error:
        _retry_later(message.pk, error)
        return "retry"
    except ProviderRefused as refusal:
        if refusal.status == 404 and message.provider_message_id:
            # The provider lost the draft: a new one is made on the next attempt.
            with transaction.atomic(durable=True):
                OutboundMessage.objects.filter(pk=message.pk).update(provider_message_id="")
            _retry_later(message.pk, refusal)
            return "retry"
        _fail(message.pk, refusal.message)
        return "failed"
    now = timezone.now()
    with transaction.atomic(durable=True):
        OutboundMessage.objects.filter(pk=message.pk, status=OutboundStatus.QUEUED).update(
            status=OutboundStatus.SENT, is_submitted=True, submitted_at=now, last_error="",
            attempts=message.attempts + 1, next_attempt_at=now + timedelta(seconds=1))
    return "sent"


def _next_check(message: OutboundMessage, now):
    """Evidences come at once for a public body, within 14 days for anyone else: look
    often at first, then less (a tenth of the message's age, 1 s to 1 h)."""
    age = (now - (message.submitted_at or now)).total_seconds()
    return now + timedelta(seconds=min(max(age / 10, 1), 3600))


def collect_evidences(message: OutboundMessage, client: EDeliveryClient) -> int:
    """Fetch the message's new evidences, verify each signature against the trust anchor
    and keep those that verify; the message's status follows them. Returns how many were
    kept. An evidence that does not verify is not kept: the message shows why."""
    now = timezone.now()
    try:
        listed = client.evidences(message.sender_ade, message.provider_message_id)
        known = selectors.evidence_ids(message)
        facts_and_xml, problems = [], []
        for item in listed:
            if item.get("type") not in ev.KEPT_KINDS or item["evidenceId"] in known:
                continue
            xml = client.evidence_file(message.sender_ade, item["evidenceId"],
                                       hybrid=message.channel == Channel.HYBRID)
            try:
                facts = ev.verify_evidence(xml, trust_anchor=config.trust_anchor())
            except ev.EvidenceRejected as refusal:
                problems.append(f"{item.get('type')}: {refusal.reason}")
                continue
            if facts.message_id != message.provider_message_id or facts.kind != item["type"]:
                problems.append(f"{item.get('type')}: the evidence is of another message")
                continue
            facts_and_xml.append((facts, xml))
    except ProviderUnavailable as error:
        with transaction.atomic(durable=True):
            OutboundMessage.objects.filter(pk=message.pk).update(
                next_attempt_at=now + timedelta(seconds=MAX_DELAY / 4),
                last_error=str(error)[:2000])
        return 0
    with transaction.atomic(durable=True):
        message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        for facts, xml in facts_and_xml:
            keep_evidence(message.municipality_id, facts, xml, outbound=message)
            _apply(message, facts)
        message.last_error = "; ".join(problems)[:2000]
        message.next_attempt_at = _next_check(message, now)
        if facts_and_xml and message.letter_id:
            message.is_reported = False
        message.save()
    return len(facts_and_xml)


def keep_evidence(municipality_id: int, facts: ev.EvidenceFacts, xml: bytes, *,
                  outbound=None, inbound=None) -> Evidence:
    """Store a verified evidence once (inside the caller's transaction)."""
    # The same proof of receipt reaches both sides; within one gmina (a unit's report to
    # its office) each side keeps its own row.
    key = facts.evidence_id if inbound is None else f"{facts.evidence_id}:in"
    evidence, _created = Evidence.objects.get_or_create(
        municipality_id=municipality_id, provider_evidence_id=key[:64],
        defaults={"outbound": outbound, "inbound": inbound, "kind": facts.kind,
                  "event_at": facts.event_at, "received_at": facts.received_at,
                  "receipt_kind": facts.receipt_kind, "reason": facts.reason, "xml": xml,
                  "sha256": hashlib.sha256(xml).hexdigest()})
    return evidence


def _apply(message: OutboundMessage, facts: ev.EvidenceFacts) -> None:
    if facts.kind in (ev.SUBMISSION_REJECTED, ev.HYBRID_REJECTED):
        message.status = OutboundStatus.FAILED
        message.last_error = facts.reason
    elif facts.kind in (ev.PROOF_OF_SENDING, ev.HYBRID_POSTED):
        message.submitted_at = facts.submitted_at or facts.event_at
    elif facts.kind in (ev.PROOF_OF_RECEIPT, ev.HYBRID_RECEIPT):
        message.received_at = facts.received_at or facts.event_at
        message.receipt_kind = facts.receipt_kind
        message.status = (OutboundStatus.DEEMED_DELIVERED
                          if facts.receipt_kind == ev.RECEIPT_DEEMED
                          else OutboundStatus.DELIVERED)


@transaction.atomic(durable=True)
def retry_message(message: OutboundMessage, *, acting_user) -> OutboundMessage:
    """Send again a message that failed before it was submitted (its attempts start anew);
    one the provider accepted is never resubmitted."""
    updated = OutboundMessage.objects.filter(
        pk=message.pk, status=OutboundStatus.FAILED, is_submitted=False).update(
        status=OutboundStatus.QUEUED, attempts=0, next_attempt_at=timezone.now())
    if not updated:
        raise ExchangeError("not_retryable", _("Only a message that was never submitted can "
                                               "be sent again."))
    message.refresh_from_db()
    return message
