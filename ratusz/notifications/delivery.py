"""Delivery: from a published alert to messages in the outbox (fan-out), and from the
outbox to SMTP, the SMS gateways and the push services.

Exactly once, even when a worker dies:
- the fan-out inserts one row per (alert, subscriber, channel) under a unique key, in
  batches, ignoring rows that exist: running it twice (a retried task) adds nothing;
- a worker *claims* queued rows (one UPDATE … WHERE status='queued'), so two workers never
  send the same row;
- just before the step that hands a message over (the final "." of SMTP DATA, the push
  POST) the worker commits `handed_at`. A claim left behind by a dead worker is settled by
  `sweep`: handed → sent (the server had it), not handed → queued again. For SMS the
  gateway itself refuses a reference it has already accepted (SMSAPI `check_idx`), so an
  unsettled SMS batch is simply sent again;
- the broker only carries wake-up calls (ids); the rows wait in the outbox during a broker
  outage and `sweep` (Celery beat, every minute) dispatches what is due.
"""

from __future__ import annotations

import binascii
import contextlib
import functools
import hashlib
import logging
import re
import smtplib
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import CharField, DateTimeField, F, Max, Min, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone

from ratusz.core.models import Municipality
from ratusz.core.tenancy import tenant_context
from ratusz.notifications import templates
from ratusz.notifications.models import (
    SEVERE_LEVELS,
    Alert,
    AlertStatus,
    Channel,
    Message,
    MessageKind,
    MessageStatus,
    PushEndpoint,
    Severity,
    Subscriber,
    Subscription,
    TemplatePurpose,
)

logger = logging.getLogger("ratusz.notifications")
WARSAW = ZoneInfo("Europe/Warsaw")

#: How many ids one delivery task carries, per channel.
BATCH = {Channel.EMAIL: 500, Channel.SMS: 2000, Channel.PUSH: 200}
FANOUT_CHUNK = 2000
MAX_ATTEMPTS = 10
STALE_CLAIM = timedelta(minutes=5)
REDISPATCH_AFTER = timedelta(minutes=2)


def _setting(name: str, default):
    return getattr(settings, name, default)


def _inline() -> bool:
    return bool(_setting("RATUSZ_INLINE_TASKS", False))


def public_url() -> str:
    return settings.RATUSZ_PUBLIC_URL.rstrip("/")


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

def wake(channel: str, ids: list[int]) -> None:
    """Ask a worker to deliver these rows; if the broker is down they wait in the outbox
    for the next sweep."""
    if not ids:
        return
    if _inline():
        deliver(channel, ids)
        return
    from ratusz.notifications import tasks

    now = timezone.now()
    size = BATCH[channel]
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        try:
            tasks.deliver_task.delay(channel, chunk)
        except Exception:  # noqa: BLE001 - any broker failure: the outbox keeps the rows
            logger.warning("notifications: broker unreachable, %d %s messages wait in the "
                           "outbox", len(ids) - start, channel)
            return
        Message.objects.filter(pk__in=chunk, status=MessageStatus.QUEUED).update(
            claimed_at=now)


def start_fan_out(alert_id: int) -> None:
    if _inline():
        fan_out(alert_id)
        return
    from ratusz.notifications import tasks

    try:
        tasks.fan_out_task.delay(alert_id)
    except Exception:  # noqa: BLE001
        logger.warning("notifications: broker unreachable, alert %s waits for the sweep",
                       alert_id)


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
        with transaction.atomic(), db_connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {quote(Message._meta.db_table)} ({target}) "  # noqa: S608
                           f"{sql} ON CONFLICT DO NOTHING", params)
            created += max(cursor.rowcount, 0)
    return created


def _insert(batch: list[Message]) -> int:
    before = len(batch)
    with transaction.atomic():
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
        with transaction.atomic():
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


