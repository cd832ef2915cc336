"""Writes of the BIP's entries: a draft with the metryczka, its changes (a published
entry's change is a new version in the change register), publication with the optional
approval step, withdrawal with a reason, the editor's save of an entry with its files, and
the one-step publication of a document another part of the platform hands over."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from ratusz.bulletin.models import ChangeKind, Entry, EntryKind, EntryState, Section
from ratusz.bulletin.selectors import entry_by_source_key
from ratusz.bulletin.services.checks import (
    MAX_HTML,
    MAX_REASON,
    YEARS_AHEAD_ACT,
    YEARS_AHEAD_EXPIRY,
    YEARS_AHEAD_PUBLICATION,
    check_date,
    check_texts,
    years_ahead,
)
from ratusz.bulletin.services.errors import BulletinError, raise_invalid
from ratusz.bulletin.services.media import (
    StoredFiles,
    check_attachment,
    store_attachment,
)
from ratusz.bulletin.services.sanitising import missing_alt, sanitise
from ratusz.bulletin.services.sites import _ensure_section, _ensure_site
from ratusz.bulletin.services.versions import record_version
from ratusz.core.models import AuditAction, Unit
from ratusz.core.services import record_audit

#: Files added to an entry at once, at most.
MAX_FILES = 20


@dataclass
class EntryData:
    title: str
    body: str
    produced_by: str
    responsible: str
    produced_on: date
    kind: str = EntryKind.ARTICLE
    number: str = ""
    act_date: date | None = None
    publish_from: datetime | None = None
    expires_at: datetime | None = None


def _entry_errors(data: EntryData, municipality_slug: str, reason: str = ""
                  ) -> tuple[list, str]:
    """Every (field, message) wrong with the data (and the reason for a change), and the
    body as it would be stored."""
    errors = []
    if not data.title.strip():
        errors.append(("title", _("Give the title.")))
    if len(data.title) > 300:
        errors.append(("title", _("The title may have at most 300 characters.")))
    for name, label in (("produced_by", _("who produced the information")),
                        ("responsible", _("who is responsible for the content"))):
        if not getattr(data, name).strip():
            errors.append((name, _("Fill in: %(label)s.") % {"label": label}))
    check_texts(errors, {"title": (data.title, 300), "number": (data.number, 80),
                         "produced_by": (data.produced_by, 200),
                         "responsible": (data.responsible, 200),
                         "body": (data.body, MAX_HTML), "reason": (reason, MAX_REASON)})
    if data.produced_on is None:
        errors.append(("produced_on", _("Give the date the information was produced.")))
    elif data.produced_on > timezone.localdate():
        errors.append(("produced_on", _("The date produced cannot be in the future.")))
    else:
        check_date(errors, "produced_on", data.produced_on, latest=timezone.localdate())
    check_date(errors, "act_date", data.act_date, latest=years_ahead(YEARS_AHEAD_ACT))
    dates_valid = check_date(errors, "publish_from", data.publish_from,
                             latest=years_ahead(YEARS_AHEAD_PUBLICATION))
    dates_valid &= check_date(errors, "expires_at", data.expires_at,
                              latest=years_ahead(YEARS_AHEAD_EXPIRY))
    if data.kind not in EntryKind.values:
        errors.append(("kind", _("Unknown kind of entry.")))
    if any(name == "body" for name, _message in errors):
        return errors, ""
    # Alternative texts are checked on every image written, before the images that are
    # not the gmina's own uploads are dropped: a missing text is refused, not hidden.
    if missing_alt(sanitise(data.body)):
        errors.append(("body", _("Every image needs an alternative text (what it shows) "
                                 "for people who cannot see it.")))
    body = sanitise(data.body, own_images_of=municipality_slug)
    # What a character reference (&#6;) becomes once the HTML is parsed.
    check_texts(errors, {"body": (body, len(body))})
    if (dates_valid and data.publish_from and data.expires_at
            and data.expires_at <= data.publish_from):
        errors.append(("expires_at", _("The expiry must be after the publication.")))
    return errors, body


def _cleaned(data: EntryData, body: str) -> EntryData:
    data.body = body
    data.title = data.title.strip()
    return data


def _validate(data: EntryData, municipality_slug: str, reason: str = "") -> EntryData:
    errors, body = _entry_errors(data, municipality_slug, reason)
    raise_invalid("invalid_entry", errors)
    return _cleaned(data, body)


#: Tags that end a word: their text is kept apart ("<td>Dział</td><td>Kwota</td>").
BLOCK_TAG = re.compile(r"<(?=/?(?:p|div|li|td|th|tr|br|hr|h[1-6]|table|thead|tbody|ul|ol|"
                       r"dl|dt|dd|blockquote|pre|figure|figcaption|caption)\b)", re.I)


def search_text(entry: Entry) -> str:
    """What the search reads of an entry: title, number and the words of its text."""
    text = strip_tags(BLOCK_TAG.sub(" <", entry.body))
    return " ".join([entry.title, entry.number, re.sub(r"\s+", " ", text).strip()])[:200_000]


# --- the writes, each the outermost transaction -------------------------------------------

def create_entry(section: Section, data: EntryData, *, acting_user) -> Entry:
    """A draft entry of the section's BIP."""
    data = _validate(data, section.municipality.slug)
    with transaction.atomic(durable=True):
        return _create_entry(section, data, acting_user=acting_user)


