"""Electronic seals of the office: the demo certificates, PAdES sealing and verification.

A qualified e-seal comes from a trust-service provider; until a gmina has one, every unit
gets a demonstration e-seal certificate issued by a self-signed *Ratusz demo CA* made once
for the platform. Both live under `settings.VAR_DIR / "seals"` (PEM; keys readable by the
owner only). Letters are sealed invisibly (PAdES baseline B with the chain embedded);
the visible seal box is drawn in the letter's HTML, because pyHanko's own stamp renders
Polish letters badly.

Verification never raises on bad input: `verify_pdf` and `verify_xades` return a
`SignatureCheck` whose status is one of `SignatureStatus`:
none (nothing signed), valid (intact and chained to a trusted root), unverified (intact,
but the signer is not trusted or the format is not one we can check), invalid (the
signed bytes were changed, or the signature cannot be read).
"""

from __future__ import annotations

import base64
import datetime
import io
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

from ratusz.cases.models import SignatureStatus

CA_COMMON_NAME = "Ratusz Demo CA (certyfikat demonstracyjny)"
CA_VALIDITY = datetime.timedelta(days=20 * 365)
SEAL_VALIDITY = datetime.timedelta(days=5 * 365)
DEFAULT_REASON = "Pieczęć elektroniczna urzędu"
SIGNATURE_FIELD = "PieczecUrzedu"
KEY_FILE = "key.pem"
CERT_FILE = "cert.pem"


class SealingError(Exception):
    """The document could not be sealed (unreadable PDF, broken seal material)."""


# --- Seal material ----------------------------------------------------------------------

@dataclass(frozen=True)
class SealMaterial:
    """The e-seal of one unit: its key and certificate, and the demo CA that issued it."""

    key_path: Path
    cert_path: Path
    ca_cert_path: Path

    @property
    def key_pem(self) -> bytes:
        return self.key_path.read_bytes()

    @property
    def cert_pem(self) -> bytes:
        return self.cert_path.read_bytes()

    @property
    def ca_cert_pem(self) -> bytes:
        return self.ca_cert_path.read_bytes()

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    @property
    def ca_certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.ca_cert_pem)

    @property
    def private_key(self):
        return serialization.load_pem_private_key(self.key_pem, password=None)


def seals_dir() -> Path:
    return Path(settings.VAR_DIR) / "seals"


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _write_pair(directory: Path, key, certificate: x509.Certificate) -> tuple[Path, Path]:
    """Publish a key and certificate as `directory` all at once: a second process racing
    us keeps the first pair made, so no unit certificate is ever orphaned from its CA."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    if directory.is_dir():
        return directory / KEY_FILE, directory / CERT_FILE
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
    try:
        key_bytes = key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
        descriptor = os.open(staging / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as key_file:
            key_file.write(key_bytes)
        (staging / CERT_FILE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        try:
            staging.rename(directory)
        except OSError:
            if not directory.is_dir():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory / KEY_FILE, directory / CERT_FILE


def _ensure_demo_ca() -> tuple[Path, Path]:
    directory = seals_dir() / "demo-ca"
    if (directory / CERT_FILE).is_file():
        return directory / KEY_FILE, directory / CERT_FILE
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ratusz (demonstracja)"),
        x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME),
    ])
    now = _now()
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _write_pair(directory, key, certificate)


def demo_ca_certificate() -> x509.Certificate | None:
    """The platform's demo CA, if it was ever made (verification never creates it)."""
    path = seals_dir() / "demo-ca" / CERT_FILE
    if not path.is_file():
        return None
    return x509.load_pem_x509_certificate(path.read_bytes())


def _unit_label(unit) -> str:
    municipality_id = getattr(unit, "municipality_id", None) or 0
    return f"unit-{municipality_id}-{unit.pk}"


def _organisation_identifier(unit) -> str | None:
    """ETSI EN 319 412-1 style identifier (VATPL-<NIP>) when the unit knows its NIP."""
    for holder in (unit, getattr(unit, "municipality", None)):
        nip = getattr(holder, "nip", "") if holder is not None else ""
        if nip:
            return f"VATPL-{''.join(ch for ch in str(nip) if ch.isdigit())}"
    return None


