"""The outbox: from a published alert to its rows (fan-out), from rows to workers (wake-ups
and the sweep), and the claim a worker takes on rows before it sends them.

A worker runs these outside any transaction and commits statement by statement on purpose:
the claim, `handed_at` just before a message is handed over, the outcome. Only a range of
the fan-out, the claim of `deliver_due` and the record of an SMS batch are transactions of
their own (each the outermost: `atomic(durable=True)`).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import CharField, DateTimeField, F, Max, Min, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from ratusz.core.effects import after_commit, enqueue_after_commit, registered_task
from ratusz.core.models import Municipality
from ratusz.core.tenancy import tenant_context
from ratusz.notifications.delivery.mail import send_emails
from ratusz.notifications.delivery.push import send_pushes
from ratusz.notifications.delivery.sms import send_sms
from ratusz.notifications.models import (
    SEVERE_LEVELS,
    Alert,
    AlertStatus,
    Channel,
    Message,
    MessageKind,
    MessageStatus,
    Subscriber,
    Subscription,
)

logger = logging.getLogger("ratusz.notifications")
WARSAW = ZoneInfo("Europe/Warsaw")

#: How many ids one delivery task carries, per channel.
BATCH = {Channel.EMAIL: 500, Channel.SMS: 2000, Channel.PUSH: 200}
FANOUT_CHUNK = 2000
STALE_CLAIM = timedelta(minutes=5)
REDISPATCH_AFTER = timedelta(minutes=2)
#: The Celery tasks (by their registered names: this module does not import `tasks`).
FAN_OUT_TASK = "notifications.fan_out"
DELIVER_TASK = "notifications.deliver"


# --- quiet hours --------------------------------------------------------------------------

def after_quiet_hours(subscriber: Subscriber, now: datetime) -> datetime | None:
    """The moment the subscriber's quiet hours end, if `now` falls within them."""
    start, end = subscriber.quiet_from, subscriber.quiet_until
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(WARSAW)
    t = local.time()
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date()
    if start > end and t >= start:
        day = day + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=WARSAW)



# --- waking workers -----------------------------------------------------------------------

_polling = False


@contextlib.contextmanager
def polling_delivery() -> Iterator[None]:
    """Run the block as a process that delivers by polling the outbox rather than by
    Celery (`manage.py notifications_deliver`; processes it forks inherit the mode): no
    wake-ups are sent, since the polling loop claims every due row itself, and an alert's
    fan-out runs in this process instead of going to the broker."""
    global _polling
    previous, _polling = _polling, True
    try:
        yield
    finally:
        _polling = previous


def wake(channel: str, ids: list[int]) -> None:
    """Ask workers to deliver these (committed) rows, a task per batch. A row is marked
    woken (`claimed_at`) before its task goes out, so the sweep leaves it to that task for
    REDISPATCH_AFTER; when the broker cannot be reached the mark is taken back and the
    rows wait in the outbox for the next sweep."""
    if not ids or _polling:
        return
    task = registered_task(DELIVER_TASK)
    size = BATCH[channel]
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        now = timezone.now()
        Message.objects.filter(pk__in=chunk, status=MessageStatus.QUEUED).update(
            claimed_at=now)
        try:
            task.apply_async(args=(channel, chunk))
        except Exception:  # noqa: BLE001 - any broker failure: the outbox keeps the rows
            Message.objects.filter(pk__in=chunk, status=MessageStatus.QUEUED,
                                   claimed_at=now).update(claimed_at=None)
            logger.warning("notifications: broker unreachable, %d %s messages wait in the "
                           "outbox", len(ids) - start, channel)
            return


def wake_after_commit(channel: str, ids: list[int]) -> None:
    """Wake workers for rows written in the current transaction once it commits."""
    after_commit(wake, channel, ids)