def update_entry(entry: Entry, data: EntryData, *, acting_user, reason: str = "") -> Entry:
    """Change an entry. A published entry's change is a new version in the register
    (the previous one stays readable); a draft just changes."""
    data = _validate(data, entry.municipality.slug, reason)
    with transaction.atomic(durable=True):
        return _update_entry(entry, data, acting_user=acting_user, reason=reason)


@transaction.atomic(durable=True)
def submit_entry(entry: Entry, *, acting_user) -> Entry:
    """Publish now (or at `publish_from`), or wait for approval where the unit wants it."""
    return _submit_entry(entry, acting_user=acting_user)


@transaction.atomic(durable=True)
def approve_entry(entry: Entry, *, acting_user) -> Entry:
    """Publish an entry awaiting approval; its author cannot approve it."""
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.state != EntryState.AWAITING:
        raise BulletinError("not_awaiting", _("This entry is not awaiting approval."))
    if entry.entered_by_id == getattr(acting_user, "pk", None):
        raise BulletinError("same_person", _("Another editor has to approve it."))
    return _publish(entry, acting_user)


def withdraw_entry(entry: Entry, *, acting_user, reason: str) -> Entry:
    """Take an entry off the menus; it stays in the change register with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise BulletinError("reason_required", _("Say why the entry is withdrawn."),
                            "reason")
    errors: list = []
    check_texts(errors, {"reason": (reason, MAX_REASON)})
    raise_invalid("invalid_reason", errors)
    with transaction.atomic(durable=True):
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.state != EntryState.PUBLISHED:
            raise BulletinError("not_published", _("Only a published entry is withdrawn."))
        entry.state = EntryState.WITHDRAWN
        entry.withdrawn_at = timezone.now()
        entry.withdrawal_reason = reason
        entry.save(update_fields=["state", "withdrawn_at", "withdrawal_reason"])
        record_version(entry, ChangeKind.WITHDRAWN, acting_user, reason)
        record_audit(municipality=entry.municipality, acting_user=acting_user,
                     action=AuditAction.UPDATED, target=entry,
                     after={"state": entry.state, "reason": reason})
    return entry


def save_entry(entry: Entry | None, data: EntryData, *, section: Section,
               files: Sequence[tuple[str, bytes]] = (), reason: str = "",
               publish: bool = False, acting_user) -> Entry:
    """The editor's save: create the entry (`entry` None) or change it, in `section`, add
    the files (name, bytes) and, when `publish`, send a draft for publication; all or
    nothing. Everything is checked before anything is written: a refusal lists every
    (field, message) found, the files' under "files"."""
    errors, body = _entry_errors(data, section.municipality.slug, reason)
    if entry is not None and entry.state == EntryState.PUBLISHED and not reason.strip():
        # A correction of what the public has read says why (the entry's page shows it).
        errors.append(("reason", _("Say why the published entry is changed: its page and "
                                   "the change register show the reason.")))
    checked = []
    for name, content in files[:MAX_FILES]:
        try:
            checked.append(check_attachment(name, content))
        except BulletinError as error:
            errors.append(("files", error.message))
    if len(files) > MAX_FILES:
        errors.append(("files", _("At most %(n)d files at once.") % {"n": MAX_FILES}))
    raise_invalid("invalid_entry", errors)
    data = _cleaned(data, body)
    with StoredFiles() as stored, transaction.atomic(durable=True):
        if entry is None:
            entry = _create_entry(section, data, acting_user=acting_user)
            for item in checked:
                store_attachment(entry, item, acting_user=acting_user, files=stored)
        else:
            # Files first: the new version lists the attachments it carries.
            for item in checked:
                store_attachment(entry, item, acting_user=acting_user, files=stored)
            entry = _update_entry(entry, data, acting_user=acting_user, reason=reason,
                                  section=section)
        if publish and entry.state == EntryState.DRAFT:
            entry = _submit_entry(entry, acting_user=acting_user)
    return entry


