"""Anonymous BIP pages served from the page cache, under gunicorn, measured with wrk.

    .venv/bin/python bench/bip_pages.py [--seconds 15] [--connections 64] [--threads 2] \
        [--workers 4] [--worker-threads 2] [--worker-class gthread] [--cache shipped,redis]
    .venv/bin/python -m ratusz.testing.services -- .venv/bin/python bench/bip_pages.py

Prepares a fresh database (DATABASE_URL if set, else SQLite in a temporary folder) with
`manage.py rundemo --no-serve` (migrate, collectstatic, the demo), starts gunicorn on
127.0.0.1 (`config.wsgi`, `config.settings.dev`, DEBUG off), warms the page cache, and
runs `wrk -t2 -c64 -d15s --latency` against, in the same run:

- the BIP home of the first demo gmina and a section page (cached: the main figures),
- an entry page, cached (every view is counted in the process's buffer, written to the
  database every RATUSZ_BIP_VIEW_FLUSH_SECONDS),
- the same entry page uncached (the request carries a session cookie, which the BIP
  never caches),
- a static file served by the same server (whitenoise),
- the trivial view of the same server: `GET /healthz` (a JsonResponse through the whole
  middleware stack).

Prints req/s, p50/p99 latency, errors, the ratio of each page to /healthz and the CPU
the server, wrk and everything else on the machine used during the run (cores; "other"
should be near 0, or the figures are disturbed), per URL. The goal (issue 7): a cached
page ≥ 2,000 req/s and ≥ 50% of the trivial view's rate. `--cache` lists the cache
backends to run: `shipped` is what the settings configure (pages in each process's memory,
the gminy's page generations in the shared "default" cache: files under VAR_DIR, or Redis
when REDIS_URL is set), `redis` forces the shared cache onto Redis (needs REDIS_URL, as
under `ratusz.testing.services`), `redis-pages` also keeps the pages themselves in Redis
(the previous design, for comparison).
wrk shares the 2 cores with the server (and the database), so every figure is a floor.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import (
    CLOCK_TICKS,
    ROOT,
    free_port,
    gunicorn,
    machine_cpu,
    process_cpu,
    stop,
    wait_for_port,
)

SESSION_COOKIE = "sessionid=bench-no-such-session"
#: A browser's User-Agent: without one the BIP takes the client for a robot and does not
#: count the entry's view.
BROWSER_AGENT = "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
REDIS_SETTINGS = '''from config.settings.dev import *  # noqa: F403
import os
CACHES["default"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": os.environ["REDIS_URL"]}
'''
REDIS_PAGES_SETTINGS = REDIS_SETTINGS + '''CACHES["pages"] = CACHES["default"]
'''


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wrk_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(port: int, path: str, args, headers: list[str]) -> dict:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s",
               "--latency", "--timeout", "10s"]
    for header in [BROWSER_AGENT, *headers]:
        command += ["-H", header]
    command.append(f"http://127.0.0.1:{port}{path}")
    out = subprocess.run(command, capture_output=True, text=True, check=True,
                         timeout=args.seconds + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1])
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1])
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    total = int(re.search(r"(\d+) requests in", out)[1])
    return {"rate": rate, "p50": p50, "p99": p99, "requests": total,
            "non2xx": int(non2xx[1]) if non2xx else 0,
            "socket": socket_errors[1].strip() if socket_errors else "", "raw": out,
            "command": shlex.join(command)}


def prepare(env: dict) -> dict:
    subprocess.run([sys.executable, "manage.py", "rundemo", "--no-serve"], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)
    return json.loads((Path(env["RATUSZ_VAR_DIR"]) / "demo.json").read_text())


def targets(port: int, slug: str) -> list[tuple[str, str, list[str]]]:
    home = f"/g/{slug}/bip/"
    status, _, body = get(port, home)
    if status != 200:
        raise RuntimeError(f"{home} answered {status}")
    html = body.decode()
    entry = re.search(rf'href="(/g/{slug}/bip/wpis/\d+/)"', html)[1]
    sections = re.findall(rf'href="(/g/{slug}/bip/dzial/[\w-]+/)"', html)
    # The section with the most entries on its page is the most representative one.
    section, best = sections[0], -1
    for candidate in dict.fromkeys(sections):
        count = get(port, candidate)[2].decode().count("/bip/wpis/")
        if count > best:
            section, best = candidate, count
    static = re.search(r'href="(/static/[^"]+\.css)"', html)[1]
    return [
        ("BIP home, cached", home, []),
        ("section page, cached", section, []),
        ("entry page, cached (+1 view, buffered)", entry, []),
        ("entry page, uncached", entry, [f"Cookie: {SESSION_COOKIE}"]),
        ("BIP home, uncached", home, [f"Cookie: {SESSION_COOKIE}"]),
        ("static file (whitenoise)", static, []),
        ("trivial view /healthz", "/healthz", []),
    ]


def run_backend(name: str, env: dict, slug: str, args) -> list[dict]:
    env = dict(env)
    if name in ("redis", "redis-pages"):
        settings_dir = Path(env["RATUSZ_VAR_DIR"]) / "bench_settings"
        settings_dir.mkdir(exist_ok=True)
        (settings_dir / "bench_redis_settings.py").write_text(
            REDIS_SETTINGS if name == "redis" else REDIS_PAGES_SETTINGS)
        env["PYTHONPATH"] = f"{settings_dir}{os.pathsep}{env.get('PYTHONPATH', '')}"
        env["DJANGO_SETTINGS_MODULE"] = "bench_redis_settings"
    port = free_port()
    command = gunicorn(port, "--workers", str(args.workers), "--worker-class",
                       args.worker_class, "--threads", str(args.worker_threads),
                       "--keep-alive", "30", "--backlog", "2048", "--log-level", "warning")
    print(f"\n== cache: {name}; server: {' '.join(command[1:])}", flush=True)
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    results = []
    try:
        wait_for_port(port)
        check = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); "
             "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        print(f"   cache backend: {check.stdout.strip()}")
        plan = targets(port, slug)
        print(f"{'what':<30} {'path':<36} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
              f"{'errors':>7} {'server CPU':>10} {'wrk':>7} {'other':>7}", flush=True)
        for label, path, headers in plan:
            # Warm up: fill each worker's cache (and connections), 2 s of load.
            warm = argparse.Namespace(**{**vars(args), "seconds": 2})
            wrk(port, path, warm, headers)
            before, busy, load = process_cpu(server.pid), machine_cpu()[0], wrk_cpu()
            result = wrk(port, path, args, headers)
            cpu = (process_cpu(server.pid) - before) / args.seconds
            load = (wrk_cpu() - load) / args.seconds
            machine = (machine_cpu()[0] - busy) / CLOCK_TICKS / args.seconds
            other = max(0.0, machine - cpu - load)
            result.update(label=label, path=path, cpu=cpu, headers=headers, wrk_cpu=load,
                          other=other)
            errors = result["non2xx"] + (1 if result["socket"] else 0)
            print(f"{label:<30} {path[-36:]:<36} {result['rate']:>8.0f} {result['p50']:>7.2f} "
                  f"{result['p99']:>7.2f} {errors:>7} {cpu:>8.2f} c {load:>5.2f} c "
                  f"{other:>5.2f} c"
                  + (f"  socket errors: {result['socket']}" if result["socket"] else ""),
                  flush=True)
            results.append(result)
    finally:
        stop(server)
    trivial = results[-1]["rate"]
    print(f"goal: cached page ≥ 2,000 req/s and ≥ 50% of /healthz ({trivial:.0f} req/s)")
    for result in results[:-1]:
        ratio = result["rate"] / trivial
        verdict = ""
        if "cached" in result["label"] and "uncached" not in result["label"]:
            verdict = "ok" if result["rate"] >= 2000 and ratio >= 0.5 else "MISS"
        print(f"   {result['label']:<30} {result['rate']:>8.0f} req/s  {ratio:>5.0%} of trivial"
              f"  {verdict}")
    if args.raw:
        for result in results:
            print(f"\n$ {result['command']}\n{result['raw']}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-threads", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--cache", default="",
                        help="comma-separated: shipped, redis, redis-pages (default: "
                             "shipped, plus redis when REDIS_URL is set)")
    parser.add_argument("--raw", action="store_true", help="print wrk's own output too")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk not found: scripts/install-system-packages.sh test", file=sys.stderr)
        return 2
    backends = [b for b in args.cache.split(",") if b] or (
        ["shipped", "redis"] if os.environ.get("REDIS_URL") else ["shipped"])
    if {"redis", "redis-pages"} & set(backends) and not os.environ.get("REDIS_URL"):
        print("--cache redis needs REDIS_URL", file=sys.stderr)
        return 2
    var = tempfile.mkdtemp(prefix="ratusz-bench-bip-")
    env = {**os.environ, "RATUSZ_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "config.settings.dev",
           "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING",
           "PROMETHEUS_MULTIPROC_DIR": str(Path(var) / "prometheus")}
    os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
    database = env.get("DATABASE_URL", "sqlite (fresh, in a temporary folder)").split("@")[-1]
    print(f"database: {database}; {os.cpu_count()} CPUs; wrk -t{args.threads} "
          f"-c{args.connections} -d{args.seconds}s; gunicorn {args.workers} workers × "
          f"{args.worker_threads} threads ({args.worker_class})", flush=True)
    started = time.monotonic()
    demo = prepare(env)
    slug = demo["municipalities"][0]["slug"]
    print(f"demo loaded in {time.monotonic() - started:.0f} s; gmina {slug}", flush=True)
    try:
        for backend in backends:
            run_backend(backend, env, slug, args)
    finally:
        shutil.rmtree(var, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
