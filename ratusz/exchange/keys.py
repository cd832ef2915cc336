"""The keys of the simulated provider: a CA (the trust anchor the adapter is given) and the
provider's evidence-signing certificate under it. Made once per key folder and kept, so a
restarted simulator signs with the same keys."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CA_FILE = "edelivery-ca.pem"
SIGNER_KEY_FILE = "edelivery-signer.key"
SIGNER_CERT_FILE = "edelivery-signer.pem"


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                         "Symulator e-Doręczeń (Ratusz)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def ensure_provider_keys(folder: str | Path) -> dict[str, Path]:
    """The CA certificate, the signer's key and certificate in `folder` (made if missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"ca": folder / CA_FILE, "key": folder / SIGNER_KEY_FILE,
             "cert": folder / SIGNER_CERT_FILE}
    if all(path.exists() for path in paths.values()):
        return paths
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Symulator e-Doręczeń – CA dowodów")
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                            False, False), critical=True)
               .sign(ca_key, hashes.SHA256()))
    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer_cert = (x509.CertificateBuilder().subject_name(_name("Symulator e-Doręczeń – dowody"))
                   .issuer_name(ca_name).public_key(signer_key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                  critical=True)
                   .add_extension(x509.KeyUsage(True, True, False, False, False, False, False,
                                                False, False), critical=True)
                   .sign(ca_key, hashes.SHA256()))
    # Written beside and renamed, so a second process never reads half a file.
    for path, data in ((paths["key"], _pem(signer_key)),
                       (paths["cert"], signer_cert.public_bytes(serialization.Encoding.PEM)),
                       (paths["ca"], ca_cert.public_bytes(serialization.Encoding.PEM))):
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    return paths