def ensure_unit_seal(unit) -> SealMaterial:
    """The unit's demonstration e-seal, made on first use (and the platform demo CA with
    it); later calls return the same files. `unit` needs `.pk`, `.name` and
    `.municipality_id`."""
    ca_key_path, ca_cert_path = _ensure_demo_ca()
    directory = seals_dir() / _unit_label(unit)
    if (directory / CERT_FILE).is_file():
        return SealMaterial(directory / KEY_FILE, directory / CERT_FILE, ca_cert_path)
    ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    ca_certificate = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    unit_name = str(unit.name)[:64]
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "PL"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit_name),
    ]
    identifier = _organisation_identifier(unit)
    if identifier:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, identifier))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, unit_name))
    now = _now()
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes)).issuer_name(ca_certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(min(now + SEAL_VALIDITY, ca_certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca_certificate.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key_path, cert_path = _write_pair(directory, key, certificate)
    return SealMaterial(key_path, cert_path, ca_cert_path)


def seal_chain(unit) -> list[x509.Certificate]:
    """The unit's e-seal certificate and the CA certificate that issued it, for anyone to
    validate a sealed document offline; empty while the unit has sealed nothing (reading
    never makes a seal)."""
    certificate = seals_dir() / _unit_label(unit) / CERT_FILE
    authority = seals_dir() / "demo-ca" / CERT_FILE
    if not (certificate.is_file() and authority.is_file()):
        return []
    return [x509.load_pem_x509_certificate(path.read_bytes())
            for path in (certificate, authority)]


#: The downloads of a chain: PEM (both certificates, the seal's first) or PKCS #7 (DER).
CHAIN_FORMATS = {"pem": "application/x-pem-file", "p7b": "application/pkcs7-mime"}


def chain_file(chain: list[x509.Certificate], chain_format: str) -> bytes:
    """The chain as a file of `CHAIN_FORMATS`."""
    if chain_format == "pem":
        return b"".join(item.public_bytes(serialization.Encoding.PEM) for item in chain)
    from cryptography.hazmat.primitives.serialization import pkcs7

    return pkcs7.serialize_certificates(chain, serialization.Encoding.DER)


def certificate_facts(certificate: x509.Certificate) -> dict:
    """What a person compares before trusting a certificate: who, issued by whom, serial
    number, validity and the SHA-256 fingerprint."""
    return {
        "subject": _common_name(certificate.subject),
        "issuer": _common_name(certificate.issuer),
        "serial": f"{certificate.serial_number:X}",
        "valid_from": certificate.not_valid_before_utc,
        "valid_to": certificate.not_valid_after_utc,
        "sha256": certificate.fingerprint(hashes.SHA256()).hex(":").upper(),
    }


# --- The result of a check --------------------------------------------------------------

@dataclass
class SignatureCheck:
    """What a verification found, ready to be stored in `DocumentVersion.signature_report`."""

    status: str = SignatureStatus.NONE
    format: str = ""
    signer_subject: str = ""
    signer_name: str = ""
    signing_time: datetime.datetime | None = None
    is_intact: bool | None = None
    is_trusted: bool | None = None
    reason: str = ""
    signature_count: int = 0
    signatures: list[dict] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return self.status == SignatureStatus.VALID

    def as_report(self) -> dict:
        return {
            "status": str(self.status),
            "format": self.format,
            "signer_subject": self.signer_subject,
            "signer_name": self.signer_name,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "is_intact": self.is_intact,
            "is_trusted": self.is_trusted,
            "reason": self.reason,
            "signature_count": self.signature_count,
            "signatures": self.signatures,
            "checked_at": _now().isoformat(),
        }


_SEVERITY = {SignatureStatus.VALID: 0, SignatureStatus.UNVERIFIED: 1,
             SignatureStatus.INVALID: 2}


def _combine(format_name: str, checks: list[SignatureCheck]) -> SignatureCheck:
    """One check for a document with several signatures: the worst status wins; the
    details shown are those of the worst (else the last, which covers the most)."""
    worst = max(reversed(checks), key=lambda check: _SEVERITY.get(check.status, 0))
    summary = SignatureCheck(
        status=worst.status, format=format_name, signer_subject=worst.signer_subject,
        signer_name=worst.signer_name, signing_time=worst.signing_time,
        is_intact=worst.is_intact, is_trusted=worst.is_trusted, reason=worst.reason,
        signature_count=len(checks),
    )
    summary.signatures = [
        {"status": str(check.status), "signer_subject": check.signer_subject,
         "signer_name": check.signer_name,
         "signing_time": check.signing_time.isoformat() if check.signing_time else None,
         "is_intact": check.is_intact, "is_trusted": check.is_trusted, "reason": check.reason}
        for check in checks
    ]
    return summary


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def _trusted_roots(trusted_roots: Iterable[x509.Certificate] | None) -> list[x509.Certificate]:
    if trusted_roots is not None:
        return list(trusted_roots)
    ca = demo_ca_certificate()
    return [ca] if ca is not None else []


# --- PAdES ------------------------------------------------------------------------------

def _validation_context(roots: list[x509.Certificate], *, extra=()):
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    def convert(certificate: x509.Certificate):
        return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))

    return ValidationContext(trust_roots=[convert(root) for root in roots],
                             other_certs=[convert(cert) for cert in extra],
                             allow_fetching=False, revocation_mode="soft-fail")


#: Signers by the files of their seal (key, certificate, CA), loaded once per process.
_pdf_signers: dict[tuple[str, str, str, float], tuple[object, int]] = {}
_pdf_signers_lock = threading.Lock()


def _pdf_signer(material: SealMaterial):
    """The pyHanko signer of a seal and the bytes its signature container needs, loaded
    once per process (a renewed seal has new files, so a new entry). The room is reserved
    up front: otherwise pyHanko signs every document twice, once to measure (issue 18)."""
    from pyhanko.sign import signers
    from pyhanko.sign.general import load_cert_from_pemder, load_private_key_from_pemder
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = (str(material.key_path), str(material.cert_path), str(material.ca_cert_path),
           material.cert_path.stat().st_mtime)
    found = _pdf_signers.get(key)
    if found is not None:
        return found
    with _pdf_signers_lock:
        signing_cert = load_cert_from_pemder(str(material.cert_path))
        ca_cert = load_cert_from_pemder(str(material.ca_cert_path))
        signer = signers.SimpleSigner(
            signing_cert=signing_cert,
            signing_key=load_private_key_from_pemder(str(material.key_path), passphrase=None),
            cert_registry=SimpleCertificateStore.from_certs([ca_cert]),
        )
        # The container carries both certificates, the signed attributes and the signature
        # value: twice the certificates plus 4 KiB leaves room for any key size.
        reserved = 4096 + 2 * (len(signing_cert.dump()) + len(ca_cert.dump()))
        _pdf_signers[key] = found = (signer, reserved)
    return found


def seal_pdf(pdf_bytes: bytes, unit, *, reason: str = DEFAULT_REASON,
             location: str | None = None) -> bytes:
    """The PDF with the unit's e-seal added as an invisible PAdES signature (an
    incremental update, so earlier signatures stay valid); the certificate chain is
    carried in the signature so that a reader trusting the demo CA can validate it offline.
    The seal covers the whole file: no validation data is appended after it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import SigSeedSubFilter

    signer, reserved = _pdf_signer(ensure_unit_seal(unit))
    if location is None:
        location = str(getattr(unit, "city", "") or "") or None
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        existing = {name for name, *_ in fields.enumerate_sig_fields(writer.prev)}
        field_name, number = SIGNATURE_FIELD, 1
        while field_name in existing:
            number += 1
            field_name = f"{SIGNATURE_FIELD}{number}"
        metadata = signers.PdfSignatureMetadata(
            field_name=field_name, reason=reason, location=location, name=str(unit.name),
            subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        )
        output = io.BytesIO()
        signers.PdfSigner(metadata, signer=signer,
                          new_field_spec=fields.SigFieldSpec(field_name)).sign_pdf(
            writer, output=output, bytes_reserved=reserved)
    except Exception as error:  # pyHanko raises many kinds for unreadable input
        raise SealingError(f"could not seal the PDF: {error}") from error
    return output.getvalue()


def _pdf_signature_check(embedded, context) -> SignatureCheck:
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        certificate = x509.load_der_x509_certificate(embedded.signer_cert.dump())
        subject = certificate.subject.rfc4514_string()
        signer_name = _common_name(certificate.subject)
    except Exception:  # noqa: BLE001 - a broken signature is reported, not raised
        subject = signer_name = ""
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=context)
    except Exception as error:  # noqa: BLE001
        return SignatureCheck(status=SignatureStatus.INVALID, format="PAdES",
                              signer_subject=subject, signer_name=signer_name,
                              is_intact=False, reason=f"signature cannot be checked: {error}")
    signing_time = status.signer_reported_dt
    if signing_time is None:
        signing_time = getattr(embedded, "self_reported_timestamp", None)
    check = SignatureCheck(format="PAdES", signer_subject=subject, signer_name=signer_name,
                           signing_time=signing_time, is_intact=bool(status.intact),
                           is_trusted=bool(status.trusted))
    if not (status.intact and status.valid):
        check.status = SignatureStatus.INVALID
        check.reason = "the signed content was changed or the signature value is wrong"
    elif status.docmdp_ok is False:
        check.status = SignatureStatus.INVALID
        check.reason = "the document was modified after signing in a way that is not allowed"
    elif not status.trusted:
        check.status = SignatureStatus.UNVERIFIED
        check.reason = "the signature is intact but the signer's certificate is not trusted"
    else:
        check.status = SignatureStatus.VALID
        coverage = getattr(status.coverage, "name", "")
        check.reason = ("intact and trusted" if coverage == "ENTIRE_FILE"
                        else "intact and trusted; later additions allowed by the signature")
    return check


def verify_pdf(pdf_bytes: bytes, *,
               trusted_roots: Iterable[x509.Certificate] | None = None) -> SignatureCheck:
    """Check every signature of a PDF. Trusted roots default to the platform's demo CA, so
    the office's own seals are valid and other signers' merely unverified."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    looks_signed = b"/ByteRange" in pdf_bytes
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as error:  # noqa: BLE001
        if looks_signed:
            return SignatureCheck(status=SignatureStatus.INVALID, format="PAdES",
                                  is_intact=False,
                                  reason=f"the signed PDF cannot be read: {error}")
        return SignatureCheck(reason="not a readable PDF")
    if not embedded:
        return SignatureCheck(reason="no signature")
    context = _validation_context(_trusted_roots(trusted_roots))
    return _combine("PAdES", [_pdf_signature_check(signature, context)
                              for signature in embedded])


# --- XAdES ------------------------------------------------------------------------------

XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
XADES_NAMESPACE = "http://uri.etsi.org/01903/v1.3.2#"


#: What a sealed XML document is said to be when its caller does not say (the XAdES
#: DataObjectFormat: never the library's "Default XAdES payload description").
DEFAULT_XML_DESCRIPTION = "Dokument elektroniczny opatrzony pieczęcią elektroniczną urzędu"


def seal_xml(xml_bytes: bytes, unit, *, description: str = DEFAULT_XML_DESCRIPTION,
             mime_type: str = "application/xml") -> bytes:
    """The XML document with the unit's e-seal as an enveloped XAdES-BES signature; the
    signed properties describe the document (`description`, `mime_type`)."""
    from lxml import etree
    from signxml import SignatureMethod
    from signxml.xades import XAdESDataObjectFormat, XAdESSigner

    material = ensure_unit_seal(unit)
    root = etree.fromstring(xml_bytes, parser=_safe_xml_parser())
    signer = XAdESSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256,
                         data_object_format=XAdESDataObjectFormat(Description=description,
                                                                  MimeType=mime_type))
    signed = signer.sign(root, key=material.key_pem,
                         cert=[material.certificate, material.ca_certificate])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def _safe_xml_parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           remove_comments=False)


