"""The school library catalogue search over 200,000 records, on a throw-away PostgreSQL.

    .venv/bin/python bench/library_search.py [--records 200000] [--runs 200] [--seconds 8]

Starts PostgreSQL (ratusz.testing.services), migrates, creates a gmina with one school
library, loads the records with one SQL statement (titles, authors and subjects drawn from
Polish word lists, one or two copies each, some on loan), VACUUM ANALYZE, then measures
in-process (no HTTP), under the gmina's row-level security, what the public search page
and the API do per request: the first page (20 records, by title, each with its copies
on the shelf) and the count, for several queries (common and rare words, two words,
an author, an ISBN prefix, Polish letters typed without diacritics). Goal: p99 <= 150 ms
per query. A query that misses gets an EXPLAIN ANALYZE and MISS.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_MS = 150
PAGE = 20
QUERIES = ["tajemnica", "pan tadeusz", "przygody zamku", "kowalska", "9788310012345",
           "zolw", "smoka wawelskiego", "lesnego", "zzyzx"]
WORDS = [("Tajemnica", "tajemnica"), ("Przygody", "przygody"), ("Wyprawa", "wyprawa"),
         ("Skarb", "skarb"), ("Zagadka", "zagadka"), ("Legenda", "legenda"),
         ("Opowieści", "opowiesci"), ("Sekret", "sekret"), ("Powrót", "powrot"),
         ("Kronika", "kronika"), ("Żółw", "zolw"), ("Smoka", "smoka"), ("Zamku", "zamku"),
         ("Leśnego", "lesnego"), ("Młyna", "mlyna"), ("Wawelskiego", "wawelskiego"),
         ("Pan", "pan"), ("Tadeusz", "tadeusz"), ("Doliny", "doliny"), ("Jeziora", "jeziora")]
AUTHORS = [("Kowalska, Anna", "kowalska anna"), ("Nowak, Piotr", "nowak piotr"),
           ("Wiśniewska, Małgorzata", "wisniewska malgorzata"),
           ("Wójcik, Tomasz", "wojcik tomasz"), ("Mickiewicz, Adam", "mickiewicz adam"),
           ("Sienkiewicz, Henryk", "sienkiewicz henryk"), ("Brzechwa, Jan", "brzechwa jan"),
           ("Łęcka, Zofia", "lecka zofia"), ("Król, Andrzej", "krol andrzej"),
           ("Dąbrowska, Ewa", "dabrowska ewa"), ("Mazur, Grzegorz", "mazur grzegorz")]
SUBJECTS = [("Przyroda", "przyroda"), ("Historia Polski", "historia polski"),
            ("Fantastyka", "fantastyka"), ("Literatura dziecięca", "literatura dziecieca"),
            ("Podróże", "podroze"), ("Sport", "sport"), ("Poezja polska", "poezja polska")]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=4, help="time bound per query")
    args = parser.parse_args()

    from ratusz.testing.services import postgres_server

    with postgres_server() as database_url:
        os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings.dev",
                          DEBUG="0", LOG_LEVEL="WARNING",
                          RATUSZ_VAR_DIR=os.environ.get("RATUSZ_VAR_DIR")
                          or tempfile.mkdtemp(prefix="ratusz-bench-"))
        import django

        django.setup()
        return run(args)


def _array(values) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def load(library, records: int) -> None:
    """`records` records and their copies, in SQL (the folded search text made alongside
    the text, from the parallel folded word lists)."""
    from django.db import connection

    words, folded = _array(w for w, _ in WORDS), _array(f for _, f in WORDS)
    authors, authors_f = _array(a for a, _ in AUTHORS), _array(f for _, f in AUTHORS)
    subjects, subjects_f = _array(s for s, _ in SUBJECTS), _array(f for _, f in SUBJECTS)
    n = len(WORDS)
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO education_bibrecord (municipality_id, library_id, control_number,
                isbn, title, author, publisher, year, subjects, marc, search_text,
                created_at, updated_at)
            SELECT %s, %s, 'B' || g, '978831' || lpad(g::text, 7, '0'),
                w[1 + g %% {n}] || ' ' || lower(w[1 + (g / 7) %% {n}]) || ' ' ||
                    lower(w[1 + (g / 131) %% {n}]) || ' ' || g,
                a[1 + (g / 3) %% {len(AUTHORS)}], 'Wydawnictwo', 1990 + g %% 35,
                s[1 + g %% {len(SUBJECTS)}], ''::bytea,
                wf[1 + g %% {n}] || ' ' || wf[1 + (g / 7) %% {n}] || ' ' ||
                    wf[1 + (g / 131) %% {n}] || ' ' || g || ' ' || af[1 + (g / 3) %%
                    {len(AUTHORS)}] || ' 978831' || lpad(g::text, 7, '0') || ' ' ||
                    sf[1 + g %% {len(SUBJECTS)}],
                now(), now()
            FROM generate_series(1, %s) AS g,
                 (SELECT {words} AS w, {folded} AS wf, {authors} AS a, {authors_f} AS af,
                         {subjects} AS s, {subjects_f} AS sf) AS lists
        """, [library.municipality_id, library.pk, records])
        cursor.execute("""
            INSERT INTO education_copy (municipality_id, record_id, library_id,
                inventory_number, location, status)
            SELECT r.municipality_id, r.id, r.library_id, r.id || '-' || c, 'Regał A',
                   CASE WHEN (r.id + c) %% 5 = 0 THEN 'on_loan' ELSE 'available' END
            FROM education_bibrecord r, generate_series(1, 2) AS c
            WHERE r.library_id = %s AND (c = 1 OR r.id %% 3 = 0)
        """, [library.pk])


