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

Then it counts, on the new primary: registrations answered 201 that are missing (the
**loss window**: what the primary had committed and acknowledged but not yet
sent to the replica), and how long no registration could be made (from the crash to the
first 201 after it). Exit status 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import re
import signal
import threading
import time
import uuid
from datetime import date

import cluster

LB = cluster.address("lb")


def lost_commits(start_lsn: str) -> tuple[str, int]:
    """Read the dead primary's own WAL files from `start_lsn` on (what the replica had
    received): the end of its WAL and the number of transactions it committed there,
    which the replica never got."""
    result = cluster.run(cluster.postgres_bin("pg_waldump"), "-p",
                         str(cluster.pg_dir("db1") / "data" / "pg_wal"),
                         f"--start={start_lsn}", check=False, quiet=True)
    end = re.search(r"invalid record length at ([0-9A-F]+/[0-9A-F]+)", result.stderr)
    commits = sum(1 for line in result.stdout.splitlines() if "desc: COMMIT" in line)
    return (end.group(1) if end else start_lsn), commits


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--before", type=float, default=10)
    parser.add_argument("--after", type=float, default=15)
    args = parser.parse_args()
    demo = json.loads((cluster.STATE / "demo.json").read_text())
    tokens = [gmina["api_token"] for gmina in demo["municipalities"]]
    lock = threading.Lock()
    answered: list[tuple[float, float, str, int]] = []  # (begun, answered, marker, status)
    stop = threading.Event()

    def client(seed: int) -> None:
        connection = None
        while not stop.is_set():
            marker = f"failover-{uuid.uuid4().hex[:16]}"
            body = json.dumps({"title": marker, "received_on": date.today().isoformat(),
                               "channel": "post",
                               "sender": {"kind": "person", "first_name": "Anna",
                                          "last_name": "Nowak", "city": "Lublin"}}).encode()
            headers = {"Host": LB, "Content-Type": "application/json",
                       "Authorization": f"Bearer {tokens[seed % len(tokens)]}",
                       "Idempotency-Key": uuid.uuid4().hex}
            status = 0
            begun = time.monotonic()
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
                answered.append((begun, time.monotonic(), marker, status))
            if status != 201:
                time.sleep(0.1)

    threads = [threading.Thread(target=client, args=(n,), daemon=True)
               for n in range(args.clients)]
    for thread in threads:
        thread.start()
    time.sleep(args.before)

    steps = []
    crash = time.monotonic()
    cluster.pg_ctl("db1", "stop", "-m", "immediate")
    down = time.monotonic()
    steps.append(("primary crashed (pg_ctl stop -m immediate on db1)", down))
    lsn_replica = cluster.psql("db2", "SELECT pg_last_wal_receive_lsn()")
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

    before = [marker for _b, at, marker, status in answered if status == 201 and at <= crash]
    stored = set(cluster.psql(
        "db2", "SELECT title FROM cases_incomingentry WHERE title LIKE 'failover-%'",
        "ratusz").split())
    # Every 201, also those answered just after the crash by a commit made on the old
    # primary an instant before it: each must be on the new primary.
    lost = [marker for _b, _at, marker, status in answered if status == 201
            and marker not in stored]
    lsn_primary, commits_lost = lost_commits(lsn_replica)
    behind = cluster.psql("db2", f"SELECT pg_wal_lsn_diff('{lsn_primary}', '{lsn_replica}')")
    after = [at for _b, at, _m, status in answered if status == 201 and at > crash]
    # Writes possible again: the first 201 of a request sent after the primary was gone.
    first_after = min((at for begun, at, _m, status in answered
                       if status == 201 and begun > down), default=None)
    failures = collections.Counter(status for _b, at, _m, status in answered
                                   if status != 201 and at > crash)
    failed = sum(failures.values())
    refused = sum(1 for _b, at, _m, status in answered if status != 201 and at <= crash)
    if refused:
        print(f"{refused} registrations refused before the crash (not a failover matter)")
    print(f"{len(before)} registrations answered 201 before the crash; "
          f"{len(after)} after it; {failed} requests failed during the switch "
          f"(status: count {dict(sorted(failures.items()))}; 0 = no answer)")
    print(f"WAL: the old primary's ends at {lsn_primary}, the replica had received "
          f"{lsn_replica}: {behind} bytes and {commits_lost} committed transactions "
          "never reached it")
    for name, at in steps:
        print(f"  +{at - crash:6.2f} s  {name}")
    if first_after is not None:
        print(f"  +{first_after - crash:6.2f} s  first registration sent after the crash "
              "answered 201 (by the new primary)")
    print(f"lost (answered 201, not on the new primary): {len(lost)}")
    print(f"unavailable for writes (primary down to that first 201): "
          f"{(first_after - down) if first_after else float('nan'):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
