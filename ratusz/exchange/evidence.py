"""Evidences (dowody) of e-Doręczenia as signed XML: written by the simulator, verified by
the adapter before anything is stored.

The codes are the UA API's (COI "Projekt techniczny UA API" v5.27, annex "Lista typów
dowodów"): A.1/A.2 submission accepted/rejected, E.1 delivered to the recipient's box, D.1
made available, BP.WX the business proof of sending (dowód wysłania) and BP.OX the proof of
receipt (dowód otrzymania), both mandatory when a public body is a party, and for the
hybrid service H.PN (proof of posting), H.EPO (electronic return receipt), H.DW (negative
validation). The fields follow what the act lists (dowód wysłania: a statement that it is a
proof under the act, sender and addressee, the sending date, data linking it to the
message, the proof's id and the service; dowód otrzymania: the same plus the receipt date,
the issue date and the delivering service). The XML schema itself is OURS: the official
XSD of BP.WX/BP.OX was not found in the published material (docs/exchange.md).

Signatures are enveloped XMLDSig (ECDSA P-256, SHA-256) with the signing certificate in
KeyInfo; `verify_evidence` accepts a signature only when that certificate chains to the
configured trust anchor (the simulator's CA in the demo and the tests).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime

from lxml import etree

NAMESPACE = "urn:ratusz:exchange:evidence:1"
NS = f"{{{NAMESPACE}}}"
PROOF_OF_SENDING = "BP.WX"
PROOF_OF_RECEIPT = "BP.OX"
SUBMISSION_ACCEPTED = "A.1"
SUBMISSION_REJECTED = "A.2"
MADE_AVAILABLE = "D.1"
DELIVERED = "E.1"
HYBRID_POSTED = "H.PN"
HYBRID_RECEIPT = "H.EPO"
HYBRID_REJECTED = "H.DW"
#: The evidences the adapter downloads, verifies and keeps (the others are events only).
KEPT_KINDS = {PROOF_OF_SENDING, PROOF_OF_RECEIPT, SUBMISSION_REJECTED, HYBRID_POSTED,
              HYBRID_RECEIPT, HYBRID_REJECTED}
STATEMENTS = {
    PROOF_OF_SENDING: "Dowód wysłania w rozumieniu ustawy z dnia 18 listopada 2020 r. "
                      "o doręczeniach elektronicznych",
    PROOF_OF_RECEIPT: "Dowód otrzymania w rozumieniu ustawy z dnia 18 listopada 2020 r. "
                      "o doręczeniach elektronicznych",
    HYBRID_POSTED: "Dowód nadania przesyłki w publicznej usłudze hybrydowej",
    HYBRID_RECEIPT: "Elektroniczne potwierdzenie odbioru przesyłki w publicznej usłudze "
                    "hybrydowej",
}
#: How receipt happened (art. 41): arrival in a public body's box, opening by anyone else,
#: or 14 days after it was made available (deemed receipt).
RECEIPT_ARRIVAL = "arrival"
RECEIPT_OPENED = "opened"
RECEIPT_DEEMED = "deemed"
RECEIPT_ON_PAPER = "paper"
MAX_EVIDENCE_BYTES = 256 * 1024


class EvidenceRejected(Exception):
    """An evidence that cannot be trusted: unreadable, unsigned, forged or not from the
    trusted provider. `reason` says why (English; shown to the registry clerk)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Party:
    name: str = ""
    ade: str = ""
    address: str = ""


@dataclass
class EvidenceFacts:
    evidence_id: str
    kind: str
    message_id: str
    service: str
    issued_at: datetime
    event_at: datetime
    sender: Party = field(default_factory=Party)
    recipient: Party = field(default_factory=Party)
    digest: str = ""
    submitted_at: datetime | None = None
    received_at: datetime | None = None
    receipt_kind: str = ""
    delivering_service: str = ""
    reason: str = ""
    statement: str = ""


def message_digest(subject: str, body: str, attachments: list[tuple[str, bytes]]) -> str:
    """SHA-256 over the message's subject, text and every attachment (name and content):
    the integrity data an evidence carries to link it to the message."""
    digest = hashlib.sha256()
    for part in (subject, body):
        digest.update(part.encode())
        digest.update(b"\0")
    for name, data in attachments:
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def _text(parent, tag: str, value) -> None:
    if value in (None, ""):
        return
    element = etree.SubElement(parent, NS + tag)
    element.text = value.isoformat() if isinstance(value, datetime) else str(value)


def _party(parent, tag: str, party: Party) -> None:
    element = etree.SubElement(parent, NS + tag)
    _text(element, "Name", party.name)
    _text(element, "ADE", party.ade)
    _text(element, "PostalAddress", party.address)


def build_evidence(facts: EvidenceFacts) -> etree._Element:
    """The unsigned evidence document."""
    root = etree.Element(NS + "Evidence", nsmap={None: NAMESPACE})
    root.set("Id", "evidence")
    _text(root, "Statement", facts.statement or STATEMENTS.get(facts.kind, ""))
    _text(root, "EvidenceId", facts.evidence_id)
    _text(root, "Type", facts.kind)
    _text(root, "Service", facts.service)
    _text(root, "MessageId", facts.message_id)
    _party(root, "Sender", facts.sender)
    _party(root, "Recipient", facts.recipient)
    _text(root, "SubmissionTime", facts.submitted_at)
    _text(root, "ReceiptTime", facts.received_at)
    _text(root, "ReceiptKind", facts.receipt_kind)
    _text(root, "DeliveringService", facts.delivering_service)
    _text(root, "EventTime", facts.event_at)
    _text(root, "IssueTime", facts.issued_at)
    _text(root, "Reason", facts.reason)
    integrity = etree.SubElement(root, NS + "IntegrityData", Algorithm="SHA-256")
    integrity.text = facts.digest
    return root