def run(args) -> int:
    from django.core.management import call_command
    from django.db import connection

    from ratusz.core import services as core
    from ratusz.core.models import UnitKind
    from ratusz.core.tenancy import tenant_context
    from ratusz.education import selectors_library as selectors
    from ratusz.education import services
    from ratusz.education.models import InstitutionKind

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    with tenant_context(None, all_municipalities=True):
        municipality = core.create_municipality(
            acting_user=None, name="Benchowo", official_name="Gmina Benchowo", slug="benchowo",
            teryt="0609995", kind="rural", voivodeship="lubelskie", county="lubelski",
            city="Benchowo")
    with tenant_context(municipality):
        school = core.create_unit(municipality, acting_user=None, name="Szkoła Podstawowa",
                                  kind=UnitKind.SCHOOL, city="Benchowo")
        institution = services.ensure_institution(school, acting_user=None,
                                                  kind=InstitutionKind.PRIMARY_SCHOOL)
        library = services.create_library(institution, acting_user=None)
        print(f"migrated and set up in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        load(library, args.records)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("SELECT count(*) FROM education_bibrecord")
            loaded = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM education_copy")
            copies = cursor.fetchone()[0]
        print(f"loaded {loaded:,} records and {copies:,} copies in "
              f"{time.monotonic() - started:.1f} s")

        missed = []
        print(f"{'query':<20} {'found':>8} {'runs':>5} {'p50 ms':>8} {'p99 ms':>8}")
        for query in QUERIES:
            def search(query=query):
                found = selectors.catalogue_search(municipality, query)
                return found.count(), list(found[:PAGE])

            count, _page = search()  # warm-up
            samples: list[float] = []
            deadline = time.monotonic() + args.seconds
            while len(samples) < args.runs and time.monotonic() < deadline:
                begun = time.perf_counter()
                search()
                samples.append(time.perf_counter() - begun)
            p50, p99 = percentiles(samples)
            flag = "" if p99 <= GOAL_MS else "  MISS"
            print(f"{query:<20} {count:>8,} {len(samples):>5} {p50:>8.1f} {p99:>8.1f}{flag}")
            if flag:
                missed.append(query)
        for query in missed[:2]:
            found = selectors.catalogue_search(municipality, query)
            print(f"\nEXPLAIN ANALYZE, {query!r}:")
            print(found[:PAGE].explain(analyze=True))
    print(f"\ngoal: p99 <= {GOAL_MS} ms per query over {loaded:,} records: "
          + ("MISS " + ", ".join(missed) if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
