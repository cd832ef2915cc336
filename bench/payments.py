"""Payments (issue 16) on a throw-away PostgreSQL: importing obligations, reconciling an
MT940 statement, gateway notifications from concurrent clients, the taxpayer account.

    .venv/bin/python bench/payments.py [--obligations 100000] [--lines 100000] \
        [--notifications 2000] [--clients 16] [--years 10] [--runs 200] \
        [--parts import,statement,notifications,account] [--workers 2] [--threads 8]

Starts PostgreSQL (ratusz.testing.services), migrates, makes the gmina Benchowo with its
collection account and a Przelewy24 merchant account at the gateway simulator (its own
process), then:

- import: `services.import_obligations` with --obligations lines (a quarter property tax
  of people with four instalments, the rest a waste fee with one; one payer per four
  lines), then the same lines again (every one unchanged); lines/s;
- statement: an MT940 file of --lines credit lines, each paid to a payer's individual
  account number, read, matched and booked by `services.import_statement`; then the same
  file again (every line a duplicate); lines/s;
- notifications: --notifications payments registered with the simulator and paid there
  (without notifying), then their signed notifications POSTed to gunicorn by --clients
  keep-alive clients, every one twice and shuffled; each is checked, verified with the
  simulator and booked; handled/s and a check that each payment was booked exactly once;
- account: a resident whose payer has --years years of history (four property-tax
  instalments and twelve waste fees a year, all paid, with this year's open), GET of the
  taxpayer account in-process with a login.gov.pl session; p50/p99 over --runs.

Goals on this 2-core machine: import and reconciliation each >= 2,000 lines/s,
notifications >= 200/s handled exactly once, the account page p99 <= 100 ms. A missed goal
prints MISS. The cluster runs with fsync off, which flatters writes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, free_port, gunicorn, stop, wait_for_port  # noqa: E402

IMPORT_GOAL = STATEMENT_GOAL = 2000  # lines/s
NOTIFICATION_GOAL = 200  # handled/s
ACCOUNT_GOAL_MS = 100
PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
MERCHANT, API_KEY, CRC = 424242, "bench-api-key", "bench-crc-key"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISS"


def pesel(index: int) -> str:
    """A valid PESEL per index (born in the 1900s, days kept within 28)."""
    year, rest = 40 + index % 60, index // 60
    month, day = 1 + rest % 12, 1 + (rest // 12) % 28
    serial = (index * 7919) % 10000
    digits = f"{year:02d}{month:02d}{day:02d}{serial:04d}"
    check = (10 - sum(int(d) * w for d, w in zip(digits, PESEL_WEIGHTS, strict=True)) % 10) % 10
    return digits + str(check)


def obligation_lines(count: int, year: int) -> list[dict]:
    lines = []
    for index in range(count):
        person = index // 4
        payer = {"kind": "person", "pesel": pesel(person), "name": f"Płatnik {person}"}
        if index % 4 == 0:
            lines.append({
                "external_id": f"PN/{year}/{person}", "kind": "property_tax",
                "title": f"Podatek od nieruchomości {year}", "period": str(year),
                "payer": payer, "instalments": [
                    {"number": n, "due_date": f"{year}-{m:02d}-15", "amount": 25000 + n}
                    for n, m in enumerate((3, 5, 9, 11), start=1)]})
        else:
            month = index % 4 * 3
            lines.append({
                "external_id": f"OD/{year}-{month:02d}/{person}", "kind": "waste_fee",
                "title": "Opłata za gospodarowanie odpadami", "period": f"{year}-{month:02d}",
                "payer": payer, "instalments": [{"due_date": f"{year}-{month:02d}-20",
                                                 "amount": 3500}]})
    return lines


def mt940(account: str, payments: list[tuple[str, int]], day: date) -> bytes:
    ymd, md = day.strftime("%y%m%d"), day.strftime("%m%d")
    rows = [":20:BENCH" + ymd, f":25:/PL{account}", ":28C:00001/001", f":60F:C{ymd}PLN0,00"]
    total = 0
    for index, (credited, amount) in enumerate(payments):
        total += amount
        rows.append(f":61:{ymd}{md}C{amount // 100},{amount % 100:02d}NTRFNONREF//TNR{index}")
        rows.append(f":86:020~00TR01~20Wplata {index}~3010203000~31{credited[10:]}"
                    f"~32PLATNIK {index}~38PL{credited}")
    rows.append(f":62F:C{ymd}PLN{total // 100},{total % 100:02d}")
    return ("\r\n".join(rows) + "\r\n").encode()


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return (statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--obligations", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--notifications", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--parts", default="import,statement,notifications,account")
    args = parser.parse_args()
    args.parts = set(args.parts.split(","))

    from ratusz.testing.payments import start_gateway_simulator
    from ratusz.testing.services import postgres_server

    simulator = start_gateway_simulator()
    simulator.add_merchant(MERCHANT, api_key=API_KEY, crc=CRC)
    port = free_port()
    try:
        with postgres_server() as database_url:
            os.environ.update(
                DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings.dev",
                DEBUG="0", LOG_LEVEL="WARNING", RATUSZ_PUBLIC_URL=f"http://127.0.0.1:{port}",
                RATUSZ_VAR_DIR=os.environ.get("RATUSZ_VAR_DIR")
                or tempfile.mkdtemp(prefix="ratusz-bench-"))
            import django

            django.setup()
            return run(args, simulator, port)
    finally:
        simulator.stop()


def run(args, simulator, port: int) -> int:
    from django.core.management import call_command

    from ratusz.core.tenancy import tenant_context
    from ratusz.payments import services
    from ratusz.testing.chaos.world import create_gmina

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    municipality = create_gmina().municipality
    with tenant_context(municipality):
        services.configure_collection_account(
            municipality, acting_user=None, nrb_number="61109010140000071219812874",
            virtual_prefix="109010148888")
        services.configure_gateway(municipality, acting_user=None, base_url=simulator.url,
                                   merchant_id=MERCHANT, api_key=API_KEY, crc_key=CRC)
    print(f"migrated and set up in {time.monotonic() - started:.1f} s")
    failures = 0
    with tenant_context(municipality):
        if "import" in args.parts:
            failures += bench_import(municipality, args)
        if "statement" in args.parts:
            failures += bench_statement(municipality, args)
        if "account" in args.parts:
            failures += bench_account(municipality, args)
        if "notifications" in args.parts:
            failures += bench_notifications(municipality, args, simulator, port)
    return 1 if failures else 0


def bench_import(municipality, args) -> int:
    from ratusz.payments import services

    lines = obligation_lines(args.obligations, 2026)
    instalments = sum(len(line["instalments"]) for line in lines)
    started = time.perf_counter()
    run = services.import_obligations(municipality, json.loads(json.dumps(lines)),
                                      acting_user=None, channel="command")
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = services.import_obligations(municipality, json.loads(json.dumps(lines)),
                                        acting_user=None, channel="command")
    second = time.perf_counter() - started
    rate, rate_again = len(lines) / first, len(lines) / second
    print(f"import: {len(lines):,} obligations ({instalments:,} instalments, "
          f"{len(lines) // 4:,} payers) created={run.created} refused={run.refused} in "
          f"{first:.1f} s: {rate:,.0f} lines/s (goal {IMPORT_GOAL:,}: "
          f"{verdict(rate >= IMPORT_GOAL)})")
    print(f"import again: unchanged={again.unchanged} in {second:.1f} s: {rate_again:,.0f} "
          f"lines/s ({verdict(rate_again >= IMPORT_GOAL)})")
    return int(rate < IMPORT_GOAL or rate_again < IMPORT_GOAL or run.refused > 0)


def bench_statement(municipality, args) -> int:
    from ratusz.payments import selectors, services
    from ratusz.payments.models import Payer

    payers = list(Payer.objects.for_municipality(municipality).values_list("account",
                                                                           flat=True))
    if not payers:
        services.import_obligations(municipality, obligation_lines(4000, 2026),
                                    acting_user=None, channel="command")
        payers = list(Payer.objects.for_municipality(municipality).values_list("account",
                                                                               flat=True))
    rnd = random.Random(16)
    payments = [(payers[i % len(payers)], rnd.choice((3500, 25001, 10000, 50000)))
                for i in range(args.lines)]
    data = mt940(selectors.collection_account(municipality).nrb, payments,
                 date(2026, 12, 7))
    started = time.perf_counter()
    statement = services.import_statement(municipality, data, acting_user=None, channel="api")
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = services.import_statement(municipality, data, acting_user=None, channel="api")
    second = time.perf_counter() - started
    rate, rate_again = args.lines / first, args.lines / second
    print(f"statement: {args.lines:,} lines ({len(data) / 1e6:.1f} MB) matched="
          f"{statement.matched:,} unmatched={statement.unmatched} in {first:.1f} s: "
          f"{rate:,.0f} lines/s (goal {STATEMENT_GOAL:,}: {verdict(rate >= STATEMENT_GOAL)})")
    print(f"statement again: matched={again.matched} duplicates={again.duplicates:,} in "
          f"{second:.1f} s: {rate_again:,.0f} lines/s ({verdict(rate_again >= STATEMENT_GOAL)})")
    return int(rate < STATEMENT_GOAL or again.matched != 0)


def bench_account(municipality, args) -> int:
    from django.test import Client

    from ratusz.accounts import identity
    from ratusz.core.tenancy import tenant_context
    from ratusz.payments import selectors, services
    from ratusz.payments.models import ReceiptSource
    from ratusz.testing.chaos.world import add_resident
    from ratusz.testing.logingov import sign_in_identified

    resident, _token, _secret = add_resident(municipality, "bench-password-2026")
    person = pesel(9_999_999)
    with tenant_context(None, all_municipalities=True):
        identity.set_identified(resident, person)
    today = date.today()
    lines = []
    for year in range(today.year - args.years + 1, today.year + 1):
        lines.append({"external_id": f"H/PN/{year}", "kind": "property_tax",
                      "title": f"Podatek od nieruchomości {year}", "period": str(year),
                      "payer": {"kind": "person", "pesel": person, "name": "Ewa Mazur"},
                      "instalments": [{"number": n, "due_date": f"{year}-{m:02d}-15",
                                       "amount": 40000} for n, m in
                                      enumerate((3, 5, 9, 11), start=1)]})
        for month in range(1, 13):
            lines.append({"external_id": f"H/OD/{year}-{month:02d}", "kind": "waste_fee",
                          "title": f"Odpady {month:02d}/{year}", "period": f"{year}-{month}",
                          "payer": {"kind": "person", "pesel": person},
                          "instalments": [{"due_date": f"{year}-{month:02d}-20",
                                           "amount": 3500}]})
    services.import_obligations(municipality, lines, acting_user=None, channel="command")
    views = sorted(selectors.views(selectors.resident_instalments(municipality, resident)),
                   key=lambda view: view.due_date)
    payer_id = views[0].instalment.payer_id
    booked = 0
    for view in views:
        if view.due_date < today - timedelta(days=30):
            booked += 1
            services.book_receipt(municipality, payer_id=payer_id, amount=view.outstanding,
                                  value_date=view.due_date, source=ReceiptSource.STATEMENT,
                                  named={view.id})
    client = Client()
    sign_in_identified(client, resident)
    url = f"/g/{municipality.slug}/e-urzad/naleznosci/"
    assert client.get(url).status_code == 200
    samples = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200
    p50, p99 = percentiles(samples)
    print(f"account page: {len(views)} instalments over {args.years} years, paid with "
          f"{booked} receipts; {args.runs} GETs p50 "
          f"{p50:.1f} ms, p99 {p99:.1f} ms (goal {ACCOUNT_GOAL_MS}: "
          f"{verdict(p99 <= ACCOUNT_GOAL_MS)})")
    return int(p99 > ACCOUNT_GOAL_MS)


def bench_notifications(municipality, args, simulator, port: int) -> int:
    import requests
    from django.db import connection

    from ratusz.accounts import identity
    from ratusz.core.tenancy import tenant_context
    from ratusz.payments import selectors, services
    from ratusz.payments.models import Payment, PaymentStatus, Receipt

    count = args.notifications
    residents = []
    for index in range(count):
        user = _resident(municipality, index)
        person = pesel(5_000_000 + index)
        with tenant_context(None, all_municipalities=True):
            identity.set_identified(user, person)
        residents.append((user, person))
    services.import_obligations(municipality, [
        {"external_id": f"N/{i}", "kind": "stamp_duty", "title": "Opłata skarbowa",
         "payer": {"kind": "person", "pesel": person, "name": f"Płatnik {i}"},
         "instalments": [{"due_date": "2027-01-31", "amount": 1700}]}
        for i, (_user, person) in enumerate(residents)], acting_user=None, channel="command")
    started = time.monotonic()
    bodies = []
    for user, _person in residents:
        (view,) = selectors.views(selectors.resident_instalments(municipality, user))
        payment = services.start_payment(municipality, user=user, instalment_ids=[view.id])
        simulator.payer(payment.session_id, "pay", notify=False)
        bodies.append(simulator.notification(payment.session_id))
    print(f"notifications: {count:,} payments registered and paid at the simulator in "
          f"{time.monotonic() - started:.1f} s")
    key = selectors.gateway_account(municipality).notify_key
    connection.close()
    server = subprocess.Popen(
        gunicorn(port, "--workers", str(args.workers), "--threads", str(args.threads),
                 "--worker-class", "gthread", "--keep-alive", "30"),
        cwd=ROOT, env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}/payments/bramka/{key}/status/"
        requests.post(url, data="{}", timeout=30)  # warm-up: every worker loads the app
        work = [json.dumps(body) for body in bodies] * 2
        random.Random(7).shuffle(work)
        statuses: list[int] = []
        lock = threading.Lock()
        position = iter(range(len(work)))

        def client():
            session = requests.Session()
            mine = []
            while True:
                with lock:
                    index = next(position, None)
                if index is None:
                    break
                answer = session.post(url, data=work[index], timeout=60,
                                      headers={"Content-Type": "application/json"})
                mine.append(answer.status_code)
            with lock:
                statuses.extend(mine)

        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        stop(server)
    rate = len(work) / elapsed
    paid = Payment.objects.for_municipality(municipality).filter(
        status=PaymentStatus.PAID).count()
    receipts = Receipt.objects.for_municipality(municipality).filter(
        payment__isnull=False).count()
    exactly_once = paid == count == receipts
    errors = sum(status != 200 for status in statuses)
    if errors:
        from ratusz.payments.models import GatewayEvent

        reasons = GatewayEvent.objects.for_municipality(municipality).exclude(
            outcome="accepted").values_list("kind", "outcome", "reason")[:5]
        print(f"  answers {sorted(set(statuses))}; gateway messages: {list(reasons)}")
    print(f"notifications: {len(work):,} POSTs ({count:,} payments, each notified twice) from "
          f"{args.clients} clients in {elapsed:.1f} s: {rate:,.0f} handled/s (goal "
          f"{NOTIFICATION_GOAL}: {verdict(rate >= NOTIFICATION_GOAL)}); non-200 answers "
          f"{errors}; paid {paid:,}, receipts {receipts:,}: exactly once "
          f"{verdict(exactly_once)}")
    return int(rate < NOTIFICATION_GOAL or not exactly_once)


def _resident(municipality, index: int):
    """A resident with its own username (the chaos world's helper makes one name)."""
    from ratusz.accounts import services as accounts
    from ratusz.core.tenancy import tenant_context

    with tenant_context(None, all_municipalities=True):
        user = accounts.register_resident(
            username=f"bench.platnik.{index}", email=f"platnik{index}@benchowo.example.org",
            password="bench-password-2026", first_name="Jan", last_name=f"Płatnik{index}",
            city="Benchowo", street="Polna", building="1", postal_code="24-220")
        accounts.link_resident(municipality, user)
    return user


if __name__ == "__main__":
    sys.exit(main())
