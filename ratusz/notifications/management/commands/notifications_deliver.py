"""Deliver the outbox in the foreground, without Celery: for operations (a worker that
only sends), the reliability test and the benchmarks."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from ratusz.core.tenancy import tenant_context
from ratusz.notifications import delivery
from ratusz.notifications.models import Channel, Message, MessageStatus


class Command(BaseCommand):
    help = "Send queued notification messages until none is due (or forever with --loop)."

    def add_arguments(self, parser):
        parser.add_argument("--channel", choices=Channel.values, action="append")
        parser.add_argument("--batch", type=int, default=100)
        parser.add_argument("--loop", action="store_true", help="keep polling")
        parser.add_argument("--smtp", default="", help="HOST:PORT of the SMTP server")
        parser.add_argument("--sweep", action="store_true",
                            help="first settle claims of dead workers")

    def handle(self, *args, channel, batch, loop, smtp, sweep, **options):
        if smtp:
            host, _sep, port = smtp.rpartition(":")
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT = host, int(port)
            settings.EMAIL_USE_TLS = False
        settings.RATUSZ_INLINE_TASKS = True  # wake-ups are handled by this loop
        if sweep:
            delivery.sweep(stale_after=timezone.timedelta(0))
        channels = channel or list(Channel.values)
        sent = 0
        while True:
            with tenant_context(None, all_municipalities=True):
                now = timezone.now()
                due = Message.objects.filter(status=MessageStatus.QUEUED,
                                             channel__in=channels).filter(
                    Q(not_before__isnull=True) | Q(not_before__lte=now))
                rows = list(due.order_by("pk").values_list("pk", "channel")[:batch])
            if not rows:
                if not loop:
                    break
                time.sleep(1)
                continue
            by_channel: dict[str, list[int]] = {}
            for pk, ch in rows:
                by_channel.setdefault(ch, []).append(pk)
            for ch, ids in by_channel.items():
                result = delivery.deliver(ch, ids)
                sent += result.get("claimed", 0)
        self.stdout.write(f"delivered {sent}")