def _retry_or_fail(message: Message, error: str, *, permanent: bool = False,
                   status: str = MessageStatus.FAILED) -> None:
    attempts = message.attempts + 1
    if permanent or attempts >= MAX_ATTEMPTS:
        Message.objects.filter(pk=message.pk).update(
            status=status, attempts=attempts, error=error[:500], claim="")
        return
    delay = min(30 * 2 ** (attempts - 1), 3600)
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.QUEUED, attempts=attempts, error=error[:500], claim="",
        claimed_at=None, handed_at=None,
        not_before=timezone.now() + timedelta(seconds=delay))


def _mark_sent(ids: list[int], **extra) -> None:
    if ids:
        Message.objects.filter(pk__in=ids).update(
            status=MessageStatus.SENT, sent_at=timezone.now(), claim="", **extra)


# --- rendering ----------------------------------------------------------------------------

_content_cache: dict[tuple, tuple[str, str, bool]] = {}
_content_lock = threading.Lock()


def _local(value) -> str:
    return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else ""


SEVERITY_WORDS = {"Extreme": "ekstremalna", "Severe": "poważna", "Moderate": "umiarkowana",
                  "Minor": "niewielka"}


def alert_values(alert: Alert, *, area_names: list[str] | None = None,
                 alert_id: int | None = None) -> dict[str, str]:
    """The placeholder values of an alert. An unsaved one (the compose preview) passes its
    localities' names and the id it will likely get (its link's length matters for SMS)."""
    if area_names is None:
        area_names = list(alert.localities.values_list("name", flat=True))
    area = ", ".join(area_names) or f"cała gmina {alert.municipality.name}"
    prefix = {"Update": "AKTUALIZACJA: ", "Cancel": "ODWOŁANIE: "}.get(alert.msg_type, "")
    link = public_url() + reverse("alerts:alert", kwargs={
        "municipality_slug": alert.municipality.slug, "alert_id": alert_id or alert.pk})
    return {"gmina": alert.municipality.name, "event": alert.event,
            "headline": prefix + alert.headline, "description": alert.description,
            "instruction": alert.instruction, "area": area, "onset": _local(alert.onset),
            "expires": _local(alert.expires),
            "severity": SEVERITY_WORDS.get(alert.severity, "nieznana"), "link": link}


def alert_content(alert: Alert, channel: str) -> tuple[str, str, bool]:
    """(subject, body, transliterate) of an alert for a channel; the body keeps the
    per-recipient ((preferences)) placeholder. Cached per process."""
    key = (alert.pk, channel, alert.municipality_id, alert.published_at, alert.headline)
    with _content_lock:
        found = _content_cache.get(key)
    if found:
        return found
    wording = templates.wording(alert.municipality, TemplatePurpose.ALERT, channel)
    values = alert_values(alert)
    subject = templates.render(wording.subject, values)
    body = templates.render(wording.body, values, keep=templates.PER_RECIPIENT)
    if channel == Channel.SMS:
        body = templates.sms_text(body, wording.transliterate)
    result = (subject, body, wording.transliterate)
    with _content_lock:
        if len(_content_cache) > 1000:
            _content_cache.clear()
        _content_cache[key] = result
    return result


_PLAIN_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")
_URL_SENTINEL = "TOKEN0SENTINEL0TOKEN"


@functools.lru_cache(maxsize=256)
def _token_url_parts(base: str, prefix: str, urlconf: str, name: str,
                     slug: str) -> tuple[str, str]:
    # `prefix` and `urlconf` are not read: they are in the cache key because reverse()
    # depends on them.
    url = base + reverse(name, kwargs={"municipality_slug": slug, "token": _URL_SENTINEL})
    before, _sentinel, after = url.partition(_URL_SENTINEL)
    return before, after


def _token_url(name: str, municipality, token: str) -> str:
    """public_url() + reverse(name, slug, token), the reverse done once per gmina (the
    worker builds two such links per e-mail). Tokens other than plain URL-safe
    characters go through reverse() for its quoting."""
    if not _PLAIN_TOKEN.match(token):
        return public_url() + reverse(name, kwargs={"municipality_slug": municipality.slug,
                                                     "token": token})
    before, after = _token_url_parts(public_url(), get_script_prefix(),
                                     str(get_urlconf() or settings.ROOT_URLCONF), name,
                                     municipality.slug)
    return before + token + after


