"""Run the exchange's pump: send, collect evidences, fetch the mailboxes, again and again."""

import time

from django.core.management.base import BaseCommand

from ratusz.exchange import services


class Command(BaseCommand):
    help = "Send the outbox and fetch the e-Doręczenia and ePUAP mailboxes, in a loop."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0,
                            help="seconds between rounds when a round found nothing")
        parser.add_argument("--once", action="store_true", help="one round, then stop")
        parser.add_argument("--shard", default="", help="i/n: this pump's share of the gminy "
                            "when n pumps run (gminy by id modulo n)")

    def handle(self, *args, interval, once, shard, **options):
        share = tuple(int(part) for part in shard.split("/")) if shard else None
        while True:
            counts = services.run_round(shard=share)
            if once:
                self.stdout.write(str(counts))
                return
            if not any(counts.values()):
                time.sleep(interval)
