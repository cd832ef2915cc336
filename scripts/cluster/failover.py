"""The primary failover drill on the cluster (docs/operations.md, "Failover of the primary").

    python scripts/cluster/failover.py [--clients 8] [--before 10] [--after 15]

Needs `make cluster`; leaves it running on the promoted replica (start again from scratch
with `make cluster-down && make cluster`). Steps, timed:

1. registrations (`POST /api/v1/incoming`, each with its own marker and Idempotency-Key)
   run through HAProxy from --clients clients; after --before seconds
2. the primary crashes: PostgreSQL on db1 is stopped with `-m immediate` (no shutdown
   checkpoint, nothing more is sent to the replica: a power cut as far as the data goes);
3. the replica is promoted (`pg_ctl promote` on db2) and waited for until it accepts
   writes;
4. PgBouncer is pointed at the new primary (its `[databases]` entry, then SIGHUP: RELOAD): the
   web and worker hosts keep their DATABASE_URL, and their next transaction goes there;
5. the load goes on for --after seconds.

Then it counts, on the new primary: registrations answered 201 before the crash that are
missing (the **loss window**: what the primary had committed and acknowledged but not yet
sent to the replica), and how long no registration could be made (from the crash to the
first 201 after it). Exit status 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import threading
import time
import uuid
from datetime import date

import cluster

LB = cluster.address("lb")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--before", type=float, default=10)
    parser.add_argument("--after", type=float, default=15)
    args = parser.parse_args()
    demo = json.loads((cluster.STATE / "demo.json").read_text())
    tokens = [gmina["api_token"] for gmina in demo["municipalities"]]
    lock = threading.Lock()
    answered: list[tuple[float, str, int]] = []  # (time, marker, status)
    stop = threading.Event()

    def client(seed: int) -> None:
        connection = None
        while not stop.is_set():
            marker = f"failover-{uuid.uuid4().hex[:16]}"
            body = json.dumps({"title": marker, "received_on": date.today().isoformat(),
                               "channel": "post"}).encode()
            headers = {"Host": LB, "Content-Type": "application/json",
                       "Authorization": f"Bearer {tokens[seed % len(tokens)]}",
                       "Idempotency-Key": uuid.uuid4().hex}
            status = 0
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(LB, 80, timeout=30)
                connection.request("POST", "/api/v1/incoming", body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                if connection is not None:
                    connection.close()
                connection = None
            with lock:
                answered.append((time.monotonic(), marker, status))
            if status != 201:
                time.sleep(0.1)

    threads = [threading.Thread(target=client, args=(n,), daemon=True)
               for n in range(args.clients)]
    for thread in threads:
        thread.start()
    time.sleep(args.before)

    steps = []
    crash = time.monotonic()
    lsn_primary = cluster.psql("db1", "SELECT pg_current_wal_lsn()")
    cluster.pg_ctl("db1", "stop", "-m", "immediate")
    steps.append(("primary crashed (pg_ctl stop -m immediate on db1)", time.monotonic()))
    lsn_replica = cluster.psql("db2", "SELECT pg_last_wal_replay_lsn()")
    cluster.run(*cluster.in_host("db2", cluster.postgres_bin("pg_ctl"), "-D",
                                 str(cluster.pg_dir("db2") / "data"), "-w", "promote",
                                 user="postgres"), quiet=True)
    while cluster.psql("db2", "SELECT pg_is_in_recovery()") != "f":
        time.sleep(0.05)
    steps.append(("replica promoted (pg_ctl promote on db2), accepts writes", time.monotonic()))
    ini = cluster.STATE / "pooler" / "pgbouncer.ini"
    ini.write_text(ini.read_text().replace(
        f"ratusz = host=127.0.0.1 port={cluster.PG_PORT}",
        f"ratusz = host={cluster.address('db2')} port={cluster.PG_PORT}"))
    os.kill(cluster.ours("pooler"), signal.SIGHUP)  # PgBouncer's RELOAD
    steps.append(("PgBouncer points at db2 (its configuration reloaded)", time.monotonic()))
    time.sleep(args.after)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    before = [marker for at, marker, status in answered if status == 201 and at <= crash]
    stored = set(cluster.psql(
        "db2", "SELECT title FROM cases_incomingentry WHERE title LIKE 'failover-%'",
        "ratusz").split())
    lost = [marker for marker in before if marker not in stored]
    after = [at for at, _m, status in answered if status == 201 and at > crash]
    first_after = min(after) if after else None
    failed = sum(1 for at, _m, status in answered if status != 201 and at > crash)
    print(f"{len(before)} registrations answered 201 before the crash; "
          f"{len(after)} after it; {failed} requests failed during the switch")
    print(f"WAL: primary at {lsn_primary} just before the crash, replica had replayed "
          f"{lsn_replica}")
    for name, at in steps:
        print(f"  +{at - crash:6.2f} s  {name}")
    if first_after is not None:
        print(f"  +{first_after - crash:6.2f} s  first registration answered 201 on the new "
              "primary")
    print(f"lost (answered 201 before the crash, not on the new primary): {len(lost)}")
    print(f"unavailable for writes: "
          f"{(first_after - crash) if first_after else float('nan'):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
