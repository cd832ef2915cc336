"""The official receipt of a submission (UPO; on ePUAP called UPP, urzędowe poświadczenie
przedłożenia): a signed XML (XAdES) and a PDF sealed by the gmina (PAdES), with the fields of
domain.md §5.1, and its verification by anyone.

Every submission gets its receipt: a text XML cannot carry (a control character stored
before input refused them) is written with U+FFFD in its place (the receipt's digest of the
answers still proves exactly what was received), and logged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _
from lxml import etree

from ratusz.cases import services as ezd
from ratusz.eservices import receipt_layout
from ratusz.eservices.links import status_url, verify_url
from ratusz.eservices.models import Submission
from ratusz.eservices.receipt_layout import Row

logger = logging.getLogger("ratusz.eservices.receipts")

UPO_NAMESPACE = "https://ratusz.org.pl/schemat/upo/1"
UPO_KIND = "UPP"
#: What the XAdES signature says it signs (its DataObjectFormat).
XADES_DESCRIPTION = ("Urzędowe poświadczenie przedłożenia (UPP) dokumentu elektronicznego "
                     "złożonego w e-urzędzie gminy")
XADES_MIME_TYPE = "application/xml"
NOT_ISSUED = _("We issued no receipt with this content.")


def status_code(submission: Submission) -> str:
    """The code printed on the receipt that, with the case mark, lets anyone see the
    status of the matter. Derived (HMAC of the submission id), never stored."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"status:{submission.public_id}".encode(),
                      hashlib.sha256).digest()
    code = base64.b32encode(digest).decode()[:8]
    return f"{code[:4]}-{code[4:]}"


def codes_match(submission: Submission, code: str) -> bool:
    """Whether `code` is the submission's status code, however it was typed (any letter
    case, spaces or dashes)."""
    given = "".join(character for character in (code or "").upper()
                    if character.isascii() and character.isalnum())
    if len(given) == 8:
        given = f"{given[:4]}-{given[4:]}"
    return hmac.compare_digest(given, status_code(submission))


def _xml_text(value: str, where: str) -> str:
    """`value` as the receipt's XML can carry it (unsafe characters as U+FFFD)."""
    shown = ezd.shown_text(value)
    if shown != value:
        logger.warning("receipt.unsafe_text", extra={"field": where})
    return shown


def _element(parent, name: str, text: str | None = None, **attributes):
    element = etree.SubElement(parent, f"{{{UPO_NAMESPACE}}}{name}",
                               **{key: _xml_text(value, f"{name}@{key}")
                                  for key, value in attributes.items()})
    if text is not None:
        element.text = _xml_text(text, name)
    return element


