"""SMS: a batch of messages to the first gateway that answers (failover), what the gateway
accepted recorded in a few statements, and the gateways' delivery reports."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ratusz.core.tenancy import tenant_context
from ratusz.notifications.delivery.outcomes import Throttle, retry_or_fail
from ratusz.notifications.delivery.rendering import message_text, public_url
from ratusz.notifications.gateways import build_gateways, send_with_failover
from ratusz.notifications.gateways.base import GatewayUnavailable, SmsAccepted, SmsToSend
from ratusz.notifications.models import Channel, Message, MessageStatus
from ratusz.notifications.sms import measure


def sms_gateways():
    """The configured gateways, in failover order (setting RATUSZ_SMS_GATEWAYS)."""
    return build_gateways(getattr(settings, "RATUSZ_SMS_GATEWAYS", []))


def callback_key(gateway_name: str) -> str:
    """The key in a gateway's callback address: the gateways sign nothing, so the address
    carries a secret only we and the gateway know."""
    return hmac.new(settings.SECRET_KEY.encode(), f"sms-callback:{gateway_name}".encode(),
                    hashlib.sha256).hexdigest()[:32]


def sms_callback_url(gateway_name: str) -> str:
    """Where the gateway posts its delivery reports, with the key that authorises them."""
    return public_url() + reverse("notifications-callbacks:sms", kwargs={
        "gateway": gateway_name}) + f"?key={callback_key(gateway_name)}"


def send_sms(messages: list[Message]) -> dict:
    gateways = sms_gateways()
    if not gateways:
        for message in messages:
            retry_or_fail(message, "no SMS gateway configured (RATUSZ_SMS_GATEWAYS)")
        return {"failed": len(messages)}
    by_reference = {}
    batch = []
    for message in messages:
        _subject, text = message_text(message)
        reference = f"r{message.pk}"
        by_reference[reference] = (message, measure(text).parts)
        batch.append(SmsToSend(reference=reference, to=message.recipient, text=text))
    sender = getattr(settings, "RATUSZ_SMS_SENDER", "Ratusz")
    Throttle("sms", getattr(settings, "RATUSZ_NOTIFY_SMS_RATE", 0)).take(len(batch))
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(handed_at=timezone.now())
    try:
        used, results = send_with_failover(gateways, batch, sender=sender,
                                           callback_url_for=sms_callback_url)
    except GatewayUnavailable as error:
        # What a gateway confirmed before the failure is kept; the rest waits and retries.
        used, results = error.gateway, list(error.results)
        answered = {result.reference for result in results}
        for reference, (message, _parts) in by_reference.items():
            if reference not in answered:
                retry_or_fail(message, f"all SMS gateways unavailable: {error}")
        if not results:
            return {"failed": len(messages)}
    accepted: list[Message] = []
    failed = 0
    now = timezone.now()
    for result in results:
        message, parts = by_reference[result.reference]
        if isinstance(result, SmsAccepted):
            message.status, message.sent_at, message.claim = MessageStatus.SENT, now, ""
            message.provider = getattr(result, "gateway", "") or used
            message.parts, message.cost = result.parts or parts, result.cost
            message.provider_id = result.provider_id or ""
            accepted.append(message)
        else:
            retry_or_fail(message, f"{result.code} {result.message}",
                           permanent=result.permanent)
            failed += 1
    with transaction.atomic(durable=True):
        _record_accepted(accepted, now)
    return {"failed": failed, "provider": used}


def _record_accepted(accepted: list[Message], now: datetime) -> None:
    """Record a bulk send in a few statements (bulk_update's CASE of one WHEN per row
    costs rows² in the database: minutes for 100,000 messages). The status becomes
    `sent` only where it is still `sending`: the gateway's delivery report may already
    have made it `delivered` (or `failed`) while the request was answered."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for message in accepted:
        groups[(message.provider, message.parts, message.cost)].append(message.pk)
    for (provider, parts, cost), ids in groups.items():
        for start in range(0, len(ids), 5000):
            Message.objects.filter(pk__in=ids[start:start + 5000]).update(
                sent_at=now, claim="", provider=provider, parts=parts, cost=cost)
    ids = [message.pk for message in accepted]
    for start in range(0, len(ids), 5000):
        Message.objects.filter(pk__in=ids[start:start + 5000],
                               status=MessageStatus.SENDING).update(status=MessageStatus.SENT)
    with_ids = [(message.pk, message.provider_id) for message in accepted
                if message.provider_id]
    quote = db_connection.ops.quote_name
    table = quote(Message._meta.db_table)
    pk, column = quote(Message._meta.pk.column), quote("provider_id")
    with db_connection.cursor() as cursor:
        for start in range(0, len(with_ids), 1000):
            chunk = with_ids[start:start + 1000]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(  # UPDATE … FROM (VALUES …): PostgreSQL and SQLite ≥ 3.33
                f"UPDATE {table} SET {column} = v.column2 FROM (VALUES {values}) AS v "  # noqa: S608
                f"WHERE {table}.{pk} = v.column1",
                [value for pair in chunk for value in pair])


def record_sms_reports(gateway_name: str, reports: Iterable) -> int:
    """Delivery reports from a gateway's callback: delivered / failed, all of one callback
    or none. A callback carries many reports; the delivered ones are written in one
    statement per callback."""
    updated = 0
    now = timezone.now()
    delivered: dict[int, datetime] = {}  # message id → the report's time
    with tenant_context(None, all_municipalities=True), transaction.atomic(durable=True):
        for report in reports:
            reference = report.reference or ""
            pk = int(reference[1:]) if reference.startswith("r") and \
                reference[1:].isdigit() else None
            if report.status == "delivered" and pk is not None:
                delivered[pk] = report.at or now
                continue
            query = Message.objects.filter(channel=Channel.SMS)
            if pk is not None:
                query = query.filter(pk=pk)
            elif report.provider_id:
                query = query.filter(provider_id=report.provider_id)
            else:
                continue
            if report.status == "delivered":
                updated += query.exclude(status=MessageStatus.DELIVERED).update(
                    status=MessageStatus.DELIVERED, delivered_at=report.at or now)
            elif report.status in ("failed", "undelivered", "rejected", "expired"):
                updated += query.update(status=MessageStatus.FAILED,
                                        error=f"{gateway_name}: {report.detail}"[:500])
        if delivered:
            # One time for the callback (the latest report's): per-row times would cost a
            # statement each, and the reports of one callback are seconds apart at most.
            updated += Message.objects.filter(pk__in=list(delivered), channel=Channel.SMS)\
                .exclude(status=MessageStatus.DELIVERED).update(
                    status=MessageStatus.DELIVERED, delivered_at=max(delivered.values()))
    return updated


