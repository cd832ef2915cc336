"""The cost of the login.gov.pl SAML steps on our side, in-process (no HTTP, no database).

    .venv/bin/python bench/logingov_saml.py [--runs 200]

Prints, per step, the median and p99 in milliseconds and the rate of one process:
- `authn_request`: build and sign an AuthnRequest (pysaml2 → xmlsec1 subprocess);
- `artifact_resolve`: the same for the SOAP ArtifactResolve;
- `node_answer`: what the simulator does per sign-in (assertion signed, encrypted with
  ECDH-ES + AES-GCM, Response and ArtifactResponse signed);
- `read_answer`: our ACS check (three signatures verified, the assertion decrypted, all
  conditions checked).
A sign-in costs us authn_request + artifact_resolve + read_answer of CPU, plus one HTTP
round trip to the node.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def timed(function, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    key_dir = Path(tempfile.mkdtemp(prefix="ratusz-saml-bench-"))
    os.environ["LOGIN_GOV_SP_KEY_DIR"] = str(key_dir)
    os.environ["LOGIN_GOV_IDP_CERT"] = str(key_dir / "idp-sign.crt")
    os.environ["RATUSZ_PUBLIC_URL"] = "http://127.0.0.1:8000"
    import django

    django.setup()
    from lxml import etree

    from ratusz.accounts.logingov import protocol
    from ratusz.accounts.logingov.config import config_for
    from ratusz.accounts.logingov.keys import ensure_dev_keys
    from ratusz.accounts.logingov.simulator import Simulator

    ensure_dev_keys(key_dir)
    cfg = config_for(None)
    simulator = Simulator(key_dir=key_dir, sp_metadata="unused",
                          base_url=os.environ.get("LOGIN_GOV_IDP_URL", "http://127.0.0.1:8089"))
    facts = {"request_id": "_req", "acs": cfg.acs_url, "sp_entity": cfg.sp_entity_id,
             "enc_cert": Path(cfg.enc_cert_file).read_bytes(), "person": simulator.persons[0],
             "name_id": "bench", "session_index": "_s", "loa": cfg.loa}

    def node_answer() -> bytes:
        answer = etree.Element(f"{{{protocol.SAMLP}}}ArtifactResponse", ID=protocol.new_id(),
                               InResponseTo="_res", Version="2.0",
                               nsmap={"saml2p": protocol.SAMLP, "saml2": protocol.SAML})
        etree.SubElement(answer, f"{{{protocol.SAML}}}Issuer").text = simulator.entity_id
        status = etree.SubElement(answer, f"{{{protocol.SAMLP}}}Status")
        etree.SubElement(status, f"{{{protocol.SAMLP}}}StatusCode", Value=protocol.SUCCESS)
        answer.append(simulator.response(facts))
        return protocol.soap_envelope(etree.tostring(simulator.sign(answer)).decode())

    soap = node_answer()
    steps = {
        "authn_request": lambda: protocol.authn_request(cfg, protocol.new_id()),
        "artifact_resolve": lambda: protocol.artifact_resolve(cfg, "AAQAAA=="),
        "node_answer": node_answer,
        "read_answer": lambda: protocol.read_artifact_response(
            cfg, soap, resolve_id="_res", request_id="_req"),
    }
    print(f"runs per step: {args.runs}, {os.cpu_count()} CPUs")
    total = 0.0
    for name, function in steps.items():
        function()  # warm up
        samples = sorted(timed(function, args.runs))
        median = statistics.median(samples)
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        if name != "node_answer":
            total += median
        print(f"{name:<17} median {median:7.2f} ms   p99 {p99:7.2f} ms   "
              f"{1000 / median:7.1f} /s per process")
    print(f"our CPU per sign-in (median sum): {total:.1f} ms -> "
          f"{1000 / total:.0f} sign-ins/s per process, plus the round trip to the node")


if __name__ == "__main__":
    main()
