"""Throughput and latency of a few pages under gunicorn, on the embedded defaults.

    .venv/bin/python bench/pages.py [--seconds 10] [--clients 16]

Prepares a demo database in a temporary folder, starts gunicorn on 127.0.0.1 (2 workers,
4 threads each), and for each URL runs keep-alive clients for a bounded time. Prints
requests per second and latency percentiles. The load generator shares the 2 cores with
the server, so the figures are a floor, not a ceiling.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from _common import ROOT, free_port, gunicorn, stop, wait_for_port

URLS = ["/healthz", "/", "/g/jastkow/", "/api/v1/openapi.json"]


def hammer(port: int, path: str, seconds: float, clients: int) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        failed = 0
        while time.monotonic() < deadline and len(mine) < 200_000:
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except OSError:
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), latencies, errors


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="ratusz-bench-")
    env = {**os.environ, "RATUSZ_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "config.settings.dev",
           "LOG_LEVEL": "WARNING"}
    python = sys.executable
    subprocess.run([python, "manage.py", "rundemo", "--no-serve"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(
        gunicorn(port, "--workers", "2", "--threads", "4", "--log-level", "warning"),
        cwd=ROOT, env=env,
    )
    try:
        wait_for_port(port)
        print(f"{'url':<24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for url in URLS:
            hammer(port, url, 1, 4)  # warm-up
            count, latencies, errors = hammer(port, url, args.seconds, args.clients)
            latencies.sort()
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
            print(f"{url:<24} {count / args.seconds:>8.0f} {p50:>8.1f} {p99:>8.1f} {errors:>7}")
    finally:
        stop(server, timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
