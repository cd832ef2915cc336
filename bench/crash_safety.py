"""Crash safety: submissions and registrations under SIGKILL, on a throw-away PostgreSQL.

    .venv/bin/python bench/crash_safety.py [--seconds 60] [--submitters 4] [--registrars 4]
        [--no-cases] [--web-workers 3] [--web-threads 4] [--worker-concurrency 2]
        [--sweep-seconds 10] [--web-every 3 6] [--web-min-age 6] [--worker-every 10 20]
        [--receipt-timeout 300] [--seed 15] [--keep-files]

Starts PostgreSQL (ratusz.testing.services), migrates, makes the gmina Benchowo (one
department, the shipped JRWA, the letter service `pismo-ogolne`, a resident with a
`resident.self` token, a registry clerk with a token) through the services, then starts
Redis on a fixed port (no persistence), gunicorn and one Celery worker with beat
(config.settings.dev: receipts queued to Celery after commit, the receipt sweep every
--sweep-seconds) and runs `ratusz.testing.chaos.run_trial`:

- --submitters clients file letters with a ~700-byte PDF, --registrars clients register
  letters in the RPW and (unless --no-cases) open a case for each; every request has its
  own Idempotency-Key and is retried with the same key and body after a connection error,
  a 5xx or a 429 until it is answered;
- meanwhile a gunicorn worker that has served at least --web-min-age seconds is killed
  (SIGKILL) every --web-every seconds (the master starts another), the Celery worker with
  its pool and beat every --worker-every seconds (started again 1–4 s later), and Redis
  once, between 30% and 60% of the run (started again, empty, on the same port 1–3 s
  later);
- afterwards whatever is down is started, the receipts are awaited and the database is
  checked: each answered key has exactly one submission / RPW entry, each submission its
  own RPW entry, one case and one receipt (files matching their SHA-256), the RPW and case
  numbers gapless without duplicates, every case record's hash chain whole.

Prints the kills, answered requests and their rate, retries, latencies, the time to the
last receipt, what the sweep queued, and MISS with each violation. Exit 1 on a violation.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from _common import ROOT  # noqa: F401 - puts the project on sys.path

from ratusz.testing.chaos import ChaosPlan, Stack, TrialOptions, create_world, run_trial
from ratusz.testing.services import postgres_server


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--submitters", type=int, default=4)
    parser.add_argument("--registrars", type=int, default=4)
    parser.add_argument("--no-cases", action="store_true",
                        help="registrations without POST /api/v1/cases")
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--sweep-seconds", type=int, default=10)
    parser.add_argument("--web-every", type=float, nargs=2, default=(3.0, 6.0),
                        metavar=("MIN", "MAX"), help="seconds between gunicorn worker kills")
    parser.add_argument("--web-min-age", type=float, default=6.0,
                        help="only a gunicorn worker up this long is killed")
    parser.add_argument("--worker-every", type=float, nargs=2, default=(10.0, 20.0),
                        metavar=("MIN", "MAX"), help="seconds between Celery worker kills")
    parser.add_argument("--receipt-timeout", type=float, default=300)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep-files", action="store_true")
    args = parser.parse_args()

    with postgres_server() as database_url:
        var = Path(tempfile.mkdtemp(prefix="ratusz-crash-"))
        try:
            return run(args, database_url, var)
        finally:
            if args.keep_files:
                print(f"files and logs kept in {var}")
            else:
                shutil.rmtree(var, ignore_errors=True)


def run(args, database_url: str, var: Path) -> int:
    os.environ.update({"DATABASE_URL": database_url, "RATUSZ_VAR_DIR": str(var),
                       "DJANGO_SETTINGS_MODULE": "config.settings.dev", "LOG_LEVEL": "WARNING"})
    for name in ("REDIS_URL", "RATUSZ_RECEIPTS_ON_DEMAND", "CELERY_TASK_ALWAYS_EAGER"):
        os.environ.pop(name, None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    world = create_world(secrets.token_urlsafe(18), var)
    connections.close_all()
    print(f"set-up (migrate, gmina, JRWA, service, tokens) {time.monotonic() - started:.1f} s")
    options = TrialOptions(seconds=args.seconds, submitters=args.submitters,
                           registrars=args.registrars, open_cases=not args.no_cases,
                           receipt_timeout=args.receipt_timeout, seed=args.seed,
                           plan=ChaosPlan(web_every=tuple(args.web_every),
                                          web_min_age=args.web_min_age,
                                          worker_every=tuple(args.worker_every)))
    with Stack(var, database_url, web_workers=args.web_workers, web_threads=args.web_threads,
               worker_concurrency=args.worker_concurrency,
               sweep_seconds=args.sweep_seconds) as stack:
        report = run_trial(stack, world, options)
    report.print()
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
