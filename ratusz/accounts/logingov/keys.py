"""Development key pairs (P-256, self-signed) for the service provider and the simulator.

Production uses the keys registered with the node (settings LOGIN_GOV_*); these are made
only when LOGIN_GOV_DEV_KEYS is on and the files are missing.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

#: name → common name of the certificate
KEY_PAIRS = {
    "sp-sign": "Ratusz SP (signing, development)",
    "sp-enc": "Ratusz SP (encryption, development)",
    "idp-sign": "login.gov.pl simulator (signing)",
}


def make_key_pair(directory: Path, name: str, common_name: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    key_path = directory / f"{name}.key"
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    (directory / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_dev_keys(directory: str | Path) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, common_name in KEY_PAIRS.items():
        if not (directory / f"{name}.key").exists() or not (directory / f"{name}.crt").exists():
            make_key_pair(directory, name, common_name)
    return directory
