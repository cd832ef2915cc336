"""The Przelewy24 simulator as a real process for the tests and the benchmarks."""

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
class GatewaySimulatorProcess:
    url: str
    process: subprocess.Popen

    def _post(self, action: str, data) -> dict:
        answer = requests.post(f"{self.url}/_control/{action}", data=json.dumps(data),
                               timeout=30)
        answer.raise_for_status()
        return answer.json()

    def add_merchant(self, merchant_id: int, *, api_key: str, crc: str,
                     pos_id: int | None = None) -> None:
        self._post("merchants", [{"merchantId": merchant_id, "posId": pos_id or merchant_id,
                                  "apiKey": api_key, "crc": crc}])

    def payer(self, session_id: str, action: str = "pay", *, notify: bool = True) -> dict:
        """What the payer chooses on the gateway's page, without a browser (`notify` False:
        the gateway does not notify)."""
        return self._post("pay", {"sessionId": session_id, "action": action,
                                  "notify": notify})

    def notification(self, session_id: str, **options) -> dict:
        """The signed notification the gateway sends (not sent)."""
        return self._post("notify", {"sessionId": session_id, "dry": True, **options})

    def refusal(self, session_id: str) -> dict:
        """The signed notification of a refused payment (not sent)."""
        return self._post("notify", {"sessionId": session_id, "refusal": True})

    def notify(self, session_id: str, **options) -> int:
        return self._post("notify", {"sessionId": session_id, **options})["status"]

    def fault(self, mode: str, count: int = 0) -> None:
        self._post("fault", {"mode": mode, "count": count})

    def log(self) -> list[dict]:
        return requests.get(f"{self.url}/_control/log", timeout=10).json()

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_control/stats", timeout=10).json()

    def reset(self) -> None:
        self._post("reset", {})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_gateway_simulator(*, merchants_file: str = "") -> GatewaySimulatorProcess:
    """Start the simulator on a free port of 127.0.0.1 and wait until it answers."""
    port = free_port()
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
    command = [sys.executable, "-m", "ratusz.payments.gateway_simulator", "--port", str(port)]
    if merchants_file:
        command += ["--merchants", merchants_file]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors,
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
                raise RuntimeError("gateway simulator died: " +
                                   errors.read().decode(errors="replace")) from None
            time.sleep(0.05)
    else:
        process.kill()
        raise RuntimeError("the gateway simulator did not start")
    return GatewaySimulatorProcess(url=url, process=process)
