"""Messages into the outbox: one message (idempotent on its key), and the news of a
person's own cases, which the app that owns the case composes and hands over as plain
data."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ratusz.notifications import selectors, templates
from ratusz.notifications.delivery import after_quiet_hours, preferences_url, wake_after_commit
from ratusz.notifications.models import Channel, Message, MessageKind, Subscriber, TemplatePurpose


def queue_message(municipality, *, key: str, kind: str, channel: str, recipient: str,
                  body: str, subject: str = "", subscriber: Subscriber | None = None,
                  bypass_quiet_hours: bool = False) -> Message | None:
    """Put one message in the outbox, in the caller's transaction (idempotent on `key`),
    and wake a worker once it commits. Returns None when that key was queued before."""
    not_before = None
    if subscriber is not None and not bypass_quiet_hours:
        not_before = after_quiet_hours(subscriber, timezone.now())
    message, created = Message.objects.get_or_create(key=key, defaults={
        "municipality": municipality, "kind": kind, "channel": channel,
        "recipient": recipient, "subject": subject, "body": body,
        "subscriber": subscriber, "not_before": not_before})
    if not created:
        return None
    wake_after_commit(channel, [message.pk])
    return message


@transaction.atomic(durable=True)
def queue_personal_news(municipality, *, user_id: int | None, email: str, key: str,
                        values: dict[str, str], email_subject: str, email_body: str) -> int:
    """Queue news of a person's own case by the channels they chose for "news of my cases"
    (SMS and web push only once confirmed); without a choice, or for someone without an
    account (`user_id` None), by e-mail to `email` (else the subscriber's address).

    `values` fill the gmina's CASE_NEWS templates (gmina, case, service, status, event,
    link; the settings link is added here). The e-mail is `email_subject`/`email_body`
    unless the gmina has its own e-mail wording. `key` is unique per occurrence: a
    repeated call for it queues nothing. Returns how many messages were queued."""
    subscriber, channels = selectors.news_channels(municipality, user_id)
    values = {**values, "preferences": preferences_url(municipality, subscriber.token)
              if subscriber is not None else ""}
    queued = 0
    for channel in channels:
        if channel == Channel.EMAIL:
            recipient = email or (subscriber.email if subscriber else "")
            if not recipient:
                continue
            subject, body = _news_email(municipality, values, email_subject, email_body)
        else:
            wording = selectors.template_wording(municipality, TemplatePurpose.CASE_NEWS,
                                                 channel)
            subject = templates.render(wording.subject, values)
            body = templates.render(wording.body, values)
            if channel == Channel.SMS:
                body = templates.sms_text(body, wording.transliterate)
                recipient = subscriber.phone
            else:
                recipient = "push"
        if queue_message(municipality, key=f"{key}:{channel}", kind=MessageKind.CASE_NEWS,
                         channel=channel, recipient=recipient, subject=subject, body=body,
                         subscriber=subscriber):
            queued += 1
    return queued


def _news_email(municipality, values: dict[str, str], subject: str, body: str
                ) -> tuple[str, str]:
    own = selectors.own_template(municipality, TemplatePurpose.CASE_NEWS, Channel.EMAIL)
    if own is not None:
        return (templates.render(own.subject, values) or subject,
                templates.render(own.body, values))
    if values["preferences"]:
        body += f"\nUstawienia powiadomień: {values['preferences']}\n"
    return subject, body
