"""The push service simulator (ratusz.notifications.push_simulator) as a real process for
the tests and the benchmarks: it makes browser-like subscriptions and shows what they got."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

import requests

from ratusz.testing.logingov import free_port


@dataclass
class PushSimulatorProcess:
    url: str
    process: subprocess.Popen

    def _post(self, path: str, data: dict | None = None):
        answer = requests.post(self.url + path, data=json.dumps(data or {}), timeout=5)
        answer.raise_for_status()
        return answer.json()

    def subscribe(self, application_server_key: str = "") -> dict:
        """A new browser subscription: {"id", "endpoint", "keys": {"p256dh", "auth"}}.
        With `application_server_key` (base64url), pushes signed by another VAPID key
        are refused with 403, as a real push service does."""
        return self._post("/_control/subscribe",
                          {"application_server_key": application_server_key}
                          if application_server_key else None)

    def expire(self, ident: str) -> None:
        self._post(f"/_control/expire/{ident}")

    def fault(self, mode: str = "error500", count: int = 1) -> None:
        """The next `count` pushes fail: error500, error503, error429 or timeout."""
        self._post("/_control/fault", {"mode": mode, "count": count})

    def log(self) -> list[dict]:
        answer = requests.get(self.url + "/_control/log", timeout=5)
        answer.raise_for_status()
        return answer.json()

    def messages_for(self, ident: str) -> list[dict]:
        return [entry for entry in self.log() if entry["id"] == ident]

    def reset(self) -> None:
        self._post("/_control/reset")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def start_push_simulator() -> PushSimulatorProcess:
    """Start the simulator on a free port of 127.0.0.1 and wait until it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ratusz.notifications.push_simulator", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):  # noqa: S310
                break
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("push simulator died: " +
                                   process.stderr.read().decode(errors="replace")) from None
            time.sleep(0.05)
    else:
        process.kill()
        raise RuntimeError("the push simulator did not start")
    return PushSimulatorProcess(url=url, process=process)
