"""The SMS gateway simulator as a real process for the tests and for benchmarks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass

import requests

from ratusz.testing.logingov import free_port


@dataclass
class SmsSimulatorProcess:
    url: str
    token: str
    process: subprocess.Popen

    def gateway_config(self, kind: str, *, name: str = "", sender: str = "Gmina",
                       token: str | None = None, **extra) -> dict:
        """A `build_gateways` entry pointing at this simulator."""
        return {"name": name or kind, "kind": kind, "url": f"{self.url}/{kind}",
                "token": self.token if token is None else token, "sender": sender, **extra}

    def _post(self, action: str, data: dict) -> dict:
        answer = requests.post(f"{self.url}/_control/{action}", data=json.dumps(data),
                               timeout=10)
        answer.raise_for_status()
        return answer.json()

    def fault(self, gateway: str, mode: str, count: int = 0) -> None:
        """`mode`: "down" (503), "error500" or "ok"; for the next `count` requests to that
        gateway, or until "ok" when `count` is 0."""
        self._post("fault", {"gateway": gateway, "mode": mode, "count": count})

    def set_callback(self, gateway: str, url: str) -> None:
        """The delivery-report URL set in the gateway's panel (SerwerSMS)."""
        self._post("callback", {"gateway": gateway, "url": url})

    def log(self, gateway: str = "") -> list[dict]:
        answer = requests.get(f"{self.url}/_control/log", params={"gateway": gateway},
                              timeout=30)
        answer.raise_for_status()
        return answer.json()

    def stats(self) -> dict:
        answer = requests.get(f"{self.url}/_control/stats", timeout=10)
        answer.raise_for_status()
        return answer.json()

    def reset(self) -> None:
        self._post("reset", {})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_sms_simulator(token: str = "test-token",  # noqa: S107 - a test token
                        *, report_delay: float = 0.2, smsapi_report_batch: int = 5,
                        serwersms_callback: str = "") -> SmsSimulatorProcess:
    """Start the simulator on a free port of 127.0.0.1 and wait until it answers."""
    port = free_port()
    # A file, not a pipe (a full pipe would block the simulator); it lives as long as it.
    errors = tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "ratusz.notifications.sms_simulator", "--port", str(port),
         "--token", token, "--report-delay", str(report_delay),
         "--smsapi-report-batch", str(smsapi_report_batch),
         "--serwersms-callback", serwersms_callback],
        stdout=subprocess.DEVNULL, stderr=errors,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):  # noqa: S310
                break
        except OSError:
            if process.poll() is not None:
                errors.seek(0)
                raise RuntimeError("SMS simulator died: " +
                                   errors.read().decode(errors="replace")) from None
            time.sleep(0.05)
    else:
        process.kill()
        raise RuntimeError("the SMS simulator did not start")
    return SmsSimulatorProcess(url=url, token=token, process=process)