def start_fan_out(alert_id: int) -> None:
    """Fan a published alert out once the current transaction commits (at once outside
    one): through the broker — when it cannot be reached, the sweep finds the alert — or,
    in a polling process, here."""
    if _polling:
        after_commit(fan_out, alert_id)
    else:
        enqueue_after_commit(FAN_OUT_TASK, alert_id)


# --- fan-out ------------------------------------------------------------------------------

def _eligible_subscribers(alert: Alert) -> Q:
    """Subscribers whose localities cover the alert's area (no localities = everywhere)."""
    area = list(alert.localities.values_list("pk", flat=True))
    if not area:
        return Q()
    through = Subscriber.localities.through
    restricted = through.objects.filter(subscriber__municipality_id=alert.municipality_id)
    return ~Q(subscriber_id__in=restricted.values("subscriber_id")) | Q(
        subscriber_id__in=restricted.filter(locality_id__in=area).values("subscriber_id"))


def fan_out(alert_id: int) -> int:
    """Create the outbox rows of a published alert (idempotent) and dispatch them."""
    with tenant_context(None, all_municipalities=True):
        alert = Alert.objects.select_related("municipality").filter(pk=alert_id).first()
    if alert is None or alert.status != AlertStatus.PUBLISHED:
        return 0
    created = 0
    with tenant_context(alert.municipality):
        now = timezone.now()
        severe = alert.severity in SEVERE_LEVELS
        area_filter = _eligible_subscribers(alert)
        for channel in alert.channels or Channel.values:
            subscriptions = Subscription.objects.filter(
                municipality_id=alert.municipality_id, topic=alert.topic, channel=channel
            ).filter(area_filter)
            if channel == Channel.EMAIL:
                subscriptions = subscriptions.filter(subscriber__email_confirmed_at__isnull=False)
            elif channel == Channel.SMS:
                subscriptions = subscriptions.filter(subscriber__phone_confirmed_at__isnull=False)
            else:
                subscriptions = subscriptions.filter(
                    subscriber__push_endpoints__isnull=False).distinct()
            if severe:
                plain, held = subscriptions, subscriptions.none()
            else:
                no_quiet = (Q(subscriber__quiet_from__isnull=True) |
                            Q(subscriber__quiet_until__isnull=True) |
                            Q(subscriber__quiet_from=F("subscriber__quiet_until")))
                plain, held = subscriptions.filter(no_quiet), subscriptions.exclude(no_quiet)
            # The rows that need no per-subscriber decision: one INSERT … SELECT per range
            # of subscribers, in the database (committed range by range, so the workers
            # start on the first while the next is written).
            created += _insert_select(alert, channel, plain, now)
            rows = held.values_list(
                "subscriber_id", "subscriber__email", "subscriber__phone",
                "subscriber__quiet_from", "subscriber__quiet_until").order_by("subscriber_id")
            batch: list[Message] = []
            probe = Subscriber()
            for subscriber_id, email, phone, quiet_from, quiet_until in rows.iterator(
                    chunk_size=FANOUT_CHUNK):
                # Only subscribers with quiet hours are held (none for a severe alert).
                probe.quiet_from, probe.quiet_until = quiet_from, quiet_until
                not_before = after_quiet_hours(probe, now)
                recipient = {Channel.EMAIL: email, Channel.SMS: phone}.get(channel, "push")
                batch.append(Message(
                    municipality_id=alert.municipality_id, kind=MessageKind.ALERT,
                    key=f"alert:{alert.pk}:{subscriber_id}:{channel}", alert_id=alert.pk,
                    subscriber_id=subscriber_id, channel=channel, recipient=recipient,
                    not_before=not_before, created_at=now))
                if len(batch) >= FANOUT_CHUNK:
                    created += _insert(batch)
                    batch = []
            if batch:
                created += _insert(batch)
        Alert.objects.filter(pk=alert.pk).update(fanout_done_at=timezone.now())
        dispatch(alert_id=alert.pk)
    logger.info("notifications: alert %s fanned out, %d new messages", alert.pk, created)
    return created


#: Subscribers per INSERT … SELECT statement of the fan-out.
FANOUT_RANGE = 10_000