def preferences_url(municipality, token: str) -> str:
    return _token_url("notifications:preferences", municipality, token)


def unsubscribe_url(municipality, token: str, channel: str) -> str:
    return _token_url("notifications:unsubscribe", municipality, token) + f"?kanal={channel}"


def message_text(message: Message) -> tuple[str, str]:
    """Subject and body of one message, complete."""
    if message.kind == MessageKind.ALERT:
        subject, body, _t = alert_content(message.alert, message.channel)
        token = message.subscriber.token if message.subscriber else ""
        body = body.replace("((preferences))",
                            preferences_url(message.municipality, token) if token else "")
        return subject, body
    return message.subject, message.body


# --- e-mail -------------------------------------------------------------------------------

_smtp_local = threading.local()


def _smtp_backend() -> bool:
    return settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"


def _smtp() -> smtplib.SMTP:
    connection = getattr(_smtp_local, "connection", None)
    target = (settings.EMAIL_HOST, settings.EMAIL_PORT)
    if connection is not None and getattr(_smtp_local, "target", None) == target:
        return connection
    connection = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=30)
    # The final "." goes out alone after the body (the handed_at commit sits between):
    # with Nagle's algorithm it would wait for the ACK of the body, delayed by up to
    # 40 ms on Linux, per message.
    connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    connection.ehlo()
    if settings.EMAIL_USE_TLS:
        connection.starttls()
        connection.ehlo()
    if settings.EMAIL_HOST_USER:
        connection.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
    _smtp_local.connection, _smtp_local.target = connection, target
    return connection


def _drop_smtp() -> None:
    connection = getattr(_smtp_local, "connection", None)
    _smtp_local.connection = None
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.close()


def _header(value: str) -> str:
    try:
        value.encode("ascii")
        return value
    except UnicodeEncodeError:
        return Header(value, "utf-8").encode()


@functools.lru_cache(maxsize=256)
def _fixed_headers(from_email: str, gmina_name: str, gmina_slug: str, subject: str
                   ) -> tuple[str, str, str, str]:
    """The From, Subject and List-ID lines and the sender's domain: the same for every
    message of a gmina and subject, so encoded once per worker, not per message."""
    _sender_name, sender_address = parseaddr(from_email)
    domain = sender_address.rpartition("@")[2] or "ratusz.localhost"
    sender = formataddr((_header(gmina_name + " – powiadomienia"), sender_address))
    return (f"From: {sender}", f"Subject: {_header(subject)}",
            f"List-ID: <{gmina_slug}.powiadomienia.{domain}>", domain)


_date_cache: list = [0, ""]


def _date_header() -> str:
    """formatdate(localtime=True), computed once per second."""
    second = int(time.time())
    if _date_cache[0] != second:
        _date_cache[0], _date_cache[1] = second, formatdate(second, localtime=True)
    return _date_cache[1]


