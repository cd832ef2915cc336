"""Helpers shared by the benchmark scripts: ports, servers, processes and CPU accounting.

The scripts run as `python bench/<script>.py`, so this folder is on sys.path and
`from _common import …` finds this module; it puts the project root there too.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ratusz.testing.services import free_port  # noqa: E402 - after the path

__all__ = ["CLOCK_TICKS", "ROOT", "free_port", "gunicorn", "machine_cpu", "process_cpu",
           "stop", "wait_for_port"]

#: The unit of the CPU times in /proc.
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def gunicorn(port: int, *options: str) -> list[str]:
    """The command of gunicorn serving the application on 127.0.0.1:`port`."""
    return [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", *options]


def wait_for_port(port: int) -> None:
    """Wait (up to about a minute) until something listens on 127.0.0.1:`port`."""
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    """Terminate a process we started; kill it if it is not gone within `timeout`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def process_cpu(pid: int) -> float:
    """CPU seconds of a process, its descendants and their finished children, e.g.
    pdftoppm (/proc)."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            # utime, stime, and cutime, cstime: children waited for (pdftoppm)
            total += sum(int(value) for value in fields[11:15]) / CLOCK_TICKS
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (OSError, ValueError, IndexError):
            continue
    return total


def machine_cpu() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot, from /proc/stat (guest time is
    already counted in user time, so the fields after steal are left out)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0]
              .split()[1:9]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)