def _insert_select(alert: Alert, channel: str, subscriptions, now: datetime) -> int:
    """INSERT INTO message (…) SELECT … FROM the subscriptions ON CONFLICT DO NOTHING, by
    ranges of subscriber ids: the rows of subscribers without quiet hours (not_before
    empty). Returns the rows inserted (a repeated fan-out inserts none)."""
    bounds = subscriptions.aggregate(low=Min("subscriber_id"), high=Max("subscriber_id"))
    if bounds["low"] is None:
        return 0
    recipient = {Channel.EMAIL: F("subscriber__email"),
                 Channel.SMS: F("subscriber__phone")}.get(channel, Value("push"))
    text = CharField()
    columns = {  # Message column → value; the nullable ones stay NULL
        "municipality_id": Value(alert.municipality_id),
        "key": Concat(Value(f"alert:{alert.pk}:"), Cast("subscriber_id", output_field=text),
                      Value(f":{channel}"), output_field=text),
        "kind": Value(MessageKind.ALERT.value, output_field=text),
        "alert_id": Value(alert.pk),
        "subscriber_id": F("subscriber_id"),
        "channel": Value(channel, output_field=text),
        "recipient": Cast(recipient, output_field=text),
        "subject": Value("", output_field=text), "body": Value("", output_field=text),
        "status": Value(MessageStatus.QUEUED.value, output_field=text),
        "attempts": Value(0), "claim": Value("", output_field=text),
        "provider": Value("", output_field=text), "provider_id": Value("", output_field=text),
        "parts": Value(0), "error": Value("", output_field=text),
        "created_at": Value(now, output_field=DateTimeField()),
    }
    aliases = {f"m_{name}": expression for name, expression in columns.items()}
    quote = db_connection.ops.quote_name
    target = ", ".join(quote(Message._meta.get_field(name).column)
                       for name in columns)
    created = 0
    for low in range(bounds["low"], bounds["high"] + 1, FANOUT_RANGE):
        select = subscriptions.filter(
            subscriber_id__gte=low, subscriber_id__lt=low + FANOUT_RANGE).annotate(
            **aliases).values_list(*aliases).order_by()
        sql, params = select.query.sql_with_params()
        if db_connection.vendor == "sqlite" and " WHERE " not in sql:
            sql += " WHERE 1"  # SQLite: ON CONFLICT after a SELECT needs its WHERE
        with transaction.atomic(durable=True), db_connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {quote(Message._meta.db_table)} ({target}) "  # noqa: S608
                           f"{sql} ON CONFLICT DO NOTHING", params)
            created += max(cursor.rowcount, 0)
    return created


def _insert(batch: list[Message]) -> int:
    before = len(batch)
    with transaction.atomic(durable=True):
        Message.objects.bulk_create(batch, ignore_conflicts=True, batch_size=FANOUT_CHUNK)
    return before


def dispatch(*, alert_id: int | None = None, municipality_id: int | None = None) -> int:
    """Wake workers for every queued, due row (of one alert, or all)."""
    now = timezone.now()
    queued = Message.objects.filter(status=MessageStatus.QUEUED).filter(
        Q(not_before__isnull=True) | Q(not_before__lte=now))
    if alert_id is not None:
        queued = queued.filter(alert_id=alert_id)
    else:
        queued = queued.filter(Q(claimed_at__isnull=True) |
                               Q(claimed_at__lt=now - REDISPATCH_AFTER))
    if municipality_id is not None:
        queued = queued.filter(municipality_id=municipality_id)
    total = 0
    by_channel: dict[str, list[int]] = defaultdict(list)
    for pk, channel in queued.order_by("pk").values_list("pk", "channel").iterator(
            chunk_size=5000):
        by_channel[channel].append(pk)
    for channel, ids in by_channel.items():
        wake(channel, ids)
        total += len(ids)
    return total


