"""Document exchange between gminy of the platform through the e-Doręczenia simulator,
registered on arrival.

    .venv/bin/python bench/exchange.py [--messages 10000] [--gminy 20] [--rate 150]

Makes a throw-away SQLite database (RATUSZ_VAR_DIR in a temporary folder), migrates,
creates --gminy gminy through the services, each office with an ADE and a mailbox in a
freshly started simulator process, then, in one process, queues messages (one small PDF
each, to a random other gmina) at --rate per second while the pump runs its rounds (send,
collect evidences, fetch every mailbox, register in the addressee's RPW). Prints the
messages per second end to end (first queued to last registered), the delay from queueing
to the RPW entry (p50/p99), and MISS where the goal (≥ 100 messages/s, p99 ≤ 5 s) is
missed. The simulator, the pump and SQLite share the machine's 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_RATE = 100
GOAL_P99 = 5.0
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--gminy", type=int, default=20)
    parser.add_argument("--rate", type=float, default=150.0)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="ratusz-bench-exchange-")
    os.environ["RATUSZ_VAR_DIR"] = folder
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ["LOG_LEVEL"] = "ERROR"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from ratusz.core import services as core_services
    from ratusz.core.models import Unit
    from ratusz.core.tenancy import tenant_context
    from ratusz.exchange import services
    from ratusz.exchange.models import InboundMessage, OutboundMessage
    from ratusz.testing.edelivery import start_edelivery_simulator

    call_command("migrate", verbosity=0)
    simulator = start_edelivery_simulator(str(Path(folder) / "exchange"))
    for name, value in simulator.settings().items():
        setattr(settings, name, value)
    offices = []
    with tenant_context(None, all_municipalities=True):
        for number in range(args.gminy):
            municipality = core_services.create_municipality(
                acting_user=None, office_name=f"Urząd Gminy Bench {number}",
                name=f"Bench {number}", official_name=f"Gmina Bench {number}",
                slug=f"bench-{number}", teryt=f"{9700000 + number:07d}", kind="rural",
                voivodeship="lubelskie", county="lubelski", city="Benchowo")
            office = Unit.objects.for_municipality(municipality).get(kind="office")
            ade = f"AE:PL-{97000 + number:05d}-{number:05d}-BENCH-00"
            services.assign_ade(office, acting_user=None, ade=ade)
            simulator.add_mailbox(ade, office.name)
            office.refresh_from_db()
            offices.append(office)
    print(f"{args.gminy} gminy ready; sending {args.messages} messages at {args.rate}/s",
          flush=True)
    rng = random.Random(19)
    queued = 0
    started = time.monotonic()
    deadline = started + args.messages / args.rate * 3 + 120
    with tenant_context(None, all_municipalities=True):
        while time.monotonic() < deadline:
            due = min(args.messages, int((time.monotonic() - started) * args.rate) + 1)
            while queued < due:
                sender, recipient = rng.sample(offices, 2)
                with tenant_context(sender.municipality):
                    services.queue_message(
                        sender, acting_user=None, recipient_ade=recipient.ade,
                        recipient_name=recipient.name, subject=f"Pismo A2A nr {queued}",
                        body="Benchmark", files=[(f"pismo-{queued}.pdf", PDF)])
                queued += 1
            services.run_round()
            if queued >= args.messages and InboundMessage.objects.filter(
                    status="registered").count() >= args.messages:
                break
        registered = list(InboundMessage.objects.filter(status="registered")
                          .values_list("provider_message_id", "fetched_at"))
        created = dict(OutboundMessage.objects.values_list("provider_message_id",
                                                            "created_at"))
    simulator.stop()
    delays = sorted((fetched - created[pid]).total_seconds() for pid, fetched in registered
                    if pid in created)
    if not delays:
        print("MISS: nothing was registered")
        return
    first = min(created.values())
    last = max(fetched for _pid, fetched in registered)
    rate = len(registered) / max((last - first).total_seconds(), 1e-6)
    p50 = statistics.median(delays)
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))]
    print(f"registered {len(registered)}/{args.messages} messages between {args.gminy} gminy")
    print(f"end to end: {rate:.1f} messages/s" + ("" if rate >= GOAL_RATE else
                                                   f"  MISS (goal ≥ {GOAL_RATE}/s)"))
    print(f"queue → RPW entry: p50 {p50:.2f} s, p99 {p99:.2f} s" + (
        "" if p99 <= GOAL_P99 else f"  MISS (goal p99 ≤ {GOAL_P99} s)"))
    if len(registered) < args.messages:
        print(f"MISS: {args.messages - len(registered)} messages not registered in time")


if __name__ == "__main__":
    main()
