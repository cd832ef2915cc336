"""Reads of the exchange app; every read of a gmina's rows takes the gmina, except the
pump's platform-wide look-ups (what is due, which mailboxes to fetch) and the directory
of the platform's addresses (ADEs are public, as in the national address base)."""

from __future__ import annotations

import time
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone

from ratusz.cases.models import CaseRecordEntry, LetterStatus, OutgoingLetter
from ratusz.core.models import Municipality, Unit
from ratusz.core.tenancy import tenant_context
from ratusz.exchange.models import (
    Evidence,
    InboundMessage,
    InboundStatus,
    Mailbox,
    OutboundMessage,
    OutboundStatus,
)

_platform_addresses: dict[str, tuple[float, bool]] = {}
PLATFORM_ADDRESS_TTL = 60.0


def is_platform_address(ade: str) -> bool:
    """Whether the ADE belongs to a gmina or unit of this platform (an A2A exchange); an
    answer is remembered for a minute (it only labels the exchange for counting)."""
    known = _platform_addresses.get(ade)
    if known is not None and time.monotonic() - known[0] < PLATFORM_ADDRESS_TTL:
        return known[1]
    with tenant_context(None, all_municipalities=True):
        answer = (Municipality.objects.filter(ade=ade).exists()
                  or Unit.objects.filter(ade=ade).exists())
    if len(_platform_addresses) > 10_000:
        _platform_addresses.clear()
    _platform_addresses[ade] = (time.monotonic(), answer)
    return answer


def ade_is_taken(ade: str) -> bool:
    """Whether a gmina, unit or mailbox of the platform holds the ADE already."""
    with tenant_context(None, all_municipalities=True):
        return (Unit.objects.filter(ade=ade).exists()
                or Municipality.objects.filter(ade=ade).exists()
                or Mailbox.objects.filter(address=ade).exists())


def platform_addresses(query: str) -> list[dict]:
    """The platform's gminy and units whose name or ADE matches (the address directory)."""
    with tenant_context(None, all_municipalities=True):
        units = (Unit.objects.filter(ade__isnull=False, is_active=True)
                 .filter(Q(name__icontains=query) | Q(ade=query.upper()))
                 .select_related("municipality").order_by("name")[:20])
        return [{"ade": unit.ade, "name": unit.name, "is_public_body": True}
                for unit in units]


def mailboxes(municipality: Municipality) -> QuerySet[Mailbox]:
    return Mailbox.objects.for_municipality(municipality).select_related("unit").order_by(
        "unit__name", "channel")


def mailbox_of_unit(municipality: Municipality, unit: Unit, channel: str) -> Mailbox | None:
    return Mailbox.objects.for_municipality(municipality).filter(unit=unit,
                                                                 channel=channel).first()


def outbound_messages(municipality: Municipality) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.for_municipality(municipality).select_related("unit")


def inbound_messages(municipality: Municipality, *, status: str = ""
                     ) -> QuerySet[InboundMessage]:
    messages = InboundMessage.objects.for_municipality(municipality).select_related(
        "mailbox__unit")
    return messages.filter(status=status) if status else messages


def access_outbound_by_id(municipality: Municipality, message_id: int
                          ) -> OutboundMessage | None:
    return outbound_messages(municipality).filter(pk=message_id).first()


def access_inbound_by_id(municipality: Municipality, message_id: int
                         ) -> InboundMessage | None:
    return inbound_messages(municipality).filter(pk=message_id).first()


def outbound_of_letter(municipality: Municipality, letter_id: int) -> OutboundMessage | None:
    return OutboundMessage.objects.for_municipality(municipality).filter(
        letter_id=letter_id).first()


#: Where the API serves an evidence's signed XML (ratusz/exchange/api.py).
EVIDENCE_URL = "/api/v1/exchange/evidences/{id}"
DELIVERY_STATUS = {OutboundStatus.QUEUED: "sent", OutboundStatus.SENT: "sent",
                   OutboundStatus.DELIVERED: "delivered",
                   OutboundStatus.DEEMED_DELIVERED: "deemed_delivered",
                   OutboundStatus.FAILED: "failed"}


def letter_delivery(message: OutboundMessage) -> dict:
    """A letter's delivery as the API contract shows it: status (sent, delivered,
    deemed_delivered, failed), sent_at, received_at, evidences [{kind, url}], and the
    channel and the reason of a failure."""
    return {
        "status": DELIVERY_STATUS[message.status], "sent_at": message.submitted_at,
        "received_at": message.received_at, "channel": message.channel,
        "reason": message.last_error if message.status == OutboundStatus.FAILED else "",
        "evidences": [{"kind": e.kind, "url": EVIDENCE_URL.format(id=e.pk)}
                      for e in evidences_of(message)],
    }


def access_evidence_by_id(municipality: Municipality, evidence_id: int) -> Evidence | None:
    return Evidence.objects.for_municipality(municipality).filter(pk=evidence_id).first()


def registered_inbound(municipality: Municipality) -> QuerySet[InboundMessage]:
    """Messages registered in the gmina's RPW, newest first."""
    return InboundMessage.objects.for_municipality(municipality).filter(
        status=InboundStatus.REGISTERED).order_by("-fetched_at", "-id")