def sweep(*, stale_after: timedelta = STALE_CLAIM) -> dict:
    """Settle claims of dead workers and dispatch what waits (run every minute)."""
    now = timezone.now()
    with tenant_context(None, all_municipalities=True):
        stale = Message.objects.filter(status=MessageStatus.SENDING,
                                       claimed_at__lt=now - stale_after)
        settled = stale.filter(handed_at__isnull=False).exclude(channel=Channel.SMS).update(
            status=MessageStatus.SENT, sent_at=now, claim="",
            error="worker stopped after handing over; not repeated")
        requeued = stale.update(status=MessageStatus.QUEUED, claim="", claimed_at=None)
        # Alerts whose fan-out never ran (the broker was down when they were published).
        waiting = list(Alert.objects.filter(status=AlertStatus.PUBLISHED,
                                            fanout_done_at__isnull=True)
                       .values_list("pk", flat=True))
        for alert_id in waiting:
            start_fan_out(alert_id)
        dispatched = dispatch()
    return {"settled": settled, "requeued": requeued, "fanned_out": len(waiting),
            "dispatched": dispatched}


# --- delivering ---------------------------------------------------------------------------

def deliver(channel: str, ids: list[int]) -> dict:
    """Claim these rows and send them. Safe to run twice and concurrently."""
    claim = uuid.uuid4().hex
    now = timezone.now()
    with tenant_context(None, all_municipalities=True):
        claimed = Message.objects.filter(pk__in=ids, status=MessageStatus.QUEUED).filter(
            Q(not_before__isnull=True) | Q(not_before__lte=now)).update(
            status=MessageStatus.SENDING, claim=claim, claimed_at=now)
        if not claimed:
            return {"claimed": 0}
        result = _send_claimed(channel, claim)
    return {"claimed": claimed, **result}


def deliver_due(channel: str, limit: int) -> dict:
    """Claim up to `limit` due rows of a channel, whichever no other worker is claiming
    (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite serialises writers anyway), and send them.
    For workers that poll the outbox (`manage.py notifications_deliver`): several of them
    in parallel each take their own rows instead of racing for the same first ones."""
    claim = uuid.uuid4().hex
    now = timezone.now()
    with tenant_context(None, all_municipalities=True):
        due = Message.objects.filter(status=MessageStatus.QUEUED, channel=channel).filter(
            Q(not_before__isnull=True) | Q(not_before__lte=now)).order_by("pk")
        with transaction.atomic(durable=True):
            ids = list(due.select_for_update(skip_locked=True).values_list(
                "pk", flat=True)[:limit])
            claimed = Message.objects.filter(pk__in=ids, status=MessageStatus.QUEUED).update(
                status=MessageStatus.SENDING, claim=claim, claimed_at=now) if ids else 0
        if not claimed:
            return {"claimed": 0}
        result = _send_claimed(channel, claim)
    return {"claimed": claimed, **result}


def _send_claimed(channel: str, claim: str) -> dict:
    messages = _claimed_messages(claim)
    sender = {Channel.EMAIL: send_emails, Channel.SMS: send_sms,
              Channel.PUSH: send_pushes}[channel]
    return sender(messages)


def _claimed_messages(claim: str) -> list[Message]:
    """The claimed rows with their subscriber; the few gminas and alerts of a batch are
    fetched once and shared, not joined into every row."""
    messages = list(Message.objects.filter(claim=claim, status=MessageStatus.SENDING)
                    .select_related("subscriber").order_by("pk"))
    municipalities = {m.pk: m for m in Municipality.objects.filter(
        pk__in={message.municipality_id for message in messages})}
    alerts = {a.pk: a for a in Alert.objects.filter(
        pk__in={message.alert_id for message in messages if message.alert_id})}
    for alert in alerts.values():
        alert.municipality = municipalities.get(alert.municipality_id) or alert.municipality
    for message in messages:
        message.municipality = municipalities[message.municipality_id]
        if message.alert_id:
            message.alert = alerts[message.alert_id]
    return messages
