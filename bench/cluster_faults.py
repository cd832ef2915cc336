"""Mixed load through HAProxy on the cluster (`make cluster`) while hosts fail.

    .venv/bin/python bench/cluster_faults.py [--seconds 60] [--clients 12] [--no-faults]

Needs the cluster running (`make cluster`; as root). For --seconds, --clients keep-alive
clients send through HAProxy (http://10.22.0.10) a mix of

- BIP pages of the five demo gminy, anonymous (GET; the page cache, the replica);
- e-service submissions (`POST /api/v1/services/pismo-ogolne/submissions`, the demo
  resident's token; a case, an RPW entry, a receipt made by a worker);
- registrations in the incoming register (`POST /api/v1/incoming`, the registry clerk);
- alerts (`POST /api/v1/alerts`, minor, e-mail: fanned out by the workers).

Every write carries its own Idempotency-Key and a unique marker (`bench-…` in its subject,
title or headline). A client retries a write that got no answer (connection lost, or
502/503/504 from HAProxy) with the same key, as a real client would, at most 5 times.

Faults, at fractions of the run (at 60 s: 10, 20, 30, 40 and 50 s):
1. web2 is killed (SIGKILL of its gunicorn): how long HAProxy takes to mark it DOWN is
   measured (checks every 1 s, out after 2 failures);
2. worker2 is killed (SIGKILL; tasks it held are acknowledged late and come back);
3. Redis is restarted (stopped, started again on its append-only file);
4. the replica is stopped (`pg_ctl stop -m immediate`) and 5. started again.
web2 and worker2 are started again after the load.

Then it waits (at most 120 s) for every receipt of the run's submissions, and counts in
the primary (as the `postgres` superuser, past row-level security): a marker answered
201 (or 200: a replay) that is not stored is **lost**; a marker stored twice is
**duplicated**; a submission whose case is missing or shared, or whose receipt never
came, is counted too. It prints requests per second, p50/p99 per kind, errors by kind
and status, per 5-second window the answers and errors (the dip and the recovery), the
faults with their times, and the lost and duplicated counts (which must be zero).

Everything shares the machine's 2 cores with the load generator: the rates are a floor.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import random
import re
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts" / "cluster"))
sys.path.insert(0, str(ROOT / "bench"))
import cluster  # noqa: E402 - after the path

LB = cluster.address("lb")
MIX = (("bip", 0.55), ("submission", 0.2), ("registration", 0.17), ("alert", 0.08))
RETRY_STATUSES = {502, 503, 504}
MAX_ATTEMPTS = 5
WINDOW = 5


class Client:
    """One keep-alive connection to HAProxy; reconnects after an error."""

    def __init__(self):
        self.connection: http.client.HTTPConnection | None = None

    def send(self, method: str, path: str, body: bytes | None, headers: dict
             ) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(LB, 80, timeout=30)
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return response.status, data
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, b""

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None


class Load:
    def __init__(self, demo: dict, bip_paths: list[str], seconds: float,
                 mix: tuple = MIX):
        self.mix = mix
        self.demo = demo
        self.bip_paths = bip_paths
        self.seconds = seconds
        self.lock = threading.Lock()
        self.results: list[tuple] = []  # (kind, start offset, latency, status, attempts)
        self.writes: list[tuple] = []  # (kind, marker, final status)
        self.started = 0.0
        self.stop = threading.Event()

    def run_client(self, seed: int) -> None:
        rnd = random.Random(seed)
        client = Client()
        kinds, weights = zip(*self.mix, strict=True)
        while not self.stop.is_set():
            kind = rnd.choices(kinds, weights)[0]
            gmina = rnd.choice(self.demo["municipalities"])
            begun = time.monotonic()
            if kind == "bip":
                status, attempts = self.get(client, rnd.choice(self.bip_paths)), 1
            else:
                status, attempts = self.write(client, kind, gmina)
            with self.lock:
                self.results.append((kind, begun - self.started, time.monotonic() - begun,
                                     status, attempts))
        client.close()

    def get(self, client: Client, path: str) -> int:
        status, _ = client.send("GET", path, None, {"Host": LB})
        return status

    def write(self, client: Client, kind: str, gmina: dict) -> tuple[int, int]:
        marker = f"bench-{uuid.uuid4().hex[:20]}"
        path, token, body = self.request_of(kind, gmina, marker)
        headers = {"Host": LB, "Content-Type": "application/json",
                   "Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
        payload = json.dumps(body).encode()
        status = 0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            status, _ = client.send("POST", path, payload, headers)
            if status and status not in RETRY_STATUSES:
                break
            time.sleep(0.2 * attempt)
        with self.lock:
            self.writes.append((kind, marker, status))
        return status, attempt

    @staticmethod
    def request_of(kind: str, gmina: dict, marker: str) -> tuple[str, str, dict]:
        if kind == "submission":
            return "/api/v1/services/pismo-ogolne/submissions", gmina["resident_token"], {
                "data": {"first_name": "Jan", "last_name": "Kowalski", "street": "Lipowa",
                         "building": "12", "postal_code": "20-020", "city": "Lublin",
                         "email": "jan.kowalski@example.com", "subject": marker,
                         "content": "Proszę o informację o terminie odbioru odpadów "
                                    "wielkogabarytowych w mojej miejscowości."}}
        if kind == "registration":
            return "/api/v1/incoming", gmina["api_token"], {
                "title": marker, "received_on": date.today().isoformat(), "channel": "post",
                "sender": {"kind": "person", "first_name": "Anna", "last_name": "Nowak",
                           "city": "Lublin"}}
        return "/api/v1/alerts", gmina["api_token"], {
            "event": "Utrudnienia", "headline": marker,
            "description": "Ćwiczenie awarii klastra.", "severity": "Minor",
            "urgency": "Expected", "certainty": "Likely", "topic": "roads",
            "channels": ["email"],
            "expiry": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}


# --- Faults -------------------------------------------------------------------------------


#: A dead host is out after CHECK_FALL failed checks, one every CHECK_INTER_MS; a check in
#: flight when it died may take one more interval (its timeout is the interval).
DOWN_BOUND_SECONDS = (cluster.CHECK_FALL + 1) * cluster.CHECK_INTER_MS / 1000
haproxy_took: list[float | None] = []


def time_to_down(host: str, since: float, timeout: float = 15) -> float | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cluster.backend_states().get(host) == "DOWN":
            return time.monotonic() - since
        time.sleep(0.05)
    return None


def run_faults(load: Load, events: list, faults: bool) -> None:
    plan = [(0.167, "kill web2"), (0.333, "kill worker2"), (0.5, "restart Redis"),
            (0.667, "stop the replica"), (0.833, "start the replica")]
    for fraction, name in plan:
        at = load.started + fraction * load.seconds
        while time.monotonic() < at and not load.stop.is_set():
            time.sleep(0.05)
        if load.stop.is_set() or not faults:
            return
        begun = time.monotonic()
        detail = ""
        if name == "kill web2":
            cluster.stop_host("web2")
            down = time_to_down("web2", begun)
            haproxy_took.append(down)
            detail = (f"HAProxy marked web2 DOWN after {down:.2f} s" if down is not None
                      else "HAProxy did not mark web2 DOWN within 15 s")
        elif name == "kill worker2":
            cluster.stop_host("worker2")
        elif name == "restart Redis":
            cluster.stop_host("redis")
            cluster.start_host("redis")
            detail = f"Redis answered again after {time.monotonic() - begun:.2f} s"
        elif name == "stop the replica":
            cluster.stop_host("db2")
        elif name == "start the replica":
            cluster.start_host("db2")
            detail = f"replica accepting connections after {time.monotonic() - begun:.2f} s"
        events.append((begun - load.started, name, detail))


# --- The count in the primary ----------------------------------------------------------------


def primary(sql: str) -> list[list[str]]:
    out = cluster.psql("db1", sql, "ratusz")
    return [line.split("|") for line in out.splitlines() if line]


def count_in_primary() -> dict[str, dict[str, int]]:
    queries = {
        "submission": "SELECT data->>'subject', count(*) FROM eservices_submission "
                      "WHERE data->>'subject' LIKE 'bench-%' GROUP BY 1",
        "registration": "SELECT title, count(*) FROM cases_incomingentry "
                        "WHERE title LIKE 'bench-%' GROUP BY 1",
        "alert": "SELECT headline, count(*) FROM notifications_alert "
                 "WHERE headline LIKE 'bench-%' GROUP BY 1",
    }
    return {kind: {marker: int(count) for marker, count in primary(sql)}
            for kind, sql in queries.items()}


def waiting_receipts(markers: list[str]) -> int:
    if not markers:
        return 0
    listed = ",".join(f"'{m}'" for m in markers)
    rows = primary("SELECT count(*) FROM eservices_submission WHERE receipt_created_at IS NULL"
                   f" AND data->>'subject' IN ({listed})")
    return int(rows[0][0])


def cases_not_one_per_submission(markers: list[str]) -> int:
    if not markers:
        return 0
    listed = ",".join(f"'{m}'" for m in markers)
    rows = primary(
        "SELECT count(*) FROM (SELECT s.case_id, count(*) FROM eservices_submission s "
        "LEFT JOIN cases_case c ON c.id = s.case_id "
        f"WHERE s.data->>'subject' IN ({listed}) GROUP BY s.case_id "
        "HAVING count(*) > 1 OR bool_or(c.id IS NULL)) AS shared")
    return int(rows[0][0])


# --- Per-operation costs (--costs) -----------------------------------------------------------

TIERS = {"web": list(cluster.WEB_HOSTS), "worker": [*cluster.WORKER_HOSTS, "beat"],
         "primary": ["db1"], "replica": ["db2"], "pooler": ["pooler"], "redis": ["redis"],
         "haproxy": ["lb"]}


def tier_cpu() -> dict[str, float]:
    """CPU seconds so far of each tier's processes and their children (/proc)."""
    from _common import process_cpu

    totals = {}
    for tier, names in TIERS.items():
        total = 0.0
        for name in names:
            if name in ("db1", "db2"):
                pidfile = cluster.pg_dir(name) / "data" / "postmaster.pid"
                pid = int(pidfile.read_text().split()[0]) if pidfile.exists() else None
            else:
                pid = cluster.ours(name)
            if pid is not None:
                total += process_cpu(pid)
        totals[tier] = total
    return totals


