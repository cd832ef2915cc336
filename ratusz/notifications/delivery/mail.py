"""E-mail: the RFC 5322 bytes of a message (with the one-click unsubscribe headers of
RFC 8058) and sending — over one reused SMTP connection per worker with `handed_at`
committed before the final dot, or through Django's mail backend (the embedded default
and the tests)."""

from __future__ import annotations

import binascii
import contextlib
import functools
import hashlib
import smtplib
import socket
import threading
import time
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection as db_connection
from django.utils import timezone

from ratusz.notifications.delivery.outcomes import Throttle, mark_sent, retry_or_fail
from ratusz.notifications.delivery.rendering import message_text, unsubscribe_url
from ratusz.notifications.models import Channel, Message, MessageKind, MessageStatus

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
    throttle = Throttle("email", getattr(settings, "RATUSZ_NOTIFY_EMAIL_RATE", 0))
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
                retry_or_fail(message, f"{code} {reply.decode(errors='replace')}",
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
            retry_or_fail(message, f"SMTP: {error}")
            failed += 1
            continue
        if code == 250:
            sent.append(message.pk)
            if len(sent) >= 200:
                mark_sent(sent, provider="smtp")
                sent = []
        else:
            retry_or_fail(message, f"{code} {reply.decode(errors='replace')}",
                           permanent=code >= 500, status=MessageStatus.BOUNCED)
            failed += 1
    mark_sent(sent, provider="smtp")
    return {"failed": failed}


def _send_emails_django(messages: list[Message]) -> dict:
    """The embedded default (files under var/mail) and the test backend."""
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
            retry_or_fail(message, str(error))
            failed += 1
            continue
        sent.append(message.pk)
    mark_sent(sent, provider="django")
    return {"failed": failed}