def evidences_of(message: OutboundMessage | InboundMessage) -> QuerySet[Evidence]:
    field = "outbound" if isinstance(message, OutboundMessage) else "inbound"
    return Evidence.objects.for_municipality(message.municipality_id).filter(
        **{field: message}).order_by("event_at", "id")


def evidence_ids(message: OutboundMessage) -> set[str]:
    return set(evidences_of(message).values_list("provider_evidence_id", flat=True))


def inbound_by_provider_id(mailbox: Mailbox, provider_id: str) -> InboundMessage | None:
    return InboundMessage.objects.for_municipality(mailbox.municipality_id).filter(
        mailbox=mailbox, provider_message_id=provider_id).first()


def known_provider_ids(mailbox: Mailbox, ids: list[str]) -> set[str]:
    return set(InboundMessage.objects.for_municipality(mailbox.municipality_id).filter(
        mailbox=mailbox, provider_message_id__in=ids).values_list("provider_message_id",
                                                                  flat=True))


def registered_duplicate(mailbox: Mailbox, sender_ade: str, digest: str
                         ) -> InboundMessage | None:
    """An earlier registered message of the same sender with the same content."""
    return InboundMessage.objects.for_municipality(mailbox.municipality_id).filter(
        sender_ade=sender_ade, digest=digest, status=InboundStatus.REGISTERED).first()


# --- the pump (platform-wide; the caller has entered all gminy) ----------------------------

def _in_shard(queryset: QuerySet, shard: tuple[int, int] | None) -> QuerySet:
    """The rows of one of several pumps: gminy are shared out by their id."""
    if shard is None or shard[1] <= 1:
        return queryset
    return queryset.annotate(pump_shard=Mod("municipality_id", shard[1])).filter(
        pump_shard=shard[0])


def due_outbound(now: datetime | None = None, *, limit: int = 200,
                 shard: tuple[int, int] | None = None) -> list[OutboundMessage]:
    """Messages waiting to be sent, or sent and waiting for evidences, whose time has come."""
    now = now or timezone.now()
    return list(_in_shard(OutboundMessage.objects.filter(
        status__in=[OutboundStatus.QUEUED, OutboundStatus.SENT], next_attempt_at__lte=now,
    ), shard).order_by("next_attempt_at", "id")[:limit])


def unreported_outbound(*, limit: int = 200, shard: tuple[int, int] | None = None
                        ) -> list[OutboundMessage]:
    return list(_in_shard(OutboundMessage.objects.filter(
        is_reported=False, letter_id__isnull=False), shard).order_by("id")[:limit])


def letters_not_taken(since: datetime, until: datetime, *, limit: int = 200
                      ) -> list[tuple[int, int]]:
    """(gmina id, letter id) of letters sent by e-Doręczenia, sealed in [since, until),
    that the exchange neither queued nor noted for paper (its receiver of `letter_sent`
    missed them: a process stopped between the send's commit and the event)."""
    queued = OutboundMessage.objects.filter(municipality_id=OuterRef("municipality_id"),
                                            letter_id=OuterRef("pk"))
    candidates = list(OutgoingLetter.objects.filter(
        status=LetterStatus.SENT, sending_method="e_delivery", sealed_at__gte=since,
        sealed_at__lt=until).exclude(Exists(queued))
        .order_by("pk").values_list("municipality_id", "pk", "case_id")[:limit])
    if not candidates:
        return []
    # Noted for paper: a row of the case record the exchange wrote about that letter (the
    # JSON key compared in Python: PostgreSQL has no jsonb = bigint for a correlated ref).
    noted = {int(letter) for letter in CaseRecordEntry.objects.filter(
        case_id__in={case_id for _m, _l, case_id in candidates}, data__exchange=True,
    ).values_list("data__letter", flat=True) if letter is not None}
    return [(municipality_id, letter_id) for municipality_id, letter_id, _case in candidates
            if letter_id not in noted]


def active_mailboxes(*, shard: tuple[int, int] | None = None) -> list[Mailbox]:
    return list(_in_shard(Mailbox.objects.filter(is_active=True), shard)
                .select_related("unit", "municipality").order_by("last_fetched_at", "id"))


def exchange_counts(municipality: Municipality, start: datetime, end: datetime) -> dict:
    """How many exchanges of each kind the gmina made in [start, end): sent and received,
    by kind and channel, and how many were A2A (with a gmina or unit of the platform). For
    the reports module."""
    sent = (OutboundMessage.objects.for_municipality(municipality)
            .filter(created_at__gte=start, created_at__lt=end)
            .values("kind", "channel", "is_a2a").annotate(count=Count("id")))
    received = (InboundMessage.objects.for_municipality(municipality)
                .filter(fetched_at__gte=start, fetched_at__lt=end,
                        status=InboundStatus.REGISTERED)
                .values("kind", "channel", "is_a2a").annotate(count=Count("id")))
    return {
        "sent": [dict(row) for row in sent], "received": [dict(row) for row in received],
        "a2a_total": sum(row["count"] for row in [*sent, *received] if row["is_a2a"]),
    }
