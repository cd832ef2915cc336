"""One alert to N SMS subscribers of one gmina, through the SMS gateway simulator.

    .venv/bin/python -m ratusz.testing.services -- \
        .venv/bin/python bench/notify_sms.py [--subscribers 100000] [--processes 2] \
        [--batch 2000] [--no-reports]

The database as in notify_email.py (DATABASE_URL, --sqlite, or a PostgreSQL started
here); settings config.settings.dev, DEBUG off.

Makes N subscribers with a confirmed mobile number (48 500 000 000 + i) and a "water"
SMS subscription, starts the gateway simulator (ratusz.testing.sms.start_sms_simulator;
its SMSAPI side is the one configured gateway) and `manage.py notifications_deliver
--channel sms --loop --processes P --batch B` (each claim of B rows is one bulk request:
one text, B numbers, our references as `idx`, `check_idx=1`). Unless --no-reports, also
gunicorn serving the application, so the simulator's delivery reports (SMSAPI: GET to the
request's notify_url, 100 reports per call here) are recorded by our callback view.

Then publishes the alert (create_alert + submit_alert, fan-out in this process) and
prints: fan-out time, publish → last message accepted by the gateway (the simulator's
accepted counter), publish → last delivery report recorded (every row `delivered`),
messages/s, the requests made to the gateway.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from _common import ROOT, free_port, gunicorn, machine_cpu, stop, wait_for_port
from notify_email import database, make_gmina, make_subscribers, publish, setup_django

GOAL_SECONDS = 60


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=2, help="delivery worker processes")
    parser.add_argument("--batch", type=int, default=2000, help="numbers per claim/request")
    parser.add_argument("--no-reports", action="store_true",
                        help="no web server: delivery reports are not recorded")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--sqlite", action="store_true", help="a fresh SQLite file")
    args = parser.parse_args()
    with database(args.sqlite) as database_url:
        return run(args, database_url)


def run(args, database_url: str) -> int:
    web_port = free_port()
    os.environ["RATUSZ_PUBLIC_URL"] = f"http://127.0.0.1:{web_port}"
    from ratusz.testing.sms import start_sms_simulator

    simulator = start_sms_simulator(report_delay=0.2, smsapi_report_batch=100)
    os.environ["RATUSZ_SMS_GATEWAYS"] = json.dumps([simulator.gateway_config("smsapi")])
    env = setup_django(database_url)
    env.update(RATUSZ_PUBLIC_URL=os.environ["RATUSZ_PUBLIC_URL"],
               RATUSZ_SMS_GATEWAYS=os.environ["RATUSZ_SMS_GATEWAYS"])
    from django.db import connection
    from django.db.models import Count

    from ratusz.core.tenancy import tenant_context
    from ratusz.notifications.models import Message, MessageStatus

    n = args.subscribers
    print(f"database: {connection.vendor}; {os.cpu_count()} CPUs; {args.processes} delivery "
          f"processes, {args.batch} numbers per request")
    gmina = make_gmina()
    made = make_subscribers(gmina, n, "sms")
    print(f"subscribers: {n:,} (made in {made:.1f} s)")
    web = workers = None
    try:
        if not args.no_reports:
            web = subprocess.Popen(
                gunicorn(web_port, "--workers", str(args.web_workers), "--worker-class",
                         "gthread", "--threads", "4", "--log-level", "warning",
                         "--limit-request-line", "0"),  # a report GET carries 100 ids
                cwd=ROOT, env=env)
            wait_for_port(web_port)
        workers = subprocess.Popen(
            [sys.executable, "manage.py", "notifications_deliver", "--channel", "sms",
             "--batch", str(args.batch), "--loop", "--poll", "0.2",
             "--processes", str(args.processes)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        time.sleep(3)
        if workers.poll() is not None:
            raise RuntimeError("the delivery workers ended early")
        machine0 = machine_cpu()
        alert, published, fanned_out = publish(gmina, ["sms"])
        print(f"fan-out: {n:,} rows in {fanned_out - published:.1f} s "
              f"({n / (fanned_out - published):,.0f} rows/s, in this process)")
        # The simulator's counter of accepted messages, polled (50 ms resolution).
        deadline = time.monotonic() + args.timeout
        accepted_at = None
        while time.monotonic() < deadline:
            stats = simulator.stats()["smsapi"]
            if stats["accepted"] >= n:
                accepted_at = time.time()
                break
            time.sleep(0.05)
        accepted = simulator.stats()["smsapi"]
        busy, total = (b - a for a, b in zip(machine0, machine_cpu(), strict=True))
        if accepted_at is None:
            print(f"accepted by the gateway: {accepted['accepted']:,} of {n:,}: TIMEOUT")
        else:
            total = accepted_at - published
            verdict = "ok" if total <= GOAL_SECONDS else "MISS"
            print(f"publish → last accepted by the gateway: {total:.1f} s "
                  f"({n / total:,.0f} msg/s; goal {GOAL_SECONDS} s: {verdict})")
        print(f"gateway requests: {accepted['requests']} (bulk), accepted "
              f"{accepted['accepted']:,}, rejected {accepted['rejected']}, "
              f"duplicates refused {accepted['duplicates']}; machine CPU busy "
              f"{busy / total:.0%} of {os.cpu_count()} cores")
        with tenant_context(None, all_municipalities=True):
            rows = Message.objects.filter(alert=alert)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and rows.filter(
                    status__in=[MessageStatus.QUEUED, MessageStatus.SENDING]).exists():
                time.sleep(0.1)
            recorded = time.time()
            print(f"all rows recorded as sent: {recorded - published:.1f} s after publishing")
            if not args.no_reports:
                deadline = time.monotonic() + args.timeout
                left, stalled = n, time.monotonic()
                while time.monotonic() < deadline:
                    now_left = rows.exclude(status__in=[MessageStatus.DELIVERED,
                                                        MessageStatus.FAILED]).count()
                    if not now_left:
                        break
                    if now_left < left:
                        left, stalled = now_left, time.monotonic()
                    elif time.monotonic() - stalled > 60:
                        print(f"delivery reports stalled: {now_left:,} rows without one")
                        break
                    time.sleep(0.2)
                done = time.time()
                stats = simulator.stats()["smsapi"]
                state = "" if not now_left else f" (INCOMPLETE: {now_left:,} without a report)"
                print(f"publish → last delivery report recorded (delivered or failed): "
                      f"{done - published:.1f} s{state} (callbacks {stats['callbacks']}, "
                      f"failed {stats['callback_failures']})")
            else:
                print("delivery reports: skipped (--no-reports: no web server)")
            counts = dict(rows.values_list("status").annotate(n=Count("pk")))
        print(f"rows by status: {counts}")
    finally:
        if workers is not None:
            stop(workers, timeout=10)
        if web is not None:
            stop(web, timeout=10)
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