def storage() -> dict[str, int]:
    database = int(primary("SELECT pg_database_size('ratusz')")[0][0])
    wal = int(primary("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")[0][0].split(".")[0])
    media = sum(f.stat().st_size for f in (cluster.SHARED / "media").rglob("*") if f.is_file())
    return {"database": database, "wal": wal, "files": media}


def measure_costs(demo: dict, bip_paths: list[str], seconds: float, clients: int) -> None:
    print(f"\nPer-operation costs: each kind alone, {clients} clients, {seconds:.0f} s; CPU of "
          "each tier's processes (/proc), the primary's size, WAL and stored files")
    print(f"{'kind':<13}{'n':>6}{'req/s':>7}" + "".join(f"{t:>9}" for t in TIERS)
          + f"{'db B':>9}{'WAL B':>9}{'file B':>9}   (CPU in ms per request)")
    for kind, _weight in MIX:
        before_cpu, before_size = tier_cpu(), storage()
        load = Load(demo, bip_paths, seconds, mix=((kind, 1.0),))
        load.started = time.monotonic()
        threads = [threading.Thread(target=load.run_client, args=(seed,), daemon=True)
                   for seed in range(clients)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - load.started
        done = [m for k, m, s in load.writes if s in (200, 201)]
        if kind == "submission":
            deadline = time.monotonic() + 120
            while waiting_receipts(done) and time.monotonic() < deadline:
                time.sleep(1)
        time.sleep(3)  # the fan-out of alerts, the view counts of the BIP
        after_cpu, after_size = tier_cpu(), storage()
        count = max(1, sum(1 for r in load.results if 200 <= r[3] < 300))
        cpu = {t: (after_cpu[t] - before_cpu[t]) * 1000 / count for t in TIERS}
        size = {k: (after_size[k] - before_size[k]) / count for k in after_size}
        print(f"{kind:<13}{count:>6}{count / elapsed:>7.1f}"
              + "".join(f"{cpu[t]:>9.1f}" for t in TIERS)
              + f"{size['database']:>9.0f}{size['wal']:>9.0f}{size['files']:>9.0f}")
    print("\nLargest tables of the primary (rows, bytes with indexes and TOAST, per row):")
    for name, rows, total in primary(
            "SELECT relname, n_live_tup, pg_total_relation_size(relid) FROM "
            "pg_stat_user_tables WHERE n_live_tup > 0 ORDER BY 3 DESC LIMIT 14"):
        print(f"   {name:<34}{int(rows):>9}{int(total):>12}{int(total) / int(rows):>9.0f}")


# --- Report ---------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(load: Load, events: list, elapsed: float) -> None:
    results = load.results
    ok = [r for r in results if 200 <= r[3] < 300]
    print(f"\n{len(results)} requests in {elapsed:.1f} s: {len(results) / elapsed:.1f} req/s, "
          f"{len(ok)} answered 2xx, {len(results) - len(ok)} not")
    print(f"{'kind':<13}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'retried':>9}  "
          "errors (final status: count)")
    for kind, _weight in MIX:
        mine = [r for r in results if r[0] == kind]
        good = [r[2] * 1000 for r in mine if 200 <= r[3] < 300]
        errors = collections.Counter(r[3] for r in mine if not 200 <= r[3] < 300)
        retried = sum(1 for r in mine if r[4] > 1)
        print(f"{kind:<13}{len(mine):>7}{len(mine) / elapsed:>8.1f}"
              f"{percentile(good, 0.5):>9.0f}{percentile(good, 0.99):>9.0f}{retried:>9}  "
              f"{dict(errors) or '-'}")
    print(f"\nper {WINDOW} s (start of window: answered 2xx / not):")
    buckets: dict[int, list[int]] = collections.defaultdict(lambda: [0, 0])
    for r in results:
        buckets[int(r[1] // WINDOW)][0 if 200 <= r[3] < 300 else 1] += 1
    line = []
    for index in sorted(buckets):
        good, bad = buckets[index]
        line.append(f"{index * WINDOW:>3}s {good / WINDOW:5.1f}/s {bad:>3} err")
    for start in range(0, len(line), 4):
        print("   " + " | ".join(line[start:start + 4]))
    print("\nfaults:")
    for at, name, detail in events:
        print(f"   {at:5.1f} s  {name}{': ' + detail if detail else ''}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--costs", action="store_true",
                        help="instead: each kind alone, CPU ms per request per tier, bytes")
    args = parser.parse_args()
    demo_file = cluster.STATE / "demo.json"
    if not demo_file.exists() or cluster.backend_states() == {}:
        print("The cluster is not running: make cluster", file=sys.stderr)
        return 2
    demo = json.loads(demo_file.read_text())
    bip_paths = []
    for gmina in demo["municipalities"]:
        home = f"/g/{gmina['slug']}/bip/"
        bip_paths.append(home)
        status, body = Client().send("GET", home, None, {"Host": LB})
        links = sorted(set(re.findall(rf'href="({re.escape(home)}[^"#?]+/)"', body.decode())))
        bip_paths += links[:6]
    print(f"{len(bip_paths)} BIP pages; {args.clients} clients for {args.seconds:.0f} s "
          f"through HAProxy {LB}; HAProxy checks every {cluster.CHECK_INTER_MS} ms, "
          f"a host is out after {cluster.CHECK_FALL} failures", flush=True)
    if args.costs:
        measure_costs(demo, bip_paths, args.seconds, args.clients)
        return 0
    load = Load(demo, bip_paths, args.seconds)
    events: list = []
    load.started = time.monotonic()
    threads = [threading.Thread(target=load.run_client, args=(seed,), daemon=True)
               for seed in range(args.clients)]
    for thread in threads:
        thread.start()
    faults = threading.Thread(target=run_faults, args=(load, events, not args.no_faults))
    faults.start()
    time.sleep(args.seconds)
    load.stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - load.started
    faults.join(timeout=60)
    if not args.no_faults:
        for host in ("web2", "worker2"):
            cluster.start_host(host)
    report(load, events, elapsed)

    answered = {kind: [m for k, m, s in load.writes if k == kind and s in (200, 201)]
                for kind in ("submission", "registration", "alert")}
    unanswered = {kind: [m for k, m, s in load.writes if k == kind and s not in (200, 201)]
                  for kind in answered}
    submissions = answered["submission"]
    deadline = time.monotonic() + 120
    waiting = waiting_receipts(submissions)
    while waiting and time.monotonic() < deadline:
        time.sleep(2)
        waiting = waiting_receipts(submissions)
    stored = count_in_primary()
    lost = {kind: sum(1 for m in markers if m not in stored[kind])
            for kind, markers in answered.items()}
    duplicated = {kind: sum(1 for count in stored[kind].values() if count > 1)
                  for kind in stored}
    stored_unanswered = {kind: sum(1 for m in markers if m in stored[kind])
                         for kind, markers in unanswered.items()}
    shared_cases = cases_not_one_per_submission(submissions)
    print("\nwrites answered 2xx: " + ", ".join(f"{k} {len(v)}" for k, v in answered.items()))
    print("writes never answered 2xx (stored anyway, i.e. answered lost but done): "
          + ", ".join(f"{k} {len(v)} ({stored_unanswered[k]} stored)"
                      for k, v in unanswered.items()))
    print(f"lost (answered 2xx, not in the primary): {lost}  total {sum(lost.values())}")
    print(f"duplicated (stored twice): {duplicated}  total {sum(duplicated.values())}")
    print(f"submissions without exactly one case of their own: {shared_cases}")
    print(f"receipts still missing 120 s after the load: {waiting} of {len(submissions)}")
    total = sum(lost.values()) + sum(duplicated.values()) + shared_cases + waiting
    print("RESULT: " + ("no write lost, nothing twice" if total == 0 else "FAILED"))
    for took in haproxy_took:
        met = took is not None and took <= DOWN_BOUND_SECONDS
        print(f"HAProxy took the dead host out in {took if took is None else round(took, 2)} s"
              f" (bound {DOWN_BOUND_SECONDS:.0f} s): {'MET' if met else 'MISS'}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and set(cluster.backend_states().values()) != {"UP"}:
        time.sleep(0.5)
    print(f"HAProxy after the restarts: {cluster.backend_states()}")
    return 0 if total == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
