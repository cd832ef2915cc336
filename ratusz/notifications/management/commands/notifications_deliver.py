"""Deliver the outbox in the foreground, without Celery: for operations (a worker that
only sends), the reliability test and the benchmarks.

The command polls the outbox (`delivery.polling_delivery`): it claims every due row of
its channels itself, so it sends no wake-ups to a broker, and `--sweep` fans out waiting
alerts in this process. With `--processes N` it forks N workers; each claims its own
batches (FOR UPDATE SKIP LOCKED on PostgreSQL), so they send in parallel without racing
for the same rows."""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from django.utils import timezone

from ratusz.notifications import delivery
from ratusz.notifications.models import Channel


class Command(BaseCommand):
    help = ("Send queued notification messages until none is due (or forever with --loop), "
            "polling the outbox instead of waiting for Celery wake-ups.")

    def add_arguments(self, parser):
        parser.add_argument("--channel", choices=Channel.values, action="append")
        parser.add_argument("--batch", type=int, default=100)
        parser.add_argument("--loop", action="store_true", help="keep polling")
        parser.add_argument("--poll", type=float, default=1.0,
                            help="seconds between polls of an empty outbox (with --loop)")
        parser.add_argument("--processes", type=int, default=1,
                            help="worker processes sending in parallel")
        parser.add_argument("--smtp", default="", help="HOST:PORT of the SMTP server")
        parser.add_argument("--sweep", action="store_true",
                            help="first settle claims of dead workers and fan out waiting "
                                 "alerts")

    def handle(self, *args, **options):
        with delivery.polling_delivery():
            self.deliver(**options)

    def deliver(self, *, channel, batch, loop, poll, processes, smtp, sweep, **options):
        if smtp:
            host, _sep, port = smtp.rpartition(":")
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT = host, int(port)
            settings.EMAIL_USE_TLS = False
        if sweep:
            delivery.sweep(stale_after=timezone.timedelta(0))
        channels = channel or list(Channel.values)
        if processes <= 1:
            sent = self.work(channels, batch, loop, poll)
            self.stdout.write(f"delivered {sent}")
            return
        connections.close_all()  # each worker opens its own
        context = multiprocessing.get_context("fork")
        counts = context.Queue()
        workers = [context.Process(target=self.child, args=(channels, batch, loop, poll,
                                                            counts), daemon=True)
                   for _ in range(processes)]
        for worker in workers:
            worker.start()

        def stop(signum, frame):
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()
            sys.exit(128 + signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for worker in workers:
            worker.join()
        sent = 0
        while not counts.empty():
            sent += counts.get()
        self.stdout.write(f"delivered {sent} ({processes} processes)")

    def child(self, channels, batch, loop, poll, counts) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        counts.put(self.work(channels, batch, loop, poll))

    @staticmethod
    def work(channels: list[str], batch: int, loop: bool, poll: float) -> int:
        sent = 0
        while True:
            claimed = 0
            for ch in channels:
                claimed += delivery.deliver_due(ch, batch).get("claimed", 0)
            sent += claimed
            if not claimed:
                if not loop:
                    return sent
                time.sleep(poll)
