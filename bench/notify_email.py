"""One alert to N e-mail subscribers of one gmina, through a local SMTP server.

    .venv/bin/python -m ratusz.testing.services -- \
        .venv/bin/python bench/notify_email.py [--subscribers 100000] [--processes 4] \
        [--batch 200] [--ceiling-messages 5000]
    .venv/bin/python bench/notify_email.py --sqlite [...]

The database is DATABASE_URL (PostgreSQL under ratusz.testing.services), or a fresh
SQLite file with --sqlite, or else a throw-away PostgreSQL started here. Settings:
config.settings.dev, DEBUG off.

1. Migrates, makes a gmina and N subscribers (bulk_create: Subscriber with a confirmed
   e-mail + Subscription topic "water", channel "email").
2. Starts the SMTP sink (bench/smtp_sink.py: aiosmtpd discarding the mail, its own
   process) and measures the ceiling: a bare smtplib loop, one reused connection, one
   process, sending a message like ours to the same sink.
3. Starts `manage.py notifications_deliver --channel email --loop --processes P --smtp
   127.0.0.1:<port>` (P workers, each claiming its own batches), then publishes the alert
   through the services (create_alert + submit_alert; the fan-out runs in this process
   as the fan-out task would; its wake-ups are dropped: the polling workers find the rows)
   and waits until the sink has accepted N messages.

Prints: subscribers, fan-out time (publish → all rows created), delivery time (first →
last message accepted), publish → last accepted, messages/s (over publish → last), the
ceiling and the ratio; then checks that every row is `sent` and that the sink accepted
exactly N (no duplicate).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, free_port, machine_cpu, stop

GOAL_SECONDS = 180
GOAL_RATIO = 0.8
#: The alert of the run (and of the throw-away draft the ceiling's message comes from).
WATER_ALERT = {
    "event": "Brak wody", "headline": "Awaria wodociągu: brak wody w całej gminie",
    "description": "W związku z awarią magistrali wodociągowej w Wodnej Woli do odwołania "
                   "nie będzie wody w sieci. Beczkowozy stoją przy szkole, remizie OSP i "
                   "przy kościele.",
    "instruction": "Prosimy o oszczędne korzystanie z zapasów wody i przegotowywanie wody "
                   "z beczkowozów przed spożyciem.",
    "severity": "Moderate", "urgency": "Immediate", "certainty": "Observed", "topic": "water",
}


# --- shared with notify_sms.py ------------------------------------------------------------

@contextlib.contextmanager
def database(sqlite: bool):
    """DATABASE_URL if set; a fresh SQLite file with --sqlite; else a throw-away
    PostgreSQL."""
    if sqlite:
        path = Path(tempfile.mkdtemp(prefix="ratusz-bench-")) / "bench.sqlite3"
        yield f"sqlite:///{path}"
    elif os.environ.get("DATABASE_URL", "").startswith("postgres"):
        yield os.environ["DATABASE_URL"]
    else:
        from ratusz.testing.services import postgres_server

        with postgres_server() as url:
            yield url


def setup_django(database_url: str) -> dict:
    """Settings for this process and the environment of the worker processes."""
    var_dir = os.environ.get("RATUSZ_VAR_DIR") or tempfile.mkdtemp(prefix="ratusz-bench-")
    env = {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.dev",
           "DEBUG": "0", "LOG_LEVEL": "WARNING", "RATUSZ_VAR_DIR": var_dir,
           "RATUSZ_PUBLIC_URL": os.environ.get("RATUSZ_PUBLIC_URL", "https://ratusz.example.pl")}
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {**os.environ, **env}


def make_gmina():
    from ratusz.core.tenancy import tenant_context
    from ratusz.core.tests.factories import MunicipalityFactory

    with tenant_context(None, all_municipalities=True):
        return MunicipalityFactory(name="Wodna Wola", slug="wodna-wola")


def make_subscribers(municipality, n: int, channel: str, *, chunk: int = 5000) -> float:
    """N confirmed subscribers of topic "water" on one channel; returns the seconds taken."""
    from django.db import transaction
    from django.utils import timezone

    from ratusz.core.tenancy import tenant_context
    from ratusz.notifications.models import Subscriber, Subscription

    started = time.monotonic()
    now = timezone.now()
    with tenant_context(None, all_municipalities=True):
        for start in range(0, n, chunk):
            with transaction.atomic():
                people = [
                    Subscriber(municipality=municipality,
                               email=f"mieszkaniec{i}@example.pl" if channel == "email" else "",
                               email_confirmed_at=now if channel == "email" else None,
                               phone=f"48{500000000 + i}" if channel == "sms" else "",
                               phone_confirmed_at=now if channel == "sms" else None)
                    for i in range(start, min(n, start + chunk))]
                Subscriber.objects.bulk_create(people, batch_size=chunk)
                if people[0].pk is None:  # SQLite before RETURNING: fetch the ids back
                    people = list(Subscriber.objects.filter(
                        municipality=municipality, pk__gt=0).order_by("-pk")[:len(people)])
                Subscription.objects.bulk_create(
                    [Subscription(municipality=municipality, subscriber=person,
                                  topic="water", channel=channel) for person in people],
                    batch_size=chunk)
    return time.monotonic() - started


def publish(municipality, channels: list[str]):
    """create_alert + submit_alert (a moderate alert: no second person), with the fan-out
    run here on commit as the fan-out task does; returns (alert, t_publish, t_fanned_out),
    times as time.time()."""
    from ratusz.core.tenancy import tenant_context
    from ratusz.notifications import delivery, services

    data = services.AlertData(**WATER_ALERT, channels=channels)
    # The polling mode of `notifications_deliver`: the fan-out runs here on commit and no
    # wake-ups go out (the polling workers find the rows).
    with tenant_context(municipality), delivery.polling_delivery():
        alert, _created = services.create_alert(municipality, data, acting_user=None)
        published = time.time()
        services.submit_alert(alert, acting_user=None)
    fanned_out = time.time()
    return alert, published, fanned_out


# --- the sink and the ceiling -------------------------------------------------------------

class Sink:
    def __init__(self):
        self.port = free_port()
        self.stats_path = tempfile.mktemp(prefix="ratusz-sink-", suffix=".json")  # noqa: S306
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), "--port", str(self.port),
             "--stats", self.stats_path])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), smtplib.SMTP("127.0.0.1", self.port,
                                                            timeout=1) as probe:
                probe.noop()
                return
            time.sleep(0.05)
        raise RuntimeError("the SMTP sink did not start")

    def stats(self) -> dict:
        try:
            with open(self.stats_path) as data:
                return json.load(data)
        except (OSError, ValueError):
            return {"accepted": 0, "first": 0.0, "last": 0.0, "cpu": 0.0}

    def wait_for(self, count: int, timeout: float, *, base: int | None = None) -> dict:
        """Wait until `count` accepted; with `base`, also note (to 50 ms) when the first
        message after `base` came in (`stats["started"]`)."""
        deadline = time.monotonic() + timeout
        started = 0.0
        while time.monotonic() < deadline:
            stats = self.stats()
            if base is not None and not started and stats["accepted"] > base:
                started = stats["last"] if stats["accepted"] == base + 1 else time.time()
            if stats["accepted"] >= count:
                break
            time.sleep(0.05)
        else:
            stats = self.stats()
        stats["started"] = started
        return stats

    def stop(self) -> None:
        stop(self.process, timeout=10)
        with contextlib.suppress(OSError):
            os.unlink(self.stats_path)


def sample_message() -> tuple[str, bytes]:
    """A message as the workers send it (same size and headers)."""
    from ratusz.notifications import delivery
    from ratusz.notifications.models import Alert, Message, Subscriber

    alert = Alert.objects.order_by("-pk").first()
    subscriber = Subscriber.objects.order_by("pk").first()
    message = Message(municipality=subscriber.municipality, kind="alert", alert=alert,
                      key=f"alert:{alert.pk}:{subscriber.pk}:email", subscriber=subscriber,
                      channel="email", recipient=subscriber.email)
    subject, body = delivery.message_text(message)
    return subscriber.email, delivery.build_email(message, subject, body)


def ceiling(sink: Sink, recipient: str, data: bytes, count: int) -> tuple[float, float]:
    """Messages/s of a bare smtplib loop on one reused connection, and the sink's CPU per
    message (ms)."""
    before = sink.stats()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        smtp.sendmail("no-reply@ratusz.localhost", [recipient], data)  # warm-up
        started = time.perf_counter()
        for _ in range(count):
            smtp.sendmail("no-reply@ratusz.localhost", [recipient], data)
        elapsed = time.perf_counter() - started
    after = sink.wait_for(before["accepted"] + count + 1, 10)
    return count / elapsed, (after["cpu"] - before["cpu"]) * 1000 / (count + 1)


# --- the run ------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=4, help="delivery worker processes")
    parser.add_argument("--batch", type=int, default=200, help="rows per claim")
    parser.add_argument("--ceiling-messages", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--sqlite", action="store_true", help="a fresh SQLite file")
    args = parser.parse_args()
    with database(args.sqlite) as database_url:
        return run(args, database_url)


def run(args, database_url: str) -> int:
    env = setup_django(database_url)
    from django.db import connection
    from django.db.models import Count, Min

    from ratusz.core.tenancy import tenant_context
    from ratusz.notifications.models import Message, MessageStatus

    n = args.subscribers
    print(f"database: {connection.vendor}; {os.cpu_count()} CPUs; "
          f"{args.processes} delivery processes, batch {args.batch}")
    gmina = make_gmina()
    made = make_subscribers(gmina, n, "email")
    print(f"subscribers: {n:,} (made in {made:.1f} s)")
    sink = Sink()
    workers = None
    try:
        with tenant_context(None, all_municipalities=True):
            # The ceiling, with a message like ours (rendered from a throw-away draft).
            from ratusz.notifications import services

            draft, _ = services.create_alert(
                gmina, services.AlertData(**WATER_ALERT, channels=["email"]), acting_user=None)
            recipient, data = sample_message()
            draft.delete()
        rounds = [ceiling(sink, recipient, data, args.ceiling_messages) for _ in range(3)]
        rate, sink_ms = sorted(rounds)[1]
        print(f"ceiling (bare smtplib, 1 connection, 1 process, {len(data)} B messages, "
              f"median of 3 × {args.ceiling_messages}): {rate:.0f} msg/s "
              f"({', '.join(f'{r:.0f}' for r, _ in rounds)}); sink CPU {sink_ms:.2f} ms/message")
        base = sink.stats()["accepted"]
        sink_cpu0 = sink.stats()["cpu"]
        workers = subprocess.Popen(
            [sys.executable, "manage.py", "notifications_deliver", "--channel", "email",
             "--batch", str(args.batch), "--loop", "--poll", "0.2",
             "--processes", str(args.processes), "--smtp", f"127.0.0.1:{sink.port}"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        time.sleep(3)  # the workers are up and polling an empty outbox
        if workers.poll() is not None:
            raise RuntimeError("the delivery workers ended early")
        machine0 = machine_cpu()
        alert, published, fanned_out = publish(gmina, ["email"])
        print(f"fan-out: {n:,} rows in {fanned_out - published:.1f} s "
              f"({n / (fanned_out - published):,.0f} rows/s, in this process)")
        stats = sink.wait_for(base + n, args.timeout, base=base)
        accepted = stats["accepted"] - base
        total = stats["last"] - published
        first = stats["started"]
        rate_all = accepted / total if total > 0 else 0.0
        print(f"accepted by the SMTP server: {accepted:,} of {n:,}")
        with tenant_context(None, all_municipalities=True):  # the first handed over
            handed = Message.objects.filter(alert=alert).aggregate(first=Min("handed_at"))
        if handed["first"]:
            first = handed["first"].timestamp()
        if first:
            print(f"delivery: first → last accepted {stats['last'] - first:.1f} s "
                  f"(first {first - published:.2f} s after publishing)")
        verdict = "ok" if total <= GOAL_SECONDS and accepted == n else "MISS"
        print(f"publish → last accepted: {total:.1f} s (goal {GOAL_SECONDS} s: {verdict})")
        ratio = rate_all / rate
        print(f"rate: {rate_all:.0f} msg/s; ceiling {rate:.0f} msg/s; ratio {ratio:.2f} "
              f"(goal ≥ {GOAL_RATIO:.2f}: {'ok' if ratio >= GOAL_RATIO else 'MISS'})")
        busy, total = (b - a for a, b in zip(machine0, machine_cpu(), strict=True))
        print(f"machine CPU busy during the run: {busy / total:.0%} of "
              f"{os.cpu_count()} cores")
        sink_cpu = sink.stats()["cpu"] - sink_cpu0
        print(f"sink CPU during delivery: {sink_cpu:.1f} s "
              f"({sink_cpu * 1000 / max(accepted, 1):.2f} ms/message)")
        # Let the last batches record 'sent', then check.
        deadline = time.monotonic() + 30
        with tenant_context(None, all_municipalities=True):
            rows = Message.objects.filter(alert=alert)
            while time.monotonic() < deadline and rows.exclude(
                    status=MessageStatus.SENT).exists():
                time.sleep(0.2)
            counts = dict(rows.values_list("status").annotate(n=Count("pk")))
        print(f"rows by status: {counts}; sink accepted {sink.stats()['accepted'] - base:,} "
              f"(duplicates: {max(0, sink.stats()['accepted'] - base - n)})")
    finally:
        if workers is not None:
            stop(workers, timeout=10)
        sink.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
