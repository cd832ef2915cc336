"""The change register: every published state of an entry archived as a version (called
inside the transaction of the change it records)."""

from __future__ import annotations

from django.utils import timezone

from ratusz.bulletin.models import Entry, EntryVersion
from ratusz.bulletin.selectors import live_attachments
from ratusz.core.services import actor_label


def snapshot(entry: Entry) -> dict:
    """The metryczka and the downloadable files of the entry as a version keeps them."""
    return {"kind": entry.kind, "number": entry.number,
            "act_date": entry.act_date.isoformat() if entry.act_date else None,
            "produced_by": entry.produced_by, "responsible": entry.responsible,
            "produced_on": entry.produced_on.isoformat(), "section": entry.section.title,
            **_snapshot_files(entry)}


def _snapshot_files(entry: Entry) -> dict:
    """The downloadable files a version carries (images of the text are in its body); the
    ids let the archived version link to files removed later."""
    files = live_attachments(entry)
    return {"attachments": [a.name for a in files], "attachment_ids": [a.pk for a in files]}


def record_version(entry: Entry, kind: str, acting_user, reason: str = "") -> EntryVersion:
    """The entry's next version in the change register, as it is now."""
    now = timezone.now()
    entry.version += 1
    entry.modified_at = now
    entry.save(update_fields=["version", "modified_at"])
    return EntryVersion.objects.create(
        municipality_id=entry.municipality_id, entry=entry, number=entry.version, kind=kind,
        title=entry.title, body=entry.body, metadata=snapshot(entry),
        changed_by=acting_user, changed_by_label=actor_label(acting_user), changed_at=now,
        reason=reason)
