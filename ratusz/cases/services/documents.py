"""Documents of a case: files checked by content, stored by their hash before the
transaction that records them, versions, and the small previews."""

from __future__ import annotations

from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from ratusz.cases import search
from ratusz.cases.documents import inspect_upload, make_preview
from ratusz.cases.errors import EzdError
from ratusz.cases.models import Case, CaseAction, Document, DocumentVersion
from ratusz.cases.services.cases import CASE_CLOSED, lock_case
from ratusz.cases.services.checks import TEXT_CAP, check_text
from ratusz.cases.services.numbering import require_transaction
from ratusz.cases.services.record import record_case_event
from ratusz.core.effects import after_commit


def preview_path(path: str) -> str:
    """Where the small PNG of a stored file is kept."""
    return f"{path}.preview.png"


def store_checked_file(municipality_id: int, inspection, name: str, data: bytes) -> str:
    """Store bytes checked by `inspect_upload` (content-addressed, with their preview)
    before the transaction that records them; `discard_stored_file` removes both if that
    transaction fails."""
    extension = PurePath(name).suffix.lower()[:10]
    path = f"documents/{municipality_id}/{inspection.sha256[:2]}/{inspection.sha256}{extension}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(data))
    preview = getattr(inspection, "preview_png", None)
    if preview and not default_storage.exists(preview_path(path)):
        default_storage.save(preview_path(path), ContentFile(preview))
    return path


def discard_stored_file(path: str) -> None:
    """Remove a stored file (and its preview) that no document version refers to."""
    if not DocumentVersion.objects.filter(file=path).exists():
        default_storage.delete(path)
        default_storage.delete(preview_path(path))


def add_document(case: Case, *, acting_user, title: str, kind: str, name: str, data: bytes,
                 access_level: str = "public"):
    """Add a document to a case from uploaded bytes: checked by content (not by name),
    hashed, its text extracted and any signature verified. Refused uploads raise
    `UploadRejected`; a failure leaves no file behind."""
    inspection = inspect_upload(name, data)
    path = store_checked_file(case.municipality_id, inspection, name, data)
    try:
        return _add_document_rows(case, acting_user=acting_user, title=title, kind=kind,
                                  name=name, path=path, inspection=inspection,
                                  access_level=access_level)
    except BaseException:
        discard_stored_file(path)
        raise


@transaction.atomic(durable=True)
def _add_document_rows(case, *, acting_user, title, kind, name, path, inspection,
                       access_level):
    case = lock_case(case)
    if not case.is_open:
        raise EzdError("case_closed", _("Documents cannot be added to a closed case."))
    title = check_text((title or "").strip(), name="title", limit=TEXT_CAP) or name
    document = Document.objects.create(municipality_id=case.municipality_id, case=case,
                                       title=title[:300], kind=kind, access_level=access_level,
                                       created_by=acting_user)
    version = create_version(document, acting_user=acting_user, name=name, path=path,
                             inspection=inspection)
    check = version.get_signature_status_display()
    record_case_event(case, CaseAction.DOCUMENT_ADDED, acting_user=acting_user,
                      description=f"Dodanie dokumentu „{document.title}” ({name}, "
                                  f"SHA-256 {version.sha256[:16]}…; podpis: {check})",
                      document=document, data={"sha256": version.sha256, "version": 1})
    after_commit(search.index_case_by_id, case.pk)
    return document


def create_version(document, *, acting_user, name, path, inspection):
    """The next version of a document, for a file already stored; in the caller's
    transaction."""
    number = (document.versions.aggregate(m=Max("number"))["m"] or 0) + 1
    return DocumentVersion.objects.create(
        municipality_id=document.municipality_id, document=document, number=number, file=path,
        original_name=name[:255], content_type=inspection.content_type, size=inspection.size,
        sha256=inspection.sha256, text=inspection.text,
        signature_status=inspection.signature_status,
        signature_report=inspection.signature_report, created_by=acting_user,
    )


def add_document_version(document, *, acting_user, name: str, data: bytes):
    """A new version of a case document; the earlier versions stay."""
    inspection = inspect_upload(name, data)
    path = store_checked_file(document.municipality_id, inspection, name, data)
    try:
        with transaction.atomic(durable=True):
            case = lock_case(document.case)
            if not case.is_open:
                raise EzdError("case_closed", CASE_CLOSED)
            version = create_version(document, acting_user=acting_user, name=name,
                                     path=path, inspection=inspection)
            record_case_event(case, CaseAction.DOCUMENT_VERSION_ADDED, acting_user=acting_user,
                              description=f"Nowa wersja {version.number} dokumentu "
                                          f"„{document.title}” (SHA-256 "
                                          f"{version.sha256[:16]}…)",
                              document=document, data={"version": version.number})
            return version
    except BaseException:
        discard_stored_file(path)
        raise


def add_stored_document_within(case: Case, *, acting_user, title: str, kind: str, name: str,
                               path: str, inspection):
    """Add an already stored, checked file to an open case inside the caller's transaction
    (the caller holds the case lock)."""
    require_transaction()
    if not case.is_open:
        raise EzdError("case_closed", _("Documents cannot be added to a closed case."))
    document = Document.objects.create(municipality_id=case.municipality_id, case=case,
                                       title=(title or name)[:300], kind=kind,
                                       access_level=case.access_level, created_by=acting_user)
    version = create_version(document, acting_user=acting_user, name=name, path=path,
                             inspection=inspection)
    record_case_event(case, CaseAction.DOCUMENT_ADDED, acting_user=acting_user,
                      description=f"Dodanie dokumentu „{document.title}” ({name}, "
                                  f"SHA-256 {version.sha256[:16]}…)",
                      document=document, data={"sha256": version.sha256, "version": 1})
    after_commit(search.index_case_by_id, case.pk)
    return document


def ensure_preview(version: DocumentVersion) -> str | None:
    """The stored path of the version's small PNG, made now if the file arrived through a
    busy path that left it for the first view (e-service submissions); None when no
    preview can be made of this kind of file."""
    path = preview_path(version.file.name)
    if not default_storage.exists(path):
        with default_storage.open(version.file.name, "rb") as handle:
            preview = make_preview(version.content_type, handle.read())
        if preview is None:
            return None
        default_storage.save(path, ContentFile(preview))
    return path