def publish_document(unit: Unit, data: EntryData, *, section: str,
                     attachments: Sequence[tuple[str, bytes]] = (), source_key: str,
                     acting_user) -> Entry:
    """Publish in one step a document handed over as plain data: an entry of the unit's
    BIP (made when missing) in its section `section` (a slug of the typical subject menu,
    added at the end of the menu when missing), with the attachments (name, bytes), sent
    for publication (or for approval where the BIP wants it). One entry per `source_key`
    (e.g. "eservices.submission:<pk>"): a second call returns the first one's entry."""
    existing = entry_by_source_key(unit.municipality, source_key)
    if existing is not None:
        return existing
    data = _validate(data, unit.municipality.slug)
    checked = [check_attachment(name, content) for name, content in attachments]
    try:
        with StoredFiles() as stored, transaction.atomic(durable=True):
            site = _ensure_site(unit, acting_user=acting_user)
            entry = _create_entry(_ensure_section(site, section), data,
                                  acting_user=acting_user, source_key=source_key)
            for item in checked:
                store_attachment(entry, item, acting_user=acting_user, files=stored)
            return _submit_entry(entry, acting_user=acting_user)
    except IntegrityError:
        # Published from the same source by someone else in the meantime: theirs it is.
        existing = entry_by_source_key(unit.municipality, source_key)
        if existing is None:
            raise
        return existing


# --- helpers inside the caller's transaction ----------------------------------------------

def _create_entry(section: Section, data: EntryData, *, acting_user,
                  source_key: str = "") -> Entry:
    entry = Entry(
        municipality_id=section.municipality_id, site=section.site, section=section,
        kind=data.kind, title=data.title, body=data.body, number=data.number.strip(),
        act_date=data.act_date, produced_by=data.produced_by.strip(),
        responsible=data.responsible.strip(), produced_on=data.produced_on,
        entered_by=acting_user, publish_from=data.publish_from, expires_at=data.expires_at,
        source_key=source_key)
    entry.search_text = search_text(entry)
    entry.save(force_insert=True)
    record_audit(municipality=section.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=entry)
    return entry


def _update_entry(entry: Entry, data: EntryData, *, acting_user, reason: str = "",
                  section: Section | None = None) -> Entry:
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.state == EntryState.WITHDRAWN:
        raise BulletinError("withdrawn", _("A withdrawn entry cannot be changed."))
    if section is not None:
        entry.section = section
    for name in ("title", "body", "kind", "number", "act_date", "produced_by",
                 "responsible", "produced_on", "publish_from", "expires_at"):
        setattr(entry, name, getattr(data, name))
    entry.search_text = search_text(entry)
    entry.save()
    if entry.state == EntryState.PUBLISHED:
        record_version(entry, ChangeKind.EDITED, acting_user, reason)
    record_audit(municipality=entry.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=entry)
    return entry


def _submit_entry(entry: Entry, *, acting_user) -> Entry:
    entry = Entry.objects.select_for_update().select_related("site").get(pk=entry.pk)
    if entry.state != EntryState.DRAFT:
        raise BulletinError("not_draft", _("Only a draft can be sent for publication."))
    if entry.site.requires_approval:
        entry.state = EntryState.AWAITING
        entry.save(update_fields=["state"])
        return entry
    return _publish(entry, acting_user)


def _publish(entry: Entry, acting_user) -> Entry:
    entry.state = EntryState.PUBLISHED
    entry.published_at = timezone.now()
    entry.save(update_fields=["state", "published_at"])
    record_version(entry, ChangeKind.CREATED, acting_user)
    record_audit(municipality=entry.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=entry, after={"state": entry.state})
    return entry
