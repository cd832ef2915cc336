"""The servers of a crash trial, each started in a session of its own so that it and its
children (gunicorn's workers, Celery's pool and beat) form one process group, killed and
stopped by its id: Redis without persistence on a fixed port, gunicorn, and one Celery
worker with beat."""

from __future__ import annotations

import contextlib
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from ratusz.testing.services import free_port

ROOT = Path(__file__).resolve().parents[3]


def app_environment(database_url: str, redis_url: str, var: Path, *,
                    sweep_seconds: int) -> dict:
    """The environment of the servers: the development settings (receipts queued to Celery
    after commit, as in production), the database, our Redis, `var` for files."""
    for folder in ("celery", "static", "media"):
        (var / folder).mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev",
           "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RATUSZ_VAR_DIR": str(var),
           "RATUSZ_RECEIPT_SWEEP_SECONDS": str(sweep_seconds), "DEBUG": "0",
           "LOG_LEVEL": "WARNING", "LOG_FORMAT": "console"}
    for name in ("RATUSZ_RECEIPTS_ON_DEMAND", "CELERY_TASK_ALWAYS_EAGER", "RATUSZ_CACHE_URL"):
        env.pop(name, None)
    return env


def database_url_of(settings_dict: dict) -> str:
    """The DATABASE_URL of a Django PostgreSQL connection's settings."""
    return (f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}@"
            f"{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}")


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def process_age(pid: int) -> float:
    """Seconds since the process started (0 when it is gone), from /proc."""
    try:
        started = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    return uptime - started / os.sysconf("SC_CLK_TCK")


class Managed:
    """One program we start in a session of its own, so that it and its children (pool
    processes, beat) are one process group: killed and stopped together by its id."""

    log: Path

    def command(self) -> list[str]:
        raise NotImplementedError

    def __init__(self, env: dict, log: Path):
        self.env, self.log, self.process = env, log, None

    @property
    def is_up(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(self.command(), cwd=ROOT, env=self.env,
                                            stdout=output, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def _signal_group(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, number)

    def kill(self) -> None:
        """SIGKILL to the whole group, as when the machine or container dies."""
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        """SIGTERM to the program (gunicorn and Celery then stop their children and let
        running requests and tasks finish), SIGKILL to what is left of the group after 15 s."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


class RedisServer(Managed):
    """Redis without persistence on a fixed port: started again after a kill it is empty,
    on the same address."""

    def __init__(self, env: dict, log: Path, workdir: Path):
        super().__init__(env, log)
        self.port, self.workdir = free_port(), workdir
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [shutil.which("redis-server") or "/usr/bin/redis-server", "--port",
                str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", str(self.workdir), "--protected-mode", "yes"]

    def start(self) -> None:
        super().start()
        wait_for_port(self.port, self.process)


class WebServer(Managed):
    """gunicorn (gthread); its master starts a new worker for each one killed."""

    def __init__(self, env: dict, log: Path, *, workers: int, threads: int):
        super().__init__(env, log)
        self.port, self.workers, self.threads = free_port(), workers, threads

    def command(self) -> list[str]:
        return [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                "--worker-class", "gthread", "--threads", str(self.threads),
                "--keep-alive", "30", "--timeout", "60", "--log-level", "warning"]

    def worker_pids(self) -> list[int]:
        try:
            return [int(pid) for pid in Path(
                f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()]
        except OSError:
            return []

    def kill_worker(self, rnd: random.Random, *, min_age: float) -> bool:
        """SIGKILL one worker that has run at least `min_age` seconds (booted, so serving),
        whatever it is doing; False when there is none."""
        pids = [pid for pid in self.worker_pids() if process_age(pid) >= min_age]
        if not pids:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.kill(rnd.choice(pids), signal.SIGKILL)
        return True

    def wait_ready(self, timeout: float = 90) -> None:
        """Until every worker is up and /healthz answers."""
        wait_for_port(self.port, self.process, timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if (connection.getresponse().status == 200
                        and len(self.worker_pids()) >= self.workers):
                    return
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not become ready")


class CeleryWorker(Managed):
    """One Celery worker (prefork pool) with beat embedded (`-B`, its own process)."""

    def __init__(self, env: dict, log: Path, *, concurrency: int):
        super().__init__(env, log)
        self.concurrency = concurrency

    def command(self) -> list[str]:
        return [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "-B",
                "--pool", "prefork", "--concurrency", str(self.concurrency), "-n",
                "chaos@%h", "--loglevel", "INFO", "--without-gossip", "--without-mingle"]


class Stack:
    """Redis, gunicorn and the Celery worker of one trial, with their logs in `var`."""

    def __init__(self, var: Path, database_url: str, *, web_workers: int = 3,
                 web_threads: int = 4, worker_concurrency: int = 2, sweep_seconds: int = 10):
        self.var = var
        var.mkdir(parents=True, exist_ok=True)
        self.redis = RedisServer(dict(os.environ), var / "redis.log", var / "redis")
        self.env = app_environment(database_url, self.redis.url, var,
                                   sweep_seconds=sweep_seconds)
        self.web = WebServer(self.env, var / "gunicorn.log", workers=web_workers,
                             threads=web_threads)
        self.worker = CeleryWorker(self.env, var / "celery.log",
                                   concurrency=worker_concurrency)

    @property
    def media(self) -> Path:
        return self.var / "media"

    def __enter__(self) -> Stack:
        try:
            self.redis.start()
            self.web.start()
            self.worker.start()
            self.web.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def ensure_up(self) -> None:
        if not self.redis.is_up:
            self.redis.start()
        if not self.worker.is_up:
            self.worker.start()
        self.web.wait_ready()

    def stop(self) -> None:
        for process in (self.worker, self.web, self.redis):
            process.stop()
