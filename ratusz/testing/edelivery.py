"""The e-Doręczenia / ePUAP simulator (ratusz.exchange.edelivery_simulator) as a real
process for the tests, the demo and the bench: started on a free port, stopped and
restarted on the same state (a provider down for a while)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import requests

from ratusz.testing.logingov import free_port


@dataclass
class EDeliverySimulatorProcess:
    url: str
    token: str
    key_dir: str
    state: str
    port: int
    process: subprocess.Popen | None = None
    errors: object = field(default=None, repr=False)

    @property
    def trust_anchor(self) -> str:
        return str(Path(self.key_dir) / "edelivery-ca.pem")

    def settings(self) -> dict:
        """The exchange settings pointing at this simulator."""
        return {"EXCHANGE_EDELIVERY_URL": self.url, "EXCHANGE_EDELIVERY_TOKEN": self.token,
                "EXCHANGE_EDELIVERY_TRUST_ANCHOR": self.trust_anchor,
                "EXCHANGE_EPUAP_PULL_URL": f"{self.url}/epuap/pull",
                "EXCHANGE_EPUAP_SUBJECT": "RATUSZ", "EXCHANGE_TIMEOUT": 5}

    def control(self, action: str, data: dict | None = None) -> dict:
        answer = requests.post(f"{self.url}/_control/{action}", json=data or {}, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_control/stats", timeout=10).json()

    def add_mailbox(self, ade: str, name: str, *, public_body: bool = True) -> None:
        self.control("mailboxes", {"ade": ade, "name": name, "public_body": public_body})

    def api(self, method: str, path: str, **kwargs):
        return requests.request(method, f"{self.url}/api/v1/{path}", timeout=10,
                                headers={"Authorization": f"Bearer {self.token}"}, **kwargs)

    def start(self) -> EDeliverySimulatorProcess:
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ratusz.exchange.edelivery_simulator", "--port",
             str(self.port), "--token", self.token, "--key-dir", self.key_dir,
             "--state", self.state], stdout=subprocess.DEVNULL, stderr=self.errors,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):  # noqa: S310
                    return self
            except OSError:
                if self.process.poll() is not None:
                    self.errors.seek(0)
                    raise RuntimeError("e-Doręczenia simulator died: " +
                                       self.errors.read().decode(errors="replace")) from None
                time.sleep(0.05)
        self.process.kill()
        raise RuntimeError("the e-Doręczenia simulator did not start")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process = None


def start_edelivery_simulator(folder: str, token: str = "test-edelivery-token"  # noqa: S107
                              ) -> EDeliverySimulatorProcess:
    """Start the simulator on a free port with its keys and state in `folder`."""
    port = free_port()
    return EDeliverySimulatorProcess(
        url=f"http://127.0.0.1:{port}", token=token, key_dir=folder,
        state=str(Path(folder) / "simulator.sqlite3"), port=port).start()
