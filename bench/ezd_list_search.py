"""Department case list and case search on a big gmina, on a throw-away PostgreSQL.

    .venv/bin/python bench/ezd_list_search.py [--cases 1000000] [--runs 200] [--batch 5000]

Starts PostgreSQL (ratusz.testing.services), migrates, creates a gmina with 8 departments,
the shipped JRWA and a case officer, generates the cases with `generate_cases`, then
measures, in-process (no HTTP), p50/p99 over --runs runs:

- the department case list: the first page (50 rows, newest first) of `visible_cases`
  for a case officer of one department, plus its count, with a fresh user per run (so
  the permission look-ups are paid as in a request);
- `search_cases` for a few queries, page and count, for that officer and the secretary.

Goals: list p99 <= 100 ms, search p99 <= 200 ms. Whatever misses its goal gets an
EXPLAIN ANALYZE. The test cluster runs with fsync off (ratusz.testing.services), which
only flatters the generation time, not the reads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

LIST_GOAL_MS = 100
SEARCH_GOAL_MS = 200


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def measure(runs: int, seconds: float, action) -> list[float]:
    action()  # warm-up: plans, dictionary load
    samples: list[float] = []
    deadline = time.monotonic() + seconds
    while len(samples) < runs and time.monotonic() < deadline:
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60, help="time bound per query")
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--leakproof", action="store_true",
                        help="as the cluster's superuser, mark tsvector @@ tsquery LEAKPROOF "
                             "so that the GIN index can serve it under row-level security")
    args = parser.parse_args()

    from ratusz.testing.services import postgres_server

    with postgres_server() as database_url:
        os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings.dev",
                          DEBUG="0", LOG_LEVEL="WARNING",
                          RATUSZ_VAR_DIR=os.environ.get("RATUSZ_VAR_DIR")
                          or __import__("tempfile").mkdtemp(prefix="ratusz-bench-"))
        import django

        django.setup()
        return run(args)


def run(args) -> int:
    from django.core.management import call_command
    from django.db import connection
    from ezd_register import create_bench_gmina

    from ratusz.accounts.models import User
    from ratusz.cases import search, selectors
    from ratusz.cases.models import Case
    from ratusz.core.tenancy import tenant_context

    started = time.monotonic()
    if args.leakproof:
        import psycopg

        settings = connection.settings_dict
        with psycopg.connect(host=settings["HOST"], port=settings["PORT"], user="postgres",
                             dbname=settings["NAME"], autocommit=True) as superuser:
            superuser.execute("ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF")
        print("ts_match_vq marked LEAKPROOF (superuser step)")
    call_command("migrate", verbosity=0)
    world = create_bench_gmina()
    print(f"migrated and set up in {time.monotonic() - started:.1f} s; "
          f"text search configuration: {search.text_search_configuration()}")
    started = time.monotonic()
    call_command("generate_cases", municipality=world.municipality.slug, cases=args.cases,
                 batch=args.batch, documents_per_case=1, stdout=open(os.devnull, "w"))  # noqa: SIM115
    generation = time.monotonic() - started
    print(f"generated {args.cases:,} cases in {generation:.1f} s "
          f"({args.cases / generation:,.0f} cases/s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('cases_searchdocument')),"
                       " pg_size_pretty(pg_total_relation_size('cases_case'))")
        index_size, case_size = cursor.fetchone()
    print(f"cases_case {case_size}, cases_searchdocument {index_size}")

    municipality = world.municipality
    rows: list[tuple[str, list[float], float]] = []
    slow: list[tuple[str, object]] = []
    with tenant_context(municipality):
        department_cases = Case.objects.filter(department=world.officer_department).count()
        sample = (Case.objects.filter(department=world.officer_department)
                  .order_by("-opened_at").values_list("mark", "jrwa_symbol").first())
        print(f"officer's department {world.officer_department.symbol}: "
              f"{department_cases:,} cases")

        def fresh(user_id):
            return User.objects.get(pk=user_id)

        def listing():
            cases = selectors.visible_cases(fresh(world.officer.pk), municipality).order_by(
                "-opened_at", "-id")
            list(cases[:50])
            selectors.capped_count(cases)  # as the case list page counts

        rows.append(("department list (officer)", measure(args.runs, args.seconds, listing),
                     LIST_GOAL_MS))
        if percentiles(rows[-1][1])[1] > LIST_GOAL_MS:
            slow.append(("department list", selectors.visible_cases(
                world.officer, municipality).order_by("-opened_at", "-id")[:50]))

        department_symbol = world.officer_department.symbol
        queries = [sample[0], f"{department_symbol}.{sample[1]}", "Kowalski",
                   "Zielińska Brzozowa", "wniosku o warunkach zabudowy", "warunki zabodowy",
                   "pełnomocnictwo", "zabud"]
        for who, user in (("officer", world.officer), ("secretary", world.secretary)):
            for query in queries:
                def searching(query=query, user_id=user.pk):
                    results = search.search_cases(fresh(user_id), municipality, query)
                    list(results[:50])
                    results.count()

                samples = measure(args.runs, args.seconds, searching)
                count = search.search_cases(user, municipality, query).count()
                rows.append((f"search {who}: {query!r} ({count:,})", samples, SEARCH_GOAL_MS))
                if percentiles(samples)[1] > SEARCH_GOAL_MS:
                    slow.append((f"search {who} {query!r}",
                                 search.search_cases(user, municipality, query)[:50]))

        print(f"\n{'what (matches)':<58} {'runs':>5} {'p50 ms':>8} {'p99 ms':>8} {'goal':>6}")
        for label, samples, goal in rows:
            p50, p99 = percentiles(samples)
            verdict = "ok" if p99 <= goal else "MISS"
            print(f"{label:<58} {len(samples):>5} {p50:>8.1f} {p99:>8.1f} "
                  f"{goal:>4} {verdict}")
        for label, queryset in slow:
            print(f"\n--- where the time goes: {label}\n"
                  f"{queryset.explain(analyze=True, buffers=True)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
