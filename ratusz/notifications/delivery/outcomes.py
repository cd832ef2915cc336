"""What a sender records about the messages it handled — sent, or failed with a retry after
a backoff — and how fast it may go (a per-second budget shared by the workers)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from ratusz.notifications.models import Message, MessageStatus

MAX_ATTEMPTS = 10


def retry_or_fail(message: Message, error: str, *, permanent: bool = False,
                  status: str = MessageStatus.FAILED) -> None:
    """Back to the queue after a backoff (30 s doubling, up to 1 h), or `status` for good
    when the failure is permanent or the attempts are used up."""
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


def mark_sent(ids: list[int], **extra) -> None:
    if ids:
        Message.objects.filter(pk__in=ids).update(
            status=MessageStatus.SENT, sent_at=timezone.now(), claim="", **extra)


class Throttle:
    """A per-second budget shared by the workers through the cache (Redis in production):
    `take(n)` waits until n more messages fit into the current second. Rate 0 = no limit."""

    def __init__(self, name: str, rate: int):
        self.name, self.rate = name, int(rate or 0)

    def take(self, n: int) -> None:
        if self.rate <= 0:
            return
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
