"""Register-and-open-case throughput over the API, on a throw-away PostgreSQL.

    .venv/bin/python bench/ezd_register.py [--seconds 20] [--clients 16] [--workers 3]
                                           [--threads 8] [--max-pairs 100000]

Starts PostgreSQL (ratusz.testing.services), migrates, creates a gmina with 8
departments, the shipped JRWA and a registry clerk with an API token (through the
services), starts gunicorn (gthread, persistent database connections), and drives
--clients keep-alive clients for --seconds (and at most --max-pairs pairs), each doing

    POST /api/v1/incoming  → 201 {"id", "number"}       (RPW, one gapless counter)
    POST /api/v1/cases     → 201 {"id", "mark"}          (with incoming_id)

Prints pairs/s and p50/p99 of each call and of the pair, then the rate of a bare endpoint
of the same server: POST /api/v1/bench/counter when the server has it (gapless counter
plus one insert, enabled by RATUSZ_BENCH_ENDPOINTS=1), else GET /healthz. The load
generator (Python threads) shares the 2 cores with the server and PostgreSQL, so the
figures are a floor. The test cluster runs with fsync and synchronous_commit off.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import date
from functools import partial
from types import SimpleNamespace

from _common import ROOT, free_port, gunicorn, stop, wait_for_port

from ratusz.testing.chaos.world import add_registry_clerk, create_gmina

GOAL_PAIRS_PER_SECOND = 300
DEPARTMENTS = [("OR", "Referat Organizacyjny"), ("FN", "Referat Finansowy"),
               ("GK", "Referat Gospodarki Komunalnej"), ("RG", "Referat Rolnictwa i Gruntów"),
               ("OS", "Referat Ochrony Środowiska"), ("SO", "Referat Spraw Obywatelskich"),
               ("IN", "Referat Inwestycji"), ("PL", "Referat Planowania Przestrzennego")]
TITLES = ["Wniosek o wydanie decyzji o warunkach zabudowy", "Skarga na hałas",
          "Wniosek o udostępnienie informacji publicznej", "Wniosek o wycinkę drzew",
          "Zgłoszenie awarii oświetlenia ulicznego", "Petycja mieszkańców w sprawie drogi"]
NAMES = ["Jan Kowalski", "Anna Nowak", "Piotr Wiśniewski", "Zofia Mazur", "Ewa Zielińska"]


def create_bench_gmina() -> SimpleNamespace:
    """A gmina with 8 departments, the shipped JRWA, a registry clerk with an API token,
    a case officer of one department and a secretary; made through the services
    (ratusz.testing.chaos.world)."""
    from ratusz.accounts import services as accounts
    from ratusz.accounts.permissions import Role
    from ratusz.core.tenancy import tenant_context

    gmina = create_gmina(DEPARTMENTS)
    municipality, departments = gmina.municipality, gmina.departments
    clerk, _token, secret = add_registry_clerk(municipality, departments[0])
    with tenant_context(municipality):
        officer = accounts.create_staff_member(
            municipality, acting_user=None, username="bench.referent", first_name="Piotr",
            last_name="Wiśniewski", roles=[(Role.CASE_OFFICER, departments[2])])
        secretary = accounts.create_staff_member(
            municipality, acting_user=None, username="bench.sekretarz", first_name="Maria",
            last_name="Zielińska", roles=[(Role.SECRETARY, None)])
    return SimpleNamespace(municipality=municipality, office=gmina.office,
                           departments=departments, jrwa_symbol=gmina.jrwa_symbol, clerk=clerk,
                           officer=officer, officer_department=departments[2],
                           secretary=secretary, token=secret)


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}",
                        "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        payload = json.dumps(body).encode() if body is not None else None
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=payload, headers=self.headers)
                response = self.connection.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                             timeout=30)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def pair(client: Client, rnd: random.Random, world: dict) -> tuple[float, float, str]:
    started = time.perf_counter()
    status, body = client.call("POST", "/api/v1/incoming", {
        "title": rnd.choice(TITLES), "sender": {"name": rnd.choice(NAMES)},
        "received_on": date.today().isoformat(), "channel": "post"})
    registered = time.perf_counter()
    if status != 201:
        return registered - started, 0.0, f"incoming {status}: {body[:200]!r}"
    entry = json.loads(body)
    status, body = client.call("POST", "/api/v1/cases", {
        "title": rnd.choice(TITLES), "jrwa_symbol": world["jrwa_symbol"],
        "department": rnd.choice(world["departments"]), "incoming_id": entry["id"]})
    opened = time.perf_counter()
    if status != 201:
        return registered - started, opened - registered, f"cases {status}: {body[:200]!r}"
    return registered - started, opened - registered, ""


def drive(port: int, world: dict, clients: int, seconds: float, limit: int, action):
    """Run `action(client, rnd)` from `clients` threads until the time or count runs out;
    returns the wall time and the samples of every thread."""
    results: list = []
    errors: list[str] = []
    lock = threading.Lock()
    done = [0]
    deadline = time.monotonic() + seconds

    def worker(number: int) -> None:
        client = Client(port, world["token"])
        rnd = random.Random(number)  # noqa: S311 - load-test data
        mine, failed = [], []
        while time.monotonic() < deadline:
            with lock:
                if done[0] >= limit:
                    break
                done[0] += 1
            try:
                sample = action(client, rnd)
            except Exception as error:  # noqa: BLE001 - counted and shown
                failed.append(repr(error))
                continue
            if sample[-1]:
                failed.append(sample[-1])
            else:
                mine.append(sample)
        with lock:
            results.extend(mine)
            errors.extend(failed)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started, results, errors


def ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    if not ordered:
        return "       –        –"
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{statistics.median(ordered) * 1000:8.1f} {p99 * 1000:8.1f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--max-pairs", type=int, default=100_000)
    args = parser.parse_args()

    from ratusz.testing.services import postgres_server

    with postgres_server() as database_url:
        var = tempfile.mkdtemp(prefix="ratusz-bench-")
        os.makedirs(os.path.join(var, "static"), exist_ok=True)
        env = {**os.environ, "DATABASE_URL": database_url, "RATUSZ_VAR_DIR": var,
               "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DEBUG": "0",
               "LOG_LEVEL": "WARNING", "RATUSZ_BENCH_ENDPOINTS": "1"}
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        world = create_bench_gmina()
        shared = {"token": world.token, "jrwa_symbol": world.jrwa_symbol,
                  "departments": [department.symbol for department in world.departments]}
        connections.close_all()
        port = free_port()
        server = subprocess.Popen(
            gunicorn(port, "--workers", str(args.workers), "--worker-class", "gthread",
                     "--threads", str(args.threads), "--keep-alive", "30",
                     "--log-level", "warning"),
            cwd=ROOT, env=env)
        try:
            return measure(args, port, shared)
        finally:
            stop(server, timeout=20)


def measure(args, port: int, world: dict) -> int:
    wait_for_port(port)
    print(f"gunicorn {args.workers} workers × {args.threads} threads, {args.clients} "
          f"keep-alive clients, {args.seconds:.0f} s (at most {args.max_pairs:,} pairs)")
    pair_of_calls = partial(pair, world=world)
    # Warm-up: every server thread opens its database connection, which loads the Polish
    # dictionary once (~0.3 s of database CPU each).
    drive(port, world, args.clients, 8, 2000, pair_of_calls)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    wall, samples, errors = drive(port, world, args.clients, args.seconds, args.max_pairs,
                                  pair_of_calls)
    after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime) / wall
    rate = len(samples) / wall
    print(f"\n{'call':<28} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"{'POST /api/v1/incoming':<28} {ms([s[0] for s in samples])}")
    print(f"{'POST /api/v1/cases':<28} {ms([s[1] for s in samples])}")
    print(f"{'pair':<28} {ms([s[0] + s[1] for s in samples])}")
    verdict = "ok" if rate >= GOAL_PAIRS_PER_SECOND else "MISS"
    print(f"\nthroughput: {rate:,.0f} pairs/s ({len(samples):,} pairs in {wall:.1f} s; "
          f"goal ≥ {GOAL_PAIRS_PER_SECOND} pairs/s: {verdict}); errors: {len(errors)}; "
          f"load generator used {client_cpu:.2f} core")
    if errors:
        print(f"first error: {errors[0]}")

    probe = Client(port, world["token"])
    status, _body = probe.call("POST", "/api/v1/bench/counter", {})
    if status in (200, 201):
        path, method = "/api/v1/bench/counter", "POST"
        label = "POST /api/v1/bench/counter (gapless counter + insert)"
    else:
        path, method = "/healthz", "GET"
        label = "GET /healthz (no /api/v1/bench/counter on this server)"

    def bare(client: Client, rnd: random.Random) -> tuple[float, str]:
        started = time.perf_counter()
        status, body = client.call(method, path, {} if method == "POST" else None)
        elapsed = time.perf_counter() - started
        return elapsed, "" if status in (200, 201) else f"{status}: {body[:200]!r}"

    seconds = min(args.seconds, 10)
    wall, samples, errors = drive(port, world, args.clients, seconds, 1_000_000, bare)
    p50, p99 = ms([sample[0] for sample in samples]).split()
    print(f"bare endpoint, same server: {label}: {len(samples) / wall:,.0f} req/s, "
          f"p50/p99 {p50}/{p99} ms, errors: {len(errors)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
