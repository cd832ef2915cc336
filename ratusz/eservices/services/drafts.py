"""What a person has typed into a form so far: a signed-in resident's saved draft, and
the files attached on the way (stashed until the form is filed or abandoned)."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from ratusz.eservices.models import Draft, Service
from ratusz.eservices.services.attachments import UploadedFile, check_one_attachment


@transaction.atomic(durable=True)
def save_draft(service: Service, *, resident, data: dict, page: int) -> Draft:
    """Keep what a signed-in resident has typed so far (one draft per service)."""
    draft, _created = Draft.objects.update_or_create(
        municipality_id=service.municipality_id, service=service, resident=resident,
        defaults={"data": data, "page": page, "form_version": service.current_form,
                  "updated_at": timezone.now()})
    return draft


@transaction.atomic(durable=True)
def discard_draft(service: Service, *, resident) -> None:
    """Forget a resident's draft of this service."""
    Draft.objects.filter(service=service, resident=resident).delete()


def stash_attachment(service: Service, prop: dict, file: UploadedFile) -> dict:
    """Check a file attached to a form page (`check_one_attachment`) and keep it until the
    form is filed; returns what the form's state remembers of it. A refused file raises
    `EserviceError` and is not kept."""
    inspection = check_one_attachment(prop, file)
    extension = PurePath(file.name).suffix.lower()[:10]
    path = default_storage.save(
        f"drafts/{service.municipality_id}/{uuid.uuid4().hex}{extension}",
        ContentFile(file.data))
    return {"field": file.field, "name": file.name, "path": path, "size": inspection.size,
            "sha256": inspection.sha256}


def stashed_files(stash: list[dict]) -> list[UploadedFile]:
    """The stashed files, read back for filing."""
    files = []
    for item in stash:
        with default_storage.open(item["path"], "rb") as handle:
            files.append(UploadedFile(item["field"], item["name"], handle.read()))
    return files


def discard_stashed(items: list[dict]) -> None:
    """Delete stashed files (removed from the form, or the form abandoned or filed)."""
    for item in items:
        default_storage.delete(item["path"])
