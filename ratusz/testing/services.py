"""Start a throw-away PostgreSQL and Redis on 127.0.0.1 for the test suite.

    python -m ratusz.testing.services -- <command …>

starts both on free ports, runs the command with DATABASE_URL and REDIS_URL pointing at
them, then stops them and removes their data, whatever the command's outcome. PostgreSQL
refuses to run as root, so as root the cluster runs as the `postgres` system user. The
application connects as `ratusz`, an ordinary role (no superuser, no BYPASSRLS), so the
row-level security policies apply to it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

APP_ROLE = "ratusz"
APP_PASSWORD = "ratusz-test"  # noqa: S105 - a throw-away cluster on loopback
#: Run once per database by a superuser (see docs/operations.md, "PostgreSQL").
LEAKPROOF_SQL = "ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} not found: install the postgresql package")
    return found


def _as_cluster_user() -> dict:
    """Run PostgreSQL binaries as `postgres` when we are root."""
    if os.geteuid() != 0:
        return {}
    import pwd

    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid}


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A running cluster; yields the DATABASE_URL of its application role."""
    workdir = tempfile.mkdtemp(prefix="ratusz-pg-")
    run_as = _as_cluster_user()
    if run_as:
        os.chown(workdir, run_as["user"], run_as["group"])
    os.chmod(workdir, 0o700)
    data = os.path.join(workdir, "data")
    port = free_port()
    subprocess.run(
        [_postgres_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
         "--locale=C.UTF-8", "--no-sync"],
        check=True, stdout=subprocess.DEVNULL, cwd=workdir, **run_as,
    )
    options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={workdir}"
               " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
               " -c max_connections=100 -c jit=off")
    pg_ctl = _postgres_bin("pg_ctl")
    subprocess.run([pg_ctl, "-D", data, "-o", options, "-l", os.path.join(workdir, "log"), "-w",
                    "start"], check=True, stdout=subprocess.DEVNULL, cwd=workdir, **run_as)
    try:
        psql = [_postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                "-v", "ON_ERROR_STOP=1", "-q"]
        # The DBA step of docs/operations.md: full-text matching may use its index under
        # row-level security only when the operator is LEAKPROOF (template1 first, so that
        # every database created afterwards, the test database included, inherits it).
        subprocess.run(
            [*psql, "-d", "template1", "-c", LEAKPROOF_SQL],
            check=True, cwd=workdir, **run_as,
        )
        subprocess.run(
            [*psql, "-d", "postgres", "-c",
             f"CREATE ROLE {APP_ROLE} LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS "
             f"PASSWORD '{APP_PASSWORD}'",
             "-c", f"CREATE DATABASE {APP_ROLE} OWNER {APP_ROLE}"],
            check=True, cwd=workdir, **run_as,
        )
        yield f"postgres://{APP_ROLE}:{APP_PASSWORD}@127.0.0.1:{port}/{APP_ROLE}"
    finally:
        subprocess.run([pg_ctl, "-D", data, "-m", "immediate", "-w", "stop"],
                       stdout=subprocess.DEVNULL, cwd=workdir, check=False, **run_as)
        shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A running Redis without persistence; yields its URL."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="ratusz-redis-")
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir, "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        print("usage: python -m ratusz.testing.services -- <command …>", file=sys.stderr)
        return 2
    with postgres_server() as database_url, redis_server() as redis_url:
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
        print(f"PostgreSQL at {database_url.split('@')[1]}, Redis at {redis_url[8:]}",
              flush=True)
        return subprocess.run(argv, env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