def _xml_signer(signature) -> tuple[str, str]:
    """The subject of the first certificate carried in the signature, unverified."""
    certificate = _embedded_xml_certificate(signature)
    if certificate is None:
        return "", ""
    return certificate.subject.rfc4514_string(), _common_name(certificate.subject)


def _xml_signing_time(signature) -> datetime.datetime | None:
    element = signature.find(f".//{{{XADES_NAMESPACE}}}SigningTime")
    if element is None or not element.text:
        return None
    try:
        return datetime.datetime.fromisoformat(element.text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def verify_xades(xml_bytes: bytes, *,
                 trusted_roots: Iterable[x509.Certificate] | None = None) -> SignatureCheck:
    """Check an enveloped XAdES (or plain XMLDSig) signature of an XML document, with the
    same meaning of the statuses as `verify_pdf`."""
    check = _check_xml_signature(xml_bytes, trusted_roots)
    return check if check.status == SignatureStatus.NONE else _single(check)


def _check_xml_signature(xml_bytes: bytes, trusted_roots) -> SignatureCheck:
    from lxml import etree
    from signxml import InvalidCertificate, InvalidInput, InvalidSignature, XMLVerifier
    from signxml.xades import XAdESVerifier

    try:
        root = etree.fromstring(xml_bytes, parser=_safe_xml_parser())
    except etree.XMLSyntaxError as error:
        return SignatureCheck(reason=f"not well-formed XML: {error}")
    signatures = root.findall(f".//{{{XMLDSIG_NAMESPACE}}}Signature")
    if not signatures:
        return SignatureCheck(reason="no signature")
    signature = signatures[0]
    is_xades = signature.find(f".//{{{XADES_NAMESPACE}}}SignedProperties") is not None
    format_name = "XAdES" if is_xades else "XMLDSig"
    subject, signer_name = _xml_signer(signature)
    check = SignatureCheck(format=format_name, signer_subject=subject, signer_name=signer_name,
                           signing_time=_xml_signing_time(signature),
                           signature_count=len(signatures))
    if len(signatures) > 1:
        check.status = SignatureStatus.UNVERIFIED
        check.reason = "several signatures in one document are not checked automatically"
        return check
    verifier_class = XAdESVerifier if is_xades else XMLVerifier
    roots = _trusted_roots(trusted_roots)

    def run(**arguments):
        return verifier_class().verify(xml_bytes, **arguments)

    try:
        if not roots:
            raise InvalidCertificate("no trusted roots")
        with tempfile.NamedTemporaryFile(suffix=".pem") as bundle:
            bundle.write(b"".join(root_cert.public_bytes(serialization.Encoding.PEM)
                                  for root_cert in roots))
            bundle.flush()
            run(ca_pem_file=bundle.name)
    except InvalidCertificate as trust_error:
        # Untrusted signer: still tell an intact signature from a forged one.
        check.is_trusted = False
        certificate = _embedded_xml_certificate(signature)
        if certificate is None:
            check.status = SignatureStatus.UNVERIFIED
            check.reason = f"the signer's certificate cannot be checked: {trust_error}"
            return check
        try:
            run(x509_cert=certificate)
        except (InvalidSignature, InvalidInput) as error:
            check.status = SignatureStatus.INVALID
            check.is_intact = False
            check.reason = f"the signed content was changed or the signature is wrong: {error}"
        except Exception as error:  # noqa: BLE001
            check.status = SignatureStatus.UNVERIFIED
            check.reason = f"the signature cannot be checked: {error}"
        else:
            check.status = SignatureStatus.UNVERIFIED
            check.is_intact = True
            check.reason = "the signature is intact but the signer's certificate is not trusted"
        return check
    except InvalidInput as error:
        check.status = SignatureStatus.UNVERIFIED
        check.reason = f"unsupported signature form: {error}"
        return check
    except InvalidSignature as error:
        check.status = SignatureStatus.INVALID
        check.is_intact = False
        check.reason = f"the signed content was changed or the signature is wrong: {error}"
        return check
    except Exception as error:  # noqa: BLE001 - malformed signatures must not break uploads
        check.status = SignatureStatus.INVALID
        check.is_intact = False
        check.reason = f"the signature cannot be read: {error}"
        return check
    check.status = SignatureStatus.VALID
    check.is_intact = True
    check.is_trusted = True
    check.reason = "intact and trusted"
    return check


def _single(check: SignatureCheck) -> SignatureCheck:
    summary = _combine(check.format, [check])
    summary.signature_count = check.signature_count or 1
    return summary


def _embedded_xml_certificate(signature) -> x509.Certificate | None:
    element = signature.find(f".//{{{XMLDSIG_NAMESPACE}}}X509Certificate")
    if element is None or not (element.text or "").strip():
        return None
    try:
        return x509.load_der_x509_certificate(base64.b64decode(element.text))
    except ValueError:
        return None