def one_click_headers(message: Message) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe headers: on everything sent to a subscriber except
    the address's confirmation."""
    if not message.subscriber_id or message.kind == MessageKind.VERIFY:
        return {}
    url = unsubscribe_url(message.municipality, message.subscriber.token, Channel.EMAIL)
    return {"List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def build_email(message: Message, subject: str, body: str) -> bytes:
    """The RFC 5322 bytes of one message (quoted-printable UTF-8 text), with the one-click
    unsubscribe headers of RFC 8058 on everything sent to subscribers."""
    gmina = message.municipality
    from_line, subject_line, list_id, domain = _fixed_headers(
        settings.DEFAULT_FROM_EMAIL, gmina.name, gmina.slug, subject)
    message_id = hashlib.sha256(message.key.encode()).hexdigest()[:32]
    lines = [
        from_line,
        f"To: {message.recipient}",
        subject_line,
        f"Date: {_date_header()}",
        f"Message-ID: <{message_id}@{domain}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "Auto-Submitted: auto-generated",
    ]
    one_click = one_click_headers(message)
    if one_click:
        lines.extend(f"{name}: {value}" for name, value in one_click.items())
        lines.append(list_id)
    encoded = binascii.b2a_qp(body.replace("\r\n", "\n").encode("utf-8"))
    encoded = encoded.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + encoded + b"\r\n"


def _dot_stuff(data: bytes) -> bytes:
    if data.startswith(b"."):
        data = b"." + data
    return data.replace(b"\r\n.", b"\r\n..")


def send_emails(messages: list[Message]) -> dict:
    if not _smtp_backend():
        return _send_emails_django(messages)
    sent: list[int] = []
    failed = 0
    envelope_from = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    throttle = Throttle("email", _setting("RATUSZ_NOTIFY_EMAIL_RATE", 0))
    quote = db_connection.ops.quote_name
    handed_sql = (f"UPDATE {quote(Message._meta.db_table)} SET "  # noqa: S608
                  f"{quote(Message._meta.get_field('handed_at').column)} = %s "
                  f"WHERE {quote(Message._meta.pk.column)} = %s")
    for message in messages:
        throttle.take(1)
        subject, body = message_text(message)
        data = _dot_stuff(build_email(message, subject, body))
        try:
            smtp = _smtp()
            # MAIL and RCPT as plain commands: smtplib's mail()/rcpt() parse the address
            # again for every message (putcmd still refuses CR/LF in a command).
            code, reply = smtp.docmd(f"MAIL FROM:<{envelope_from}>")
            if code != 250:
                raise smtplib.SMTPResponseException(code, reply)
            code, reply = smtp.docmd(f"RCPT TO:<{message.recipient}>")
            if code not in (250, 251):
                smtp.rset()
                _retry_or_fail(message, f"{code} {reply.decode(errors='replace')}",
                               permanent=code >= 500, status=MessageStatus.BOUNCED)
                failed += 1
                continue
            code, reply = smtp.docmd("DATA")
            if code != 354:
                raise smtplib.SMTPResponseException(code, reply)
            smtp.send(data)
            # The point of no return: recorded (committed: autocommit) before the final
            # dot hands it over. Plain SQL: this runs once per message.
            with db_connection.cursor() as cursor:
                cursor.execute(handed_sql, [timezone.now(), message.pk])
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            _drop_smtp()
            _retry_or_fail(message, f"SMTP: {error}")
            failed += 1
            continue
        if code == 250:
            sent.append(message.pk)
            if len(sent) >= 200:
                _mark_sent(sent, provider="smtp")
                sent = []
        else:
            _retry_or_fail(message, f"{code} {reply.decode(errors='replace')}",
                           permanent=code >= 500, status=MessageStatus.BOUNCED)
            failed += 1
    _mark_sent(sent, provider="smtp")
    return {"failed": failed}


def _send_emails_django(messages: list[Message]) -> dict:
    """The embedded default (files under var/mail) and the test backend."""
    from django.core.mail import EmailMessage, get_connection

    connection = get_connection()
    sent, failed = [], 0
    for message in messages:
        subject, body = message_text(message)
        email = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [message.recipient],
                             headers=one_click_headers(message), connection=connection)
        Message.objects.filter(pk=message.pk).update(handed_at=timezone.now())
        try:
            email.send()
        except (OSError, smtplib.SMTPException) as error:
            _retry_or_fail(message, str(error))
            failed += 1
            continue
        sent.append(message.pk)
    _mark_sent(sent, provider="django")
    return {"failed": failed}


# --- SMS ----------------------------------------------------------------------------------

def sms_gateways():
    from ratusz.notifications.gateways import build_gateways

    return build_gateways(_setting("RATUSZ_SMS_GATEWAYS", []))


def sms_callback_url(gateway_name: str) -> str:
    from ratusz.notifications.views import callback_key

    return public_url() + reverse("notifications-callbacks:sms", kwargs={
        "gateway": gateway_name}) + f"?key={callback_key(gateway_name)}"


