"""A PgBouncer in transaction mode in front of the test database, for the pooler tests.

One server connection in the pool (`default_pool_size = 1`): every client's transactions
run on the same PostgreSQL session, one after another, which is what makes a setting that
outlives its transaction visible to the next client. PgBouncer refuses to run as root, so
as root it runs as the `postgres` system user (as the test PostgreSQL does).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

from ratusz.testing.services import _as_cluster_user, free_port


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)


@contextlib.contextmanager
def pgbouncer(host: str, port: int, user: str, password: str) -> Iterator[int]:
    """Start PgBouncer for every database of host:port; yield its port."""
    binary = pgbouncer_binary()
    if binary is None:
        raise RuntimeError("pgbouncer not found: install the pgbouncer package")
    workdir = tempfile.mkdtemp(prefix="ratusz-pgbouncer-")
    run_as = _as_cluster_user()
    listen = free_port()
    with open(os.path.join(workdir, "users.txt"), "w") as users:
        users.write(f'"{user}" "{password}"\n')
    with open(os.path.join(workdir, "pgbouncer.ini"), "w") as ini:
        ini.write(
            "[databases]\n"
            f"* = host={host} port={port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {listen}\n"
            f"unix_socket_dir = {workdir}\n"
            f"auth_type = plain\nauth_file = {workdir}/users.txt\n"
            "pool_mode = transaction\ndefault_pool_size = 1\nmin_pool_size = 0\n"
            "reserve_pool_size = 0\nmax_client_conn = 50\n"
            # DISCARD ALL is not run in transaction mode: nothing cleans a session between
            # clients; that is the point of the tests.
            "server_reset_query =\nignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {workdir}/pgbouncer.log\npidfile = {workdir}/pgbouncer.pid\n"
        )
    if run_as:
        for name in ("", "users.txt", "pgbouncer.ini"):
            os.chown(os.path.join(workdir, name), run_as["user"], run_as["group"])
    process = subprocess.Popen([binary, os.path.join(workdir, "pgbouncer.ini")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **run_as)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", listen),
                                                                        0.2):
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("pgbouncer did not start")
            time.sleep(0.02)
        yield listen
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(workdir, ignore_errors=True)
