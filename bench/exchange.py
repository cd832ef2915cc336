"""Document exchange between gminy of the platform through the e-Doręczenia simulator,
registered on arrival.

    .venv/bin/python bench/exchange.py [--messages 10000] [--gminy 20] [--rate 150]
                                       [--pumps 2] [--timeout 1800]

Makes a throw-away SQLite database (RATUSZ_VAR_DIR in a temporary folder), migrates,
creates --gminy gminy through the services, each office with an ADE and a mailbox in a
freshly started simulator process, starts --pumps pump processes (`manage.py
exchange_pump --shard i/n`: each sends, collects evidences and fetches for its share of
the gminy), then queues messages (one small PDF each, from a random gmina to a random
other) at --rate per second and waits until every one is registered in its addressee's
RPW. Prints messages per second end to end (first queued to last registered), the delay
from queueing to the RPW entry (p50/p99), the CPU spent per message by the pumps and by
the simulator, and MISS where the goal (≥ 100 messages/s, p99 ≤ 5 s) is missed. The
simulator, the pumps, the producer and SQLite share the machine's 2 cores.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, process_cpu, stop

GOAL_RATE = 100
GOAL_P99 = 5.0
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--gminy", type=int, default=20)
    parser.add_argument("--rate", type=float, default=150.0)
    parser.add_argument("--pumps", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800.0,
                        help="give up this many seconds after the first message")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="ratusz-bench-exchange-")
    os.environ["RATUSZ_VAR_DIR"] = folder
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ["DEBUG"] = "0"
    os.environ["LOG_LEVEL"] = "ERROR"
    import django

    django.setup()
    from django.core.management import call_command

    from ratusz.core import services as core_services
    from ratusz.core.models import Unit
    from ratusz.core.tenancy import tenant_context
    from ratusz.exchange import services
    from ratusz.exchange.models import InboundMessage, OutboundMessage
    from ratusz.testing.edelivery import start_edelivery_simulator

    call_command("migrate", verbosity=0)
    simulator = start_edelivery_simulator(str(Path(folder) / "exchange"))
    os.environ.update({name: str(value) for name, value in simulator.settings().items()})
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
    pumps = [subprocess.Popen(
        [sys.executable, "manage.py", "exchange_pump", "--interval", "0.05",
         "--shard", f"{index}/{args.pumps}"], cwd=ROOT, env=os.environ.copy())
        for index in range(args.pumps)]
    print(f"{args.gminy} gminy, {args.pumps} pumps; sending {args.messages} messages at "
          f"{args.rate}/s", flush=True)
    rng = random.Random(19)
    queued = registered_count = 0
    started = time.monotonic()
    cpu_before = {p.pid: process_cpu(p.pid) for p in pumps}
    simulator_before = process_cpu(simulator.process.pid)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    try:
        with tenant_context(None, all_municipalities=True):
            while time.monotonic() - started < args.timeout:
                due = min(args.messages, int((time.monotonic() - started) * args.rate) + 1)
                while queued < due:
                    sender, recipient = rng.sample(offices, 2)
                    with tenant_context(sender.municipality):
                        services.queue_message(
                            sender, acting_user=None, recipient_ade=recipient.ade,
                            recipient_name=recipient.name, subject=f"Pismo A2A nr {queued}",
                            body="Benchmark", files=[(f"pismo-{queued}.pdf", PDF)])
                    queued += 1
                if queued >= args.messages:
                    registered_count = InboundMessage.objects.filter(
                        status="registered").count()
                    if registered_count >= args.messages:
                        break
                    time.sleep(0.5)
                else:
                    time.sleep(0.005)
            pump_cpu = sum(process_cpu(p.pid) - cpu_before[p.pid] for p in pumps)
            simulator_cpu = process_cpu(simulator.process.pid) - simulator_before
            usage = resource.getrusage(resource.RUSAGE_SELF)
            producer_cpu = (usage.ru_utime + usage.ru_stime - self_before.ru_utime
                            - self_before.ru_stime)
            registered = list(InboundMessage.objects.filter(status="registered")
                              .values_list("provider_message_id", "fetched_at"))
            created = dict(OutboundMessage.objects.exclude(provider_message_id="")
                           .values_list("provider_message_id", "created_at"))
            quarantined = InboundMessage.objects.filter(status="quarantined").count()
    finally:
        for pump in pumps:
            stop(pump)
        simulator.stop()
    report(args, registered, created, quarantined, pump_cpu, simulator_cpu, producer_cpu)


def report(args, registered, created, quarantined, pump_cpu, simulator_cpu, producer_cpu):
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
    count = len(registered)
    print(f"registered {count}/{args.messages} messages between {args.gminy} gminy "
          f"({quarantined} quarantined)")
    print(f"end to end: {rate:.1f} messages/s" + ("" if rate >= GOAL_RATE else
                                                   f"  MISS (goal ≥ {GOAL_RATE}/s)"))
    print(f"queue → RPW entry: p50 {p50:.2f} s, p99 {p99:.2f} s" + (
        "" if p99 <= GOAL_P99 else f"  MISS (goal p99 ≤ {GOAL_P99} s)"))
    print(f"CPU per message: pumps {pump_cpu / count * 1000:.1f} ms, simulator "
          f"{simulator_cpu / count * 1000:.1f} ms, producer {producer_cpu / count * 1000:.1f} ms"
          f" (machine load now {os.getloadavg()[0]:.1f})")
    if count < args.messages:
        print(f"MISS: {args.messages - count} messages not registered within the timeout")


if __name__ == "__main__":
    main()