def send_sms(messages: list[Message]) -> dict:
    from ratusz.notifications.gateways import send_with_failover
    from ratusz.notifications.gateways.base import (
        GatewayUnavailable,
        SmsAccepted,
        SmsToSend,
    )
    from ratusz.notifications.sms import measure

    gateways = sms_gateways()
    if not gateways:
        for message in messages:
            _retry_or_fail(message, "no SMS gateway configured (RATUSZ_SMS_GATEWAYS)")
        return {"failed": len(messages)}
    by_reference = {}
    batch = []
    for message in messages:
        _subject, text = message_text(message)
        reference = f"r{message.pk}"
        by_reference[reference] = (message, measure(text).parts)
        batch.append(SmsToSend(reference=reference, to=message.recipient, text=text))
    sender = _setting("RATUSZ_SMS_SENDER", "Ratusz")
    Throttle("sms", _setting("RATUSZ_NOTIFY_SMS_RATE", 0)).take(len(batch))
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
                _retry_or_fail(message, f"all SMS gateways unavailable: {error}")
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
            _retry_or_fail(message, f"{result.code} {result.message}",
                           permanent=result.permanent)
            failed += 1
    with transaction.atomic():
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
    """Delivery reports from a gateway's callback: delivered / failed. A callback carries
    many reports; the delivered ones are written in one statement per callback."""
    updated = 0
    now = timezone.now()
    delivered: dict[int, datetime] = {}  # message id → the report's time
    with tenant_context(None, all_municipalities=True):
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


# --- web push -----------------------------------------------------------------------------

def send_pushes(messages: list[Message]) -> dict:
    from ratusz.notifications import webpush

    sent, failed = [], 0
    endpoints: dict[int, list[PushEndpoint]] = defaultdict(list)
    for endpoint in PushEndpoint.objects.filter(
            subscriber_id__in=[m.subscriber_id for m in messages if m.subscriber_id]):
        endpoints[endpoint.subscriber_id].append(endpoint)
    for message in messages:
        subject, body = message_text(message)
        targets = endpoints.get(message.subscriber_id, [])
        if not targets:
            _retry_or_fail(message, "no push subscription left", permanent=True)
            failed += 1
            continue
        severity = message.alert.severity if message.alert_id else ""
        payload = {"title": subject, "body": body[:1000], "tag": message.key[:60],
                   "url": message.alert and alert_values(message.alert)["link"] or "",
                   "severity": severity}
        Message.objects.filter(pk=message.pk).update(handed_at=timezone.now())
        outcomes = []
        for endpoint in targets:
            result = webpush.send_push(
                {"endpoint": endpoint.endpoint,
                 "keys": {"p256dh": endpoint.p256dh, "auth": endpoint.auth}},
                payload, urgency="high" if severity in (Severity.SEVERE, Severity.EXTREME)
                else "normal")
            outcomes.append(result.status)
            if result.status == "gone":
                endpoint.delete()
            elif result.status == "sent":
                PushEndpoint.objects.filter(pk=endpoint.pk).update(
                    last_success_at=timezone.now())
        if "sent" in outcomes:
            sent.append(message.pk)
        elif "retry" in outcomes:
            _retry_or_fail(message, "push service unavailable")
            failed += 1
        else:
            _retry_or_fail(message, "push refused: " + ",".join(outcomes), permanent=True)
            failed += 1
    _mark_sent(sent, provider="webpush")
    return {"failed": failed}


# --- rate limits --------------------------------------------------------------------------

class Throttle:
    """A per-second budget shared by the workers through the cache (Redis in production):
    `take(n)` waits until n more messages fit into the current second. Rate 0 = no limit."""

    def __init__(self, name: str, rate: int):
        self.name, self.rate = name, int(rate or 0)

    def take(self, n: int) -> None:
        if self.rate <= 0:
            return
        from django.core.cache import cache

        while True:
            second = int(time.time())
            key = f"notify-rate:{self.name}:{second}"
            cache.add(key, 0, timeout=5)
            try:
                used = cache.incr(key, n)
            except ValueError:
                used = n
            if used - n < self.rate or n > self.rate and used == n:
                return
            time.sleep(max(0.0, second + 1 - time.time()))
