"""Reports on a big gmina and a partnership of 20, on a throw-away PostgreSQL.

    .venv/bin/python bench/reports_dashboards.py [--cases 1000000] [--documents 5] \
        [--members 20] [--member-cases 5000] [--runs 100] [--events-seconds 20]

Starts PostgreSQL (ratusz.testing.services), migrates, makes the gmina Benchowo (8
departments, the shipped JRWA, a secretary) and generates its cases and documents with the
EZD's `generate_cases`; then builds the reports' clocks for every case and the rollups of
every day of this year (`reports_backfill`), makes 19 more gminy with --member-cases cases
each, and a partnership of all 20 with a coordinator. It measures in-process (Django's
test client: URL routing, middleware, the view, the template, the charts), p50/p99 over
--runs requests each:

- the gmina's dashboard, a unit's dashboard, the overdue matters (the secretary);
- GET /api/v1/indicators?year= with the secretary's token, and the open data's JSON;
- the coordinator's comparison of the 20 gminy.

Goal: p99 <= 1 s for each. Then the rollups: the EZD's status-change event handled as the
receiver marks it (one insert) for --events-seconds, then reports.track_marked brings the
marked clocks and days up to date in batches; and the
periodic refresh of the pending days; goal >= 300 events/s. Prints MISS where a goal is
missed.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))

PAGE_GOAL_MS = 1000
EVENTS_GOAL = 300


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--documents", type=int, default=5, help="documents per case")
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--member-cases", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--events-seconds", type=float, default=20)
    args = parser.parse_args()

    from ratusz.testing.services import postgres_server

    with postgres_server() as database_url:
        os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings.dev",
                          DEBUG="0", LOG_LEVEL="WARNING", RATUSZ_STAFF_2FA_REQUIRED="0",
                          RATUSZ_VAR_DIR=os.environ.get("RATUSZ_VAR_DIR")
                          or tempfile.mkdtemp(prefix="ratusz-bench-"))
        import django

        django.setup()
        return run(args)


def _gmina(index: int):
    from ratusz.cases.jrwa import load_default_jrwa
    from ratusz.core import services as core
    from ratusz.core.tenancy import tenant_context

    with tenant_context(None, all_municipalities=True):
        municipality = core.create_municipality(
            acting_user=None, name=f"Gmina {index:02d}", official_name=f"Gmina {index:02d}",
            slug=f"gmina-{index:02d}", teryt=f"06{index:02d}992", kind="rural",
            voivodeship="lubelskie", county="lubelski", city=f"Gmina {index:02d}")
    with tenant_context(municipality):
        core.create_department(municipality, acting_user=None, unit=municipality.office,
                               symbol="OR", name="Referat Organizacyjny")
        load_default_jrwa(municipality.office, acting_user=None)
    return municipality


def _timed(label: str, action):
    started = time.monotonic()
    result = action()
    print(f"{label}: {time.monotonic() - started:.1f} s")
    return result


def run(args) -> int:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from ezd_register import create_bench_gmina

    from ratusz.accounts import services as accounts
    from ratusz.accounts.models import User, UserKind
    from ratusz.accounts.permissions import Permission
    from ratusz.cases.models import Case
    from ratusz.core.tenancy import tenant_context
    from ratusz.reports import services

    call_command("migrate", verbosity=0)
    world = create_bench_gmina()
    big = world.municipality
    devnull = open(os.devnull, "w")  # noqa: SIM115
    _timed(f"generated {args.cases:,} cases with {args.documents} documents each",
           lambda: call_command("generate_cases", municipality=big.slug, cases=args.cases,
                                documents_per_case=args.documents, stdout=devnull))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    with tenant_context(big), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_document")
        print(f"documents: {cursor.fetchone()[0]:,}")
    _timed("clocks and this year's rollups of the big gmina (reports_backfill)",
           lambda: call_command("reports_backfill", municipality=big.slug, stdout=devnull))
    members = [big]
    for index in range(1, args.members):
        municipality = _gmina(index)
        call_command("generate_cases", municipality=municipality.slug,
                     cases=args.member_cases, stdout=devnull)
        call_command("reports_backfill", municipality=municipality.slug, stdout=devnull)
        members.append(municipality)
    print(f"{len(members)} gminy ready")
    partnership = services.create_partnership(acting_user=None, name="Partnerstwo", slug="p",
                                              members=members, accepted=True)
    coordinator = User.objects.create_user("bench.koordynator", password="x" * 16,
                                           kind=UserKind.COORDINATOR)
    partnership.coordinators.add(coordinator)
    with tenant_context(big):
        _token, secret = accounts.issue_api_token(
            big, acting_user=None, name="bench reports", user=world.secretary,
            permissions=[Permission.VIEW_REPORTS])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    year = timezone.localdate().year
    staff, coordinator_client, api = Client(), Client(), Client()
    staff.force_login(world.secretary)
    coordinator_client.force_login(coordinator)
    unit_id = world.office.pk
    pages = [
        ("gmina dashboard", staff, f"/g/{big.slug}/staff/raporty/?rok={year}", {}),
        ("unit dashboard", staff, f"/g/{big.slug}/staff/raporty/jednostki/{unit_id}/", {}),
        ("overdue matters", staff, f"/g/{big.slug}/staff/raporty/zaleglosci/", {}),
        ("GET /api/v1/indicators", api, f"/api/v1/indicators?year={year}",
         {"HTTP_AUTHORIZATION": f"Bearer {secret}"}),
        ("open data JSON", api, f"/g/{big.slug}/wskazniki.json", {}),
        ("partnership of 20 (coordinator)", coordinator_client, "/partnerstwa/p/", {}),
    ]
    misses = 0
    print(f"{'page':34} {'p50 ms':>8} {'p99 ms':>8}  goal p99 <= {PAGE_GOAL_MS} ms")
    for label, client, url, headers in pages:
        response = client.get(url, **headers)
        assert response.status_code == 200, (label, response.status_code)
        samples = []
        for _ in range(args.runs):
            started = time.perf_counter()
            client.get(url, **headers)
            samples.append(time.perf_counter() - started)
        p50, p99 = percentiles(samples)
        miss = p99 > PAGE_GOAL_MS
        misses += miss
        print(f"{label:34} {p50:8.1f} {p99:8.1f}" + ("  MISS" if miss else ""))

    with tenant_context(big):
        ids = list(Case.objects.for_municipality(big).order_by("?")
                   .values_list("pk", flat=True)[:20000])
    rng = random.Random(1)
    marked = 0
    deadline = time.monotonic() + args.events_seconds
    started = time.monotonic()
    while time.monotonic() < deadline:
        services.note_case_event(big.pk, rng.choice(ids), answers_inquiry=False)
        marked += 1
    marking = time.monotonic() - started
    started = time.monotonic()
    tracked = 0
    while batch := services.track_marked():
        tracked += batch
    batching = time.monotonic() - started
    rate = marked / (marking + batching)
    miss = rate < EVENTS_GOAL
    misses += miss
    print(f"status-change events: {marked:,} marked in {marking:.1f} s "
          f"({marked / marking:,.0f}/s at the event), {tracked:,} tracked by "
          f"reports.track_marked in {batching:.1f} s: {rate:,.0f} events/s end to end "
          f"(goal >= {EVENTS_GOAL})" + ("  MISS" if miss else ""))
    _timed("periodic refresh of the pending days (reports.refresh_pending)",
           services.refresh_pending)
    _timed("periodic refresh of all gminy's recent days (reports.refresh_recent)",
           services.refresh_recent)
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
