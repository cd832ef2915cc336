"""Web push: each message to every browser of its subscriber; a browser the push service
says is gone is forgotten."""

from __future__ import annotations

from collections import defaultdict

from django.utils import timezone

from ratusz.notifications import webpush
from ratusz.notifications.delivery.outcomes import mark_sent, retry_or_fail
from ratusz.notifications.delivery.rendering import alert_values, message_text
from ratusz.notifications.models import Message, PushEndpoint, Severity


def send_pushes(messages: list[Message]) -> dict:
    sent, failed = [], 0
    endpoints: dict[int, list[PushEndpoint]] = defaultdict(list)
    for endpoint in PushEndpoint.objects.filter(
            subscriber_id__in=[m.subscriber_id for m in messages if m.subscriber_id]):
        endpoints[endpoint.subscriber_id].append(endpoint)
    for message in messages:
        subject, body = message_text(message)
        targets = endpoints.get(message.subscriber_id, [])
        if not targets:
            retry_or_fail(message, "no push subscription left", permanent=True)
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
            retry_or_fail(message, "push service unavailable")
            failed += 1
        else:
            retry_or_fail(message, "push refused: " + ",".join(outcomes), permanent=True)
            failed += 1
    mark_sent(sent, provider="webpush")
    return {"failed": failed}


