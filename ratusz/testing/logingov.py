"""The login.gov.pl simulator as a real process for the tests, and a client-side walk
through the SAML flow (what a browser does between us and the node)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SimulatorProcess:
    url: str
    key_dir: Path
    metadata_file: Path
    process: subprocess.Popen

    def fault(self, name: str) -> None:
        answer = requests.post(self.url + "/_control/fault", data=json.dumps({"fault": name}),
                               timeout=5)
        answer.raise_for_status()

    def log(self) -> list[dict]:
        return requests.get(self.url + "/_control/log", timeout=5).json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_simulator(directory: Path, *, sp_metadata: str | None = None) -> SimulatorProcess:
    """Start the simulator on a free port of 127.0.0.1 with keys in `directory`.
    `sp_metadata` is a URL or file; by default `directory/sp-metadata.xml`, which the
    caller writes (it is read on every request)."""
    from ratusz.accounts.logingov.keys import ensure_dev_keys

    ensure_dev_keys(directory)
    port = free_port()
    metadata_file = directory / "sp-metadata.xml"
    process = subprocess.Popen(
        [sys.executable, "-m", "ratusz.accounts.logingov.simulator", "--port", str(port),
         "--key-dir", str(directory), "--sp-metadata", sp_metadata or str(metadata_file),
         "--allow-faults"],
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
                raise RuntimeError("simulator died: " +
                                   process.stderr.read().decode(errors="replace")) from None
            time.sleep(0.05)
    else:
        process.kill()
        raise RuntimeError("the simulator did not start")
    return SimulatorProcess(url=url, key_dir=directory, metadata_file=metadata_file,
                            process=process)


def hidden_fields(html: str) -> tuple[str, dict]:
    """The action and hidden fields of the first form of a page (the auto-post page)."""
    from lxml import html as lxml_html

    forms = lxml_html.fromstring(html).forms
    form = next((f for f in forms if f.get("data-autosubmit") is not None
                 or set(f.inputs.keys()) & {"SAMLRequest", "token", "SAMLResponse"}), forms[0])
    return form.action, {i.name: i.value for i in form.inputs
                         if i.get("type") == "hidden" and i.name}


def sign_in_through_simulator(client, simulator: SimulatorProcess, *, person: int = 0,
                              method: str = "pz", action: str = "login", next_url: str = "",
                              fault: str = ""):
    """Walk the whole sign-in with the Django test client on our side and real HTTP on
    the node's side. Returns (the ACS response, the ACS URL with SAMLart)."""
    if fault:
        simulator.fault(fault)
    start = client.get("/auth/login-gov/start/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 200, start.status_code
    action_url, fields = hidden_fields(start.content.decode())
    page = requests.post(action_url, data=fields, timeout=10)
    page.raise_for_status()
    form_action, hidden = hidden_fields(page.text)
    answer = requests.post(simulator.url + form_action, timeout=10, allow_redirects=False,
                           data={**hidden, "person": str(person), "method": method,
                                 "action": action})
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    parts = urlsplit(location)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return client.get(parts.path, query), location


def sign_in_identified(client, user, *, loa: str = "http://eidas.europa.eu/LoA/substantial"):
    """Sign a test client in as a resident whose session came through login.gov.pl
    (what the ACS does after a good assertion), without the round trip."""
    from ratusz.accounts.identity import SESSION_KEY

    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = {"method": "login.gov.pl", "loa": loa, "name_id": "test",
                            "session_index": "_test", "key": "platform", "at": int(time.time())}
    session.save()
