"""Between the platform's gminy and units (A2A), through the same e-Doręczenia path as any
other body, so both sides keep the evidences: a case transferred to the competent body
(KPA art. 65) with its documents and its record, and a unit's periodic report submitted to
its gmina's office as a sealed document, acknowledged by the proof of receipt and the
office's RPW entry. Each is counted by kind (`selectors.exchange_counts`)."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from lxml import etree

from ratusz.cases import selectors as ezd_selectors
from ratusz.cases import services as ezd
from ratusz.cases.models import Case
from ratusz.cases.services import shown_text
from ratusz.core.models import Unit, UnitKind
from ratusz.exchange.errors import ExchangeError
from ratusz.exchange.models import MessageKind, OutboundMessage
from ratusz.exchange.services.addresses import check_ade
from ratusz.exchange.services.outbox import queue_message


def _record_xml(case: Case) -> bytes:
    """The case record (metryka sprawy) as XML, sealed by the unit."""
    root = etree.Element("MetrykaSprawy", znak=shown_text(case.mark))
    for entry in ezd_selectors.case_record(case):
        item = etree.SubElement(root, "Czynnosc", pozycja=str(entry.position),
                                data=entry.occurred_at.isoformat())
        etree.SubElement(item, "Osoba").text = shown_text(entry.actor_name)
        etree.SubElement(item, "Opis").text = shown_text(entry.description)
        etree.SubElement(item, "Skrot").text = entry.hash
    return ezd.seal_xml(etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
                        case.unit, description=f"Metryka sprawy {case.mark}")


def transfer_case_to(case: Case, *, acting_user, recipient_ade: str, recipient_name: str,
                     reason: str) -> OutboundMessage:
    """Send the case to the competent body (art. 65 KPA): every document's current version
    and the sealed case record go to its ADE; the case record says so and the case is
    closed as transferred."""
    recipient_ade = check_ade(recipient_ade)
    if not (reason or "").strip():
        raise ExchangeError("reason_required", _("Give the reason for the transfer."))
    files = []
    for document in case.documents.all():
        version = document.current_version
        if version is None:
            continue
        with default_storage.open(version.file.name, "rb") as handle:
            files.append((version.original_name or version.file.name.rpartition("/")[2],
                          handle.read()))
    files.append((f"metryka-{case.mark.replace('.', '-')}.xml", _record_xml(case)))
    message = queue_message(
        case.unit, acting_user=acting_user, recipient_ade=recipient_ade,
        recipient_name=recipient_name,
        subject=f"Przekazanie sprawy {case.mark} według właściwości (art. 65 KPA)",
        body=reason.strip(), files=files, kind=MessageKind.CASE_TRANSFER, case_id=case.pk)
    ezd.add_note(case, acting_user=acting_user,
                 text=f"Przekazanie sprawy według właściwości (art. 65 § 1 KPA) do "
                      f"{recipient_name} ({recipient_ade}) przez e-Doręczenia: {reason}")
    ezd.close_case(case, acting_user=acting_user, note="Przekazano według właściwości")
    return message


def submit_unit_report(unit: Unit, *, acting_user, title: str, name: str, data: bytes
                       ) -> OutboundMessage:
    """A unit's periodic report to its gmina's office, sealed by the unit (XAdES for XML,
    PAdES for PDF)."""
    office = Unit.objects.for_municipality(unit.municipality_id).filter(
        kind=UnitKind.OFFICE).first()
    if office is None or not office.ade or office.pk == unit.pk:
        raise ExchangeError("no_office_ade", _("The gmina's office has no address for "
                                               "e-Doręczenia."))
    lowered = name.lower()
    if lowered.endswith(".xml"):
        data = ezd.seal_xml(data, unit, description=title)
    elif lowered.endswith(".pdf"):
        data = ezd.seal_pdf(data, unit)
    else:
        raise ExchangeError("report_format", _("A report is an XML or PDF file."))
    return queue_message(unit, acting_user=acting_user, recipient_ade=office.ade,
                         recipient_name=office.name, subject=title, files=[(name, data)],
                         kind=MessageKind.UNIT_REPORT)
