"""Writes of the archive: transfer to the office archive, disposal (brakowanie), export.

Closed cases pass to the unit's archive (archiwum zakładowe) after two full calendar years;
non-archival cases (B, BE, Bc) past retention go on a disposal list which, with the state
archive's consent where the law asks for it (B, BE; not Bc), is executed: the stored files
are deleted while every metadata row and the case record stay. Category A cases are
exported as an archive package (ZIP with XML metadata), described in
docs/archive-package.md.

Every write owns its transaction, locks what it changes, writes the audit entry and the
case-record entries in that transaction; files are deleted only after commit.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from datetime import date
from xml.etree import ElementTree

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases import reports
from ratusz.cases.errors import EzdError
from ratusz.cases.models import (
    ArchiveTransfer,
    Case,
    CaseAction,
    CaseRecordEntry,
    CaseStatus,
    DisposalList,
    DisposalStatus,
    Document,
    DocumentVersion,
)
from ratusz.cases.services.checks import shown_text
from ratusz.cases.services.record import person_label, record_case_event
from ratusz.core.effects import after_commit
from ratusz.core.models import AuditAction, Department, Unit
from ratusz.core.services import record_audit

#: The XML namespace of the archive package, version 1.
logger = logging.getLogger("ratusz.cases.archive")

PACKAGE_NAMESPACE = "urn:ratusz:archive-package:1"
PACKAGE_VERSION = "1"


def _refuse_future(as_of: date) -> None:
    if as_of > timezone.localdate():
        raise EzdError("as_of_in_future", _("The date the deadlines are counted to cannot be "
                                            "later than today."))


# --- Transfer to the office archive ------------------------------------------------------

@transaction.atomic(durable=True)
def transfer_to_archive(unit: Unit, department: Department, *, acting_user,
                        as_of: date) -> ArchiveTransfer:
    """Hand the department's closed cases whose two full years have passed by `as_of` to
    the unit's archive: each gets `archived_at` and an ARCHIVED record entry, and all go
    on one transfer (the electronic spis zdawczo-odbiorczy). A case is never transferred
    twice; nothing due is refused."""
    _refuse_future(as_of)
    if department.unit_id != unit.pk or department.municipality_id != unit.municipality_id:
        raise EzdError("department_not_found", _("There is no such department in this unit."))
    cases = list(reports.transfer_candidates(unit, department, as_of).select_for_update()
                 .order_by("pk"))
    if not cases:
        raise EzdError("nothing_to_transfer", _("No case of this department awaits transfer to "
                                                "the office archive."))
    now = timezone.now()
    transfer = ArchiveTransfer.objects.create(
        municipality_id=unit.municipality_id, unit=unit, department=department,
        created_at=now, created_by=acting_user if getattr(acting_user, "pk", None) else None)
    transfer.cases.set(cases)
    Case.objects.filter(pk__in=[case.pk for case in cases], archived_at__isnull=True).update(
        archived_at=now)
    for case in cases:
        record_case_event(case, CaseAction.ARCHIVED, acting_user=acting_user,
                          description=f"Przekazanie akt sprawy do archiwum zakładowego "
                                      f"{unit.name} (przekazanie nr {transfer.pk})",
                          data={"transfer": transfer.pk})
    record_audit(municipality=unit.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=transfer,
                 after={"department": department.symbol, "as_of": as_of.isoformat(),
                        "cases": [case.mark for case in cases]})
    return transfer


# --- Disposal (brakowanie) -----------------------------------------------------------------

@transaction.atomic(durable=True)
def create_disposal_list(unit: Unit, *, acting_user, as_of: date) -> DisposalList:
    """Put every non-archival case of the unit past retention by `as_of` on a new draft
    list. A case is on at most one list in progress; an empty list is refused."""
    _refuse_future(as_of)
    # One list at a time per unit: the second waits and then sees the first one's cases.
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    cases = list(reports.disposal_candidates(unit, as_of))
    if not cases:
        raise EzdError("nothing_to_dispose", _("No case of this unit meets the conditions of "
                                               "disposal."))
    disposal_list = DisposalList.objects.create(
        municipality_id=unit.municipality_id, unit=unit,
        created_by=acting_user if getattr(acting_user, "pk", None) else None)
    disposal_list.cases.set(cases)
    record_audit(municipality=unit.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=disposal_list,
                 after={"as_of": as_of.isoformat(), "cases": [case.mark for case in cases]})
    return disposal_list


def _locked_list(disposal_list: DisposalList) -> DisposalList:
    return DisposalList.objects.select_for_update().get(pk=disposal_list.pk)


@transaction.atomic(durable=True)
def submit_disposal_list(disposal_list: DisposalList, *, acting_user) -> DisposalList:
    """Send a draft list to the state archive for its consent."""
    disposal_list = _locked_list(disposal_list)
    if disposal_list.status != DisposalStatus.DRAFT:
        raise EzdError("list_not_draft", _("Only a draft list can be sent to the state "
                                           "archive."))
    disposal_list.status = DisposalStatus.SUBMITTED
    disposal_list.save(update_fields=["status"])
    record_audit(municipality=disposal_list.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=disposal_list,
                 before={"status": DisposalStatus.DRAFT},
                 after={"status": DisposalStatus.SUBMITTED})
    return disposal_list


@transaction.atomic(durable=True)
def approve_disposal_list(disposal_list: DisposalList, *, acting_user,
                          consent_reference: str = "") -> DisposalList:
    """Record the consent to dispose of the list. A list with any B or BE case needs the
    state archive's consent reference and must have been submitted; a list of Bc copies
    only needs no consent and may be approved from draft."""
    disposal_list = _locked_list(disposal_list)
    consent_reference = consent_reference.strip()
    needs_consent = reports.needs_archive_consent(disposal_list)
    allowed = ({DisposalStatus.SUBMITTED} if needs_consent
               else {DisposalStatus.DRAFT, DisposalStatus.SUBMITTED})
    if disposal_list.status not in allowed:
        raise EzdError("list_not_submitted",
                       _("Consent can be recorded only for a list sent to the state archive."))
    if needs_consent and not consent_reference:
        raise EzdError("consent_reference_required",
                       _("Give the reference of the state archive director's consent."))
    before = disposal_list.status
    disposal_list.status = DisposalStatus.APPROVED
    disposal_list.consent_reference = consent_reference[:200]
    disposal_list.approved_at = timezone.now()
    disposal_list.approved_by = acting_user if getattr(acting_user, "pk", None) else None
    disposal_list.save(update_fields=["status", "consent_reference", "approved_at",
                                      "approved_by"])
    record_audit(municipality=disposal_list.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=disposal_list,
                 before={"status": before},
                 after={"status": DisposalStatus.APPROVED,
                        "consent_reference": disposal_list.consent_reference})
    return disposal_list


@transaction.atomic(durable=True)
def execute_disposal_list(disposal_list: DisposalList, *, acting_user) -> DisposalList:
    """Dispose of an approved list: the stored files of every version of the cases'
    documents are deleted (after commit, and only if no other document still uses the
    same stored file); the cases, documents, versions (name, size, SHA-256) and the case
    record stay, each case gets `disposed_at` and a DISPOSED record entry."""
    disposal_list = _locked_list(disposal_list)
    if disposal_list.status != DisposalStatus.APPROVED:
        raise EzdError("list_not_approved", _("Only a list with its consent recorded can be "
                                              "disposed of."))
    cases = list(disposal_list.cases.select_for_update().filter(disposed_at__isnull=True)
                 .order_by("pk"))
    now = timezone.now()
    versions = DocumentVersion.objects.filter(document__case__in=cases).exclude(file="")
    paths = set(versions.values_list("file", flat=True))
    counts = dict.fromkeys((case.pk for case in cases), 0)
    for case_id in versions.values_list("document__case_id", flat=True):
        counts[case_id] += 1
    versions.update(file="")
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(disposed_at=now)
    reference = disposal_list.consent_reference
    for case in cases:
        record_case_event(
            case, CaseAction.DISPOSED, acting_user=acting_user,
            description=f"Brakowanie dokumentacji (kategoria {case.archival_category}, spis "
                        f"nr {disposal_list.pk}"
                        + (f", zgoda {reference}" if reference else "")
                        + f"): usunięto pliki {counts[case.pk]} wersji dokumentów; "
                          f"metadane i metryka zachowane",
            data={"disposal_list": disposal_list.pk, "files": counts[case.pk]})
    disposal_list.status = DisposalStatus.EXECUTED
    disposal_list.executed_at = now
    disposal_list.save(update_fields=["status", "executed_at"])
    record_audit(municipality=disposal_list.municipality, acting_user=acting_user,
                 action=AuditAction.DELETED, target=disposal_list,
                 before={"status": DisposalStatus.APPROVED},
                 after={"status": DisposalStatus.EXECUTED, "files": len(paths),
                        "cases": [case.mark for case in cases]})
    after_commit(delete_unused_files, sorted(paths))
    return disposal_list


def delete_unused_files(paths: list[str]) -> None:
    """Delete stored files no document version refers to any more. Safe to run twice."""
    for path in paths:
        if not DocumentVersion.objects.filter(file=path).exists():
            default_storage.delete(path)


# --- Export of an archival case ------------------------------------------------------------

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _timestamp(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _dcmi_type(content_type: str) -> str:
    if content_type.startswith("image/"):
        return "StillImage"
    if content_type.startswith("audio/"):
        return "Sound"
    if content_type.startswith("video/"):
        return "MovingImage"
    return "Text"


def document_identifier(document: Document) -> str:
    """A system-unique identifier without spaces or any of \\ / * ? : = , ;"""
    return f"ratusz-{document.municipality_id}-dokument-{document.pk}"


def package_file_name(version: DocumentVersion) -> str:
    safe = _UNSAFE_NAME.sub("_", version.original_name).strip("._") or "plik"
    return f"files/{version.document_id}/v{version.number}-{safe[:120]}"


def _xml_text(value, where: str) -> str:
    """A value as the package's XML can carry it. A text stored before input refused
    control characters is written with U+FFFD in their place (and logged): the package
    of the case is still made and well-formed; its files and hashes stay exact."""
    text = str(value)
    shown = shown_text(text)
    if shown != text:
        logger.warning("archive_package.unsafe_text", extra={"element": where})
    return shown


def _element(parent, tag: str, text=None, **attributes):
    node = ElementTree.SubElement(parent, f"{{{PACKAGE_NAMESPACE}}}{tag}",
                                  {key: _xml_text(value, f"{tag}@{key}")
                                   for key, value in attributes.items()
                                   if value not in (None, "")})
    if text not in (None, ""):
        node.text = _xml_text(text, tag)
    return node


def _responsibility(parent, tag: str, user) -> None:
    name, position = person_label(user)
    node = _element(parent, tag)
    _element(node, "name", name)
    _element(node, "position", position)


def export_archive_package(case: Case) -> bytes:
    """The archive package of a closed category-A case: a ZIP with `metadata.xml` (case
    metadata of Part D, each document with Part C metadata and its versions with SHA-256,
    the full case record) and the files under `files/`. A stored file whose SHA-256 no
    longer matches refuses the export."""
    case = (Case.objects.select_related("municipality", "unit", "department", "jrwa_class",
                                        "opened_by", "handler").get(pk=case.pk))
    if case.status != CaseStatus.CLOSED:
        raise EzdError("case_not_closed", _("An archive package is made for a closed case."))
    if (case.archival_category or case.jrwa_class.category) != "A":
        raise EzdError("not_archival", _("An archive package is made only for cases of "
                                         "category A."))
    documents = list(Document.objects.filter(case=case).select_related("created_by", "incoming")
                     .prefetch_related("versions").order_by("created_at", "pk"))
    record = list(CaseRecordEntry.objects.filter(case=case).select_related("document")
                  .order_by("position"))
    ElementTree.register_namespace("", PACKAGE_NAMESPACE)
    root = ElementTree.Element(f"{{{PACKAGE_NAMESPACE}}}archivePackage",
                               {"version": PACKAGE_VERSION,
                                "createdAt": _timestamp(timezone.now())})
    creator = _element(root, "creator")
    _element(creator, "municipality", case.municipality.official_name,
             teryt=case.municipality.teryt)
    _element(creator, "unit", case.unit.name)
    _element(creator, "department", case.department.name, symbol=case.department.symbol)

    last_element = max([version.created_at for document in documents
                        for version in document.versions.all()]
                       + [document.created_at for document in documents]
                       + [case.opened_at])
    case_node = _element(root, "case")
    _element(case_node, "caseMark", case.mark)
    _element(case_node, "title", case.title)
    _element(case_node, "description", case.description)
    _responsibility(case_node, "openedBy", case.opened_by)
    _responsibility(case_node, "handler", case.handler)
    _element(case_node, "openedAt", _timestamp(case.opened_at))
    _element(case_node, "lastElementDate", timezone.localdate(last_element).isoformat())
    _element(case_node, "settledOn", case.settled_on.isoformat() if case.settled_on else "")
    _element(case_node, "closedAt", _timestamp(case.closed_at) if case.closed_at else "")
    _element(case_node, "jrwaClass", case.jrwa_class.title, symbol=case.jrwa_symbol)
    _element(case_node, "archivalCategory", case.archival_category or "A")
    _element(case_node, "access", case.get_access_level_display(), code=case.access_level)
    _element(case_node, "format", "Multipart/Header-Set")
    _element(case_node, "type", "Collection")

    files: list[tuple[str, bytes]] = []
    documents_node = _element(root, "documents")
    for document in documents:
        versions = sorted(document.versions.all(), key=lambda version: version.number)
        node = _element(documents_node, "document", identifier=document_identifier(document))
        _responsibility(node, "responsibility", document.created_by)
        _element(node, "addedAt", _timestamp(document.created_at))
        _element(node, "documentType", document.get_kind_display(), code=document.kind)
        _element(node, "identifier", document_identifier(document))
        _element(node, "title", document.title)
        _element(node, "access", document.get_access_level_display(),
                 code=document.access_level)
        current = versions[-1] if versions else None
        _element(node, "format", current.content_type if current else "")
        _element(node, "type", _dcmi_type(current.content_type if current else ""))
        if document.incoming is not None:
            _element(node, "incomingEntry", document.incoming.number,
                     receivedOn=document.incoming.received_on.isoformat())
        versions_node = _element(node, "versions")
        for version in versions:
            if not version.file:
                raise EzdError("file_missing", _("The file of version %(number)s of the "
                                                 "document “%(title)s” is missing."),
                               number=version.number, title=document.title)
            with version.file.open("rb") as stored:
                data = stored.read()
            digest = hashlib.sha256(data).hexdigest()
            if digest != version.sha256:
                raise EzdError("file_corrupted", _("The file of version %(number)s of the "
                                                   "document “%(title)s” does not match its "
                                                   "SHA-256 hash."),
                               number=version.number, title=document.title)
            name = package_file_name(version)
            files.append((name, data))
            _element(versions_node, "version", number=version.number, file=name,
                     sha256=digest, size=len(data), originalName=version.original_name,
                     format=version.content_type, createdAt=_timestamp(version.created_at),
                     signature=version.signature_status)

    record_node = _element(root, "caseRecord")
    for entry in record:
        node = _element(record_node, "entry", position=entry.position)
        _element(node, "occurredAt", _timestamp(entry.occurred_at))
        _element(node, "actorName", entry.actor_name)
        _element(node, "actorPosition", entry.actor_position)
        _element(node, "action", entry.get_action_display(), code=entry.action)
        _element(node, "description", entry.description)
        if entry.document_id:
            _element(node, "document", entry.document_label,
                     ref=document_identifier(entry.document))
        _element(node, "previousHash", entry.previous_hash)
        _element(node, "hash", entry.hash)

    ElementTree.indent(root)
    metadata = ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("metadata.xml", metadata)
        for name, data in files:
            package.writestr(name, data)
    return buffer.getvalue()