def build_upo_xml(submission: Submission, created_at) -> bytes:
    """The unsigned UPO: who received what, when it entered the office's system, its
    integrity data and where it was registered."""
    municipality = submission.municipality
    unit = submission.incoming.unit
    root = etree.Element(f"{{{UPO_NAMESPACE}}}UPO", nsmap={"upo": UPO_NAMESPACE})
    _element(root, "Identifier", str(submission.public_id))
    _element(root, "Kind", UPO_KIND)
    _element(root, "Statement", "Urzędowe poświadczenie przedłożenia dokumentu "
             "elektronicznego (art. 3 pkt 20 ustawy o informatyzacji działalności podmiotów "
             "realizujących zadania publiczne).")
    recipient = _element(root, "Recipient")
    _element(recipient, "Name", unit.name)
    _element(recipient, "Municipality", municipality.official_name)
    _element(recipient, "TERYT", municipality.teryt)
    _element(recipient, "Address", ", ".join(part for part in (
        f"{unit.street} {unit.building}".strip(), f"{unit.postal_code} {unit.city}".strip())
        if part))
    sender = _element(root, "Sender")
    _element(sender, "Name", submission.applicant_name)
    if submission.email:
        _element(sender, "Email", submission.email)
    document = _element(root, "Document")
    _element(document, "Title", submission.service.name)
    _element(document, "Service", submission.service.slug)
    _element(document, "FormVersion", str(submission.form_version.number))
    _element(document, "Format", "application/json")
    _element(document, "Access", "niepubliczny")
    _element(document, "Digest", submission.data_sha256, Algorithm="SHA-256")
    attachments = _element(document, "Attachments")
    for attachment in submission.attachments.all():
        _element(attachments, "Attachment", Name=attachment.original_name,
                 MediaType=attachment.content_type, Size=str(attachment.size),
                 SHA256=attachment.sha256)
    _element(root, "ReceivedAt", submission.submitted_at.isoformat(timespec="seconds"))
    registered = _element(root, "RegisteredAs")
    _element(registered, "IncomingNumber", submission.incoming.number)
    _element(registered, "CaseMark", submission.case.mark)
    _element(registered, "StatusAddress", status_url(submission))
    _element(root, "VerificationAddress", verify_url(municipality))
    _element(root, "CreatedAt", created_at.isoformat(timespec="seconds"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def receipt_text(submission: Submission, created_at) -> receipt_layout.ReceiptText:
    """Everything the PDF receipt prints, in Polish (domain.md §5.1's fields), as text."""
    shown = ezd.shown_text
    unit = submission.incoming.unit
    municipality = submission.municipality
    with translation.override("pl"):
        def when(moment) -> str:
            local = timezone.localtime(moment)
            return f"{formats.date_format(local)}, {local:%H:%M:%S}"

        rows = [
            Row("Identyfikator poświadczenia", str(submission.public_id), fixed_width=True),
            Row("Odbiorca", f"{shown(unit.name)}, {unit.street} {unit.building}, "
                            f"{unit.postal_code} {unit.city}"),
            Row("Nadawca", shown(submission.applicant_name)
                + (f" ({shown(submission.email)})" if submission.email else "")),
            Row("Dokument", f"{shown(submission.service.name)} (formularz, wersja "
                            f"{submission.form_version.number})"),
            Row("Data i godzina wpływu do systemu urzędu", when(submission.submitted_at)),
            Row("Numer w rejestrze przesyłek wpływających", submission.incoming.number),
            Row("Znak sprawy", submission.case.mark),
            Row("Termin załatwienia", formats.date_format(submission.case.deadline)
                if submission.case.deadline else "—"),
        ]
        if submission.fee_amount:
            rows.append(Row("Opłata", f"{submission.fee_amount} zł na rachunek "
                                      f"{submission.service.fee_account}, tytuł: "
                                      f"{submission.case.mark}"))
        rows.append(Row("Skrót SHA-256 treści wniosku", submission.data_sha256,
                        fixed_width=True))
        for number, attachment in enumerate(submission.attachments.all(), start=1):
            rows.append(Row(f"Załącznik {number}: {shown(attachment.original_name)} "
                            f"({filesizeformat(attachment.size)})",
                            f"SHA-256 {attachment.sha256}", fixed_width=True))
        rows.append(Row("Data i godzina utworzenia poświadczenia", when(created_at)))
    return receipt_layout.ReceiptText(
        title="Urzędowe poświadczenie przedłożenia (UPP)",
        lead=f"{shown(unit.name)} — {municipality.official_name} (TERYT "
             f"{municipality.teryt}) poświadcza, że przyjął dokument elektroniczny opisany "
             f"poniżej.",
        rows=rows,
        code_intro="Kod do sprawdzania statusu sprawy (razem ze znakiem sprawy):",
        code=status_code(submission),
        status_note=("Status sprawdzisz bez logowania na stronie", status_url(submission),
                     "(podaj znak sprawy i ten kod). Nie udostępniaj kodu osobom, które nie "
                     "powinny znać stanu Twojej sprawy."),
        verify_note=("Poświadczenie opatrzono pieczęcią elektroniczną urzędu (PAdES). Jego "
                     "autentyczność sprawdzi każdy na stronie", verify_url(municipality),
                     "— wystarczy wczytać ten plik PDF albo wersję XML (XAdES)."),
        author=shown(unit.name),
    )


def render_receipt_pdf(submission: Submission, created_at) -> bytes:
    """The receipt's PDF before its seal, in a fixed layout (`receipt_layout`)."""
    return receipt_layout.render(receipt_text(submission, created_at))


def receipt_file_name(submission: Submission, kind: str) -> str:
    """The name a downloaded or e-mailed receipt gets ("UPP-FN.3120.1.2026.pdf")."""
    return f"UPP-{submission.case.mark}.{kind}".replace("/", "-")


def receipt_paths(submission: Submission) -> tuple[str, str]:
    base = f"receipts/{submission.municipality_id}/{submission.public_id}"
    return f"{base}.pdf", f"{base}.xml"


def make_receipt(submission: Submission) -> Submission:
    """Produce, seal and store both forms of the receipt. Safe to run twice: the first
    finished receipt stays."""
    if submission.receipt_created_at is not None:
        return submission
    created_at = timezone.now()
    unit = submission.incoming.unit
    xml = ezd.seal_xml(build_upo_xml(submission, created_at), unit,
                       description=XADES_DESCRIPTION, mime_type=XADES_MIME_TYPE)
    pdf = ezd.seal_pdf(render_receipt_pdf(submission, created_at), unit,
                           reason="Urzędowe poświadczenie przedłożenia")
    pdf_path, xml_path = receipt_paths(submission)
    for path, content in ((pdf_path, pdf), (xml_path, xml)):
        if default_storage.exists(path):
            default_storage.delete(path)
        default_storage.save(path, ContentFile(content))
    with transaction.atomic(durable=True):
        updated = Submission.objects.filter(
            pk=submission.pk, receipt_created_at__isnull=True).update(
            receipt_pdf=pdf_path, receipt_xml=xml_path,
            receipt_pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            receipt_xml_sha256=hashlib.sha256(xml).hexdigest(), receipt_created_at=created_at)
    submission.refresh_from_db()
    if not updated:
        # Another worker finished first and its files are the ones recorded: rewrite them.
        _restore_recorded(submission)
    return submission


def _restore_recorded(submission: Submission) -> None:
    """Two concurrent runs wrote the same paths; the recorded hashes decide which won. Make
    the stored files the recorded ones by producing them again only when they differ."""
    pdf_path, xml_path = receipt_paths(submission)
    for path, expected in ((pdf_path, submission.receipt_pdf_sha256),
                           (xml_path, submission.receipt_xml_sha256)):
        with default_storage.open(path, "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() != expected:
                with transaction.atomic(durable=True):
                    Submission.objects.filter(pk=submission.pk).update(
                        receipt_created_at=None)
                submission.receipt_created_at = None
                make_receipt(submission)
                return


def read_receipt(submission: Submission, kind: str) -> bytes:
    """The stored receipt (`pdf` or `xml`), produced now if the worker has not yet done it."""
    if submission.receipt_created_at is None:
        submission = make_receipt(submission)
    path = submission.receipt_pdf if kind == "pdf" else submission.receipt_xml
    with default_storage.open(path, "rb") as handle:
        return handle.read()


@dataclass
class Verification:
    """What the public verification page says about an uploaded receipt."""

    format: str
    signature: ezd.SignatureCheck
    submission: Submission | None
    matches_record: bool
    problem: str = ""

    @property
    def is_genuine(self) -> bool:
        return self.signature.is_valid and self.matches_record


def verify_receipt(data: bytes, *, municipality_id: int | None = None) -> Verification:
    """Check an uploaded receipt: its seal, and that it is exactly a receipt this platform
    issued (by its identifier and SHA-256)."""
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF"):
        check = ezd.verify_pdf(data)
        submission = Submission.objects.filter(receipt_pdf_sha256=digest).select_related(
            "service", "case", "incoming", "municipality").first()
        return Verification("PDF (PAdES)", check, submission, submission is not None,
                            "" if submission else NOT_ISSUED)
    if data.lstrip().startswith(b"<"):
        check = ezd.verify_xades(data)
        identifier = _xml_identifier(data)
        submission = None
        if identifier is not None:
            submission = Submission.objects.filter(public_id=identifier).select_related(
                "service", "case", "incoming", "municipality").first()
        matches = submission is not None and submission.receipt_xml_sha256 == digest
        problem = "" if matches else NOT_ISSUED
        return Verification("XML (XAdES)", check, submission if matches else None, matches,
                            problem)
    return Verification("", ezd.SignatureCheck(reason="not a receipt"), None, False,
                        _("This is not the PDF or XML file of a receipt."))


def _xml_identifier(data: bytes) -> uuid.UUID | None:
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError:
        return None
    element = root.find(f"{{{UPO_NAMESPACE}}}Identifier")
    try:
        return uuid.UUID(element.text.strip()) if element is not None and element.text \
            else None
    except ValueError:
        return None
