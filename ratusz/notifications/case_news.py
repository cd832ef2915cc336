"""News of a resident's own case (submitted, a new status, a message or a letter from the
office) through the same outbox as alerts, by the channels the resident chose for
"news of my cases"; without a choice, by e-mail to the address given on the form."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from ratusz.core.tenancy import tenant_context
from ratusz.notifications import templates
from ratusz.notifications.models import (
    Channel,
    MessageKind,
    PushEndpoint,
    Subscriber,
    Subscription,
    TemplatePurpose,
    Topic,
)

SUBJECTS = {"submitted": "Wniosek przyjęty", "message": "Nowa wiadomość w sprawie",
            "letter": "Nowe pismo w sprawie"}
EVENTS = {"submitted": "wniosek przyjęty", "message": "nowa wiadomość z urzędu",
          "letter": "nowe pismo z urzędu"}


def _channels(submission) -> tuple[Subscriber | None, list[str]]:
    if submission.resident_id is None:
        return None, [Channel.EMAIL]
    subscriber = Subscriber.objects.filter(municipality_id=submission.municipality_id,
                                           user_id=submission.resident_id).first()
    if subscriber is None:
        return None, [Channel.EMAIL]
    chosen = set(Subscription.objects.filter(subscriber=subscriber, topic=Topic.CASES)
                 .values_list("channel", flat=True))
    if not chosen:
        return subscriber, [Channel.EMAIL]
    channels = [c for c in (Channel.EMAIL, Channel.SMS, Channel.PUSH) if c in chosen and (
        c == Channel.EMAIL or subscriber.confirmed(c))]
    if Channel.PUSH in channels and not PushEndpoint.objects.filter(
            subscriber=subscriber).exists():
        channels.remove(Channel.PUSH)
    return subscriber, channels or [Channel.EMAIL]


def notify(submission_id: int, event: str, ref: str = "") -> int:
    """Queue the news; `ref` makes the outbox key unique per occurrence (a repeated call
    for the same occurrence queues nothing)."""
    from ratusz.cases.services import STATUS_LABELS_PL
    from ratusz.eservices.models import Submission
    from ratusz.notifications.services import queue_message

    with tenant_context(None, all_municipalities=True):
        submission = Submission.objects.select_related(
            "municipality", "service", "case", "incoming").filter(pk=submission_id).first()
    if submission is None or submission.case is None:
        return 0
    queued = 0
    with tenant_context(submission.municipality):
        case = submission.case
        subscriber, channels = _channels(submission)
        status = STATUS_LABELS_PL.get(case.status, case.status)
        base_url = settings.RATUSZ_PUBLIC_URL.rstrip("/")
        if submission.resident_id:
            link = (f"{base_url}/g/{submission.municipality.slug}/e-urzad/moje-sprawy/"
                    f"{submission.public_id}/")
        else:
            link = f"{base_url}/g/{submission.municipality.slug}/e-urzad/status/"
        values = {"gmina": submission.municipality.name, "case": case.mark,
                  "service": submission.service.name, "status": status,
                  "event": EVENTS.get(event, f"nowy status: {status}"), "link": link,
                  "preferences": ""}
        if subscriber is not None:
            from ratusz.notifications.delivery import preferences_url

            values["preferences"] = preferences_url(submission.municipality, subscriber.token)
        if event == "submitted" and not ref:
            ref = "submitted"
        ref = ref or f"{event}:{int(timezone.now().timestamp() * 1000)}"
        for channel in channels:
            key = f"case:{submission.pk}:{ref}:{channel}"
            if channel == Channel.EMAIL:
                email = submission.email or (subscriber.email if subscriber else "")
                if not email:
                    continue
                subject, body = _email(submission, case, event, status, values)
                recipient = email
            else:
                wording = templates.wording(submission.municipality,
                                            TemplatePurpose.CASE_NEWS, channel)
                subject = templates.render(wording.subject, values)
                body = templates.render(wording.body, values)
                if channel == Channel.SMS:
                    body = templates.sms_text(body, wording.transliterate)
                    recipient = subscriber.phone
                else:
                    recipient = "push"
            if queue_message(submission.municipality, key=key, kind=MessageKind.CASE_NEWS,
                             channel=channel, recipient=recipient, subject=subject,
                             body=body, subscriber=subscriber):
                queued += 1
    return queued


def _email(submission, case, event, status, values) -> tuple[str, str]:
    from ratusz.notifications.models import Template

    own = Template.objects.filter(municipality_id=submission.municipality_id,
                                  purpose=TemplatePurpose.CASE_NEWS,
                                  channel=Channel.EMAIL).first()
    subject = f"{SUBJECTS.get(event, 'Zmiana statusu sprawy')}: {case.mark}"
    if own is not None:
        return (templates.render(own.subject, values) or subject,
                templates.render(own.body, values))
    body = render_to_string("eservices/email/status.txt", {
        "submission": submission, "case": case, "event": event,
        "municipality": submission.municipality, "status": status,
        "base_url": settings.RATUSZ_PUBLIC_URL.rstrip("/")})
    if values.get("preferences"):
        body += f"\nUstawienia powiadomień: {values['preferences']}\n"
    return subject, body