def sign_evidence(facts: EvidenceFacts, *, key_pem: bytes, cert_chain_pem: list[bytes]
                  ) -> bytes:
    """The evidence signed by the provider (enveloped XMLDSig)."""
    from signxml import SignatureMethod, XMLSigner

    signer = XMLSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256)
    signed = signer.sign(build_evidence(facts), key=key_pem,
                         cert=[c.decode() for c in cert_chain_pem])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False)


def verify_evidence(xml_bytes: bytes, *, trust_anchor: str) -> EvidenceFacts:
    """The facts of a signed evidence whose signature verifies against the trust anchor
    (a PEM file of CA certificates); EvidenceRejected otherwise. Only what the signature
    covers is read."""
    from signxml import InvalidCertificate, InvalidInput, InvalidSignature, XMLVerifier

    if not xml_bytes or len(xml_bytes) > MAX_EVIDENCE_BYTES:
        raise EvidenceRejected("the evidence is empty or too large")
    try:
        etree.fromstring(xml_bytes, parser=_safe_parser())
    except etree.XMLSyntaxError as error:
        raise EvidenceRejected(f"the evidence is not well-formed XML: {error}") from None
    signer = _signer_certificate(xml_bytes)
    anchor_key = _anchor_key(trust_anchor)
    try:
        if signer is not None and (anchor_key, signer) in _trusted_signers:
            # This certificate already chained to this anchor: check the signature alone.
            result = XMLVerifier().verify(xml_bytes, x509_cert=signer, parser=_safe_parser())
        else:
            result = XMLVerifier().verify(xml_bytes, ca_pem_file=trust_anchor,
                                          parser=_safe_parser())
            if signer is not None:
                if len(_trusted_signers) > 100:
                    _trusted_signers.clear()
                _trusted_signers.add((anchor_key, signer))
    except InvalidCertificate as error:
        raise EvidenceRejected(f"the evidence was not signed by the trusted provider: "
                               f"{error}") from None
    except (InvalidSignature, InvalidInput) as error:
        raise EvidenceRejected(f"the evidence's signature does not verify: {error}") from None
    except Exception as error:  # noqa: BLE001 - any other failure is a refusal too
        raise EvidenceRejected(f"the evidence's signature cannot be checked: {error}") from None
    return read_facts(result.signed_xml)


#: (trust anchor file and its modification time, signer certificate) pairs whose chain
#: was verified: the chain is built once per signer, not for every evidence.
_trusted_signers: set[tuple[tuple[str, float], str]] = set()
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"


def _anchor_key(trust_anchor: str) -> tuple[str, float]:
    try:
        return trust_anchor, os.stat(trust_anchor).st_mtime
    except OSError:
        return trust_anchor, 0.0


def _signer_certificate(xml_bytes: bytes) -> str | None:
    """The first certificate in the signature's KeyInfo (the signer's), as PEM."""
    root = etree.fromstring(xml_bytes, parser=_safe_parser())
    element = root.find(f".//{DSIG}KeyInfo/{DSIG}X509Data/{DSIG}X509Certificate")
    if element is None or not (element.text or "").strip():
        return None
    body = "".join((element.text or "").split())
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def _get(root, path: str) -> str:
    element = root.find("/".join(NS + part for part in path.split("/")))
    return (element.text or "").strip() if element is not None else ""


def _time(root, path: str) -> datetime | None:
    value = _get(root, path)
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise EvidenceRejected(f"the evidence's {path} is not a date and time") from None
    if moment.tzinfo is None:
        raise EvidenceRejected(f"the evidence's {path} has no time zone")
    return moment


def read_facts(root) -> EvidenceFacts:
    if root.tag != NS + "Evidence":
        raise EvidenceRejected("the signed document is not an evidence")
    required = {name: _get(root, name) for name in ("EvidenceId", "Type", "MessageId",
                                                    "Service")}
    missing = [name for name, value in required.items() if not value]
    event_at, issued_at = _time(root, "EventTime"), _time(root, "IssueTime")
    if missing or event_at is None or issued_at is None:
        raise EvidenceRejected("the evidence lacks " + ", ".join(
            missing + [n for n, v in (("EventTime", event_at), ("IssueTime", issued_at))
                       if v is None]))

    def party(tag):
        return Party(name=_get(root, f"{tag}/Name"), ade=_get(root, f"{tag}/ADE"),
                     address=_get(root, f"{tag}/PostalAddress"))

    return EvidenceFacts(
        evidence_id=required["EvidenceId"], kind=required["Type"],
        message_id=required["MessageId"], service=required["Service"], issued_at=issued_at,
        event_at=event_at, sender=party("Sender"), recipient=party("Recipient"),
        digest=_get(root, "IntegrityData"), submitted_at=_time(root, "SubmissionTime"),
        received_at=_time(root, "ReceiptTime"), receipt_kind=_get(root, "ReceiptKind"),
        delivering_service=_get(root, "DeliveringService"), reason=_get(root, "Reason"),
        statement=_get(root, "Statement"))
