"""Writes of the BIP: sites with the typical subject menu, entries with the metryczka,
publication (with an optional approval step), edits that archive the previous version,
withdrawal with a reason, attachments checked by their bytes, and the statistics."""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import io
import logging
import re
import threading
import time
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.translation import gettext as _

from ratusz.bulletin.models import (
    Attachment,
    ChangeKind,
    Entry,
    EntryKind,
    EntryState,
    EntryVersion,
    MonthlyStat,
    Section,
    Site,
)
from ratusz.bulletin.selectors import live_attachments
from ratusz.core.models import AuditAction, Unit
from ratusz.core.services import actor_label, record_audit

logger = logging.getLogger(__name__)

#: The subject menu of a gmina office's BIP (domain notes §3.3); (slug, title, register?).
OFFICE_MENU = [
    ("o-gminie", "Informacje o gminie", False),
    ("wladze", "Władze gminy", False),
    ("rada-gminy", "Rada Gminy", False),
    ("sesje-rady", "Sesje rady: nagrania i imienne wykazy głosowań", False),
    ("uchwaly", "Uchwały Rady Gminy", True),
    ("zarzadzenia", "Zarządzenia Wójta", True),
    ("prawo-miejscowe", "Prawo miejscowe", True),
    ("statut", "Statut gminy", False),
    ("budzet", "Budżet i finanse", False),
    ("oswiadczenia-majatkowe", "Oświadczenia majątkowe", False),
    ("zamowienia-publiczne", "Zamówienia publiczne i przetargi", True),
    ("nabor", "Nabór na wolne stanowiska", False),
    ("ogloszenia", "Ogłoszenia i obwieszczenia", False),
    ("petycje", "Petycje", True),
    ("raport-o-stanie-gminy", "Raport o stanie gminy", False),
    ("zalatwianie-spraw", "Załatwianie spraw (karty usług)", False),
    ("informacja-udostepniona", "Informacja publiczna udostępniona na wniosek", True),
    ("informacje-nieudostepnione", "Informacje nieudostępnione w BIP", False),
    ("deklaracja-dostepnosci", "Deklaracja dostępności", False),
    ("rodo", "Ochrona danych osobowych (RODO)", False),
]
#: A unit's BIP: its own organisation, budget, orders, recruitment, procurement, RODO.
UNIT_MENU = [
    ("o-jednostce", "Informacje o jednostce", False),
    ("statut", "Statut i regulamin organizacyjny", False),
    ("budzet", "Budżet i sprawozdania finansowe", False),
    ("zarzadzenia", "Zarządzenia dyrektora", True),
    ("zamowienia-publiczne", "Zamówienia publiczne", True),
    ("nabor", "Nabór na wolne stanowiska", False),
    ("ogloszenia", "Ogłoszenia", False),
    ("informacje-nieudostepnione", "Informacje nieudostępnione w BIP", False),
    ("deklaracja-dostepnosci", "Deklaracja dostępności", False),
    ("rodo", "Ochrona danych osobowych (RODO)", False),
]

INSTRUCTIONS = (
    "Biuletyn Informacji Publicznej to urzędowy publikator informacji publicznej. "
    "Menu przedmiotowe po lewej stronie prowadzi do działów; wyszukiwarka przeszukuje "
    "wszystkie aktualne i archiwalne wpisy. Przy każdym wpisie jest metryczka (kto "
    "informację wytworzył, kto ją wprowadził, kiedy ją wytworzono i opublikowano) oraz "
    "rejestr zmian z każdą wcześniejszą wersją. Każdą stronę można wydrukować (wersja do "
    "druku) albo zapisać; rejestry (uchwały, zarządzenia, zamówienia) są dostępne także "
    "jako pliki CSV i JSON. Informację, której nie ma w BIP, udostępniamy na wniosek."
)

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "ul", "ol", "li",
                "h2", "h3", "h4", "blockquote", "a", "img", "table", "thead", "tbody",
                "tfoot", "tr", "th", "td", "caption", "figure", "figcaption", "abbr", "code",
                "pre", "hr", "span", "iframe"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"}, "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "rowspan"}, "td": {"colspan", "rowspan"},
    "abbr": {"title"}, "span": {"lang"}, "p": {"lang"},
    "iframe": {"src", "title", "width", "height", "allowfullscreen"},
}
#: Session recordings may be embedded from these hosts only; other iframes are removed.
IFRAME_HOSTS = {"www.youtube-nocookie.com", "player.vimeo.com"}
ATTACHMENT_TYPES = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword", "xls": "application/vnd.ms-excel", "rtf": "application/rtf",
    "jpg": "image/jpeg", "png": "image/png", "zip": "application/zip",
}
MAX_ATTACHMENT = 50 * 1024 * 1024
#: Images of the text (uploaded through the editor's image button) are attachments of the
#: entry whose content_type carries this parameter, e.g. "image/png; bip=inline". A JPG or
#: PNG added as a document keeps the bare type and stays among the downloadable files.
INLINE_IMAGE_PARAMETER = "bip=inline"
#: Pillow's format name -> (content type, file extension) of the images of the text.
INLINE_IMAGE_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"),
                        "WEBP": ("image/webp", "webp")}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
#: Longer images are scaled down to this many pixels on their long side.
MAX_IMAGE_SIDE = 2000
#: The e-service of the library whose replies can be published in the BIP in one step.
INFORMATION_REQUEST_SERVICE = "wniosek-o-udostepnienie-informacji-publicznej"
INFORMATION_SECTION = OFFICE_MENU[[slug for slug, _t, _r in OFFICE_MENU].index(
    "informacja-udostepniona")]
#: What replaces the applicant's personal data in the published text.
REDACTED = "[dane osobowe usunięte]"


class BulletinError(Exception):
    def __init__(self, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


def raise_invalid(code: str, errors: list[tuple[str, str]]) -> None:
    """Refuse with every (field, message) found, the first as the error's own; no-op when
    there are none."""
    if errors:
        error = BulletinError(code, errors[0][1], errors[0][0])
        error.errors = errors
        raise error


# --- HTML -------------------------------------------------------------------------------

def _filter_attribute(tag: str, attribute: str, value: str,
                      own_images: re.Pattern | None = None) -> str | None:
    if tag == "iframe" and attribute == "src":
        parts = urlsplit(value)
        return value if parts.scheme == "https" and parts.hostname in IFRAME_HOSTS else None
    if tag == "img" and attribute == "src" and own_images is not None:
        return value if own_images.fullmatch(value) else None
    if attribute in ("href", "src"):
        scheme = urlsplit(value).scheme.lower()
        if scheme not in ("", "http", "https", "mailto", "tel"):
            return None
    return value


def own_image_pattern(municipality_slug: str) -> re.Pattern:
    """The relative addresses of the gmina's own images of the text (/bip/obraz/<id>/)."""
    sample = reverse("bip:image", args=[municipality_slug, 1])
    prefix = sample[:sample.rindex("/1/") + 1]
    return re.compile(re.escape(prefix) + r"[1-9][0-9]{0,17}/")


def sanitise(html: str, *, own_images_of: str = "") -> str:
    """The editor's HTML reduced to safe, accessible markup: no scripts, event handlers,
    styles, foreign iframes or javascript: links; an iframe without an allowed source is
    dropped whole. With `own_images_of` (a gmina's slug) an image stays only when it is
    one of that gmina's own uploaded images (a relative /g/<slug>/bip/obraz/<id>/ address);
    any other image is dropped whole."""
    own_images = own_image_pattern(own_images_of) if own_images_of else None
    cleaned = nh3.clean(html or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        attribute_filter=partial(_filter_attribute, own_images=own_images),
                        link_rel="noopener noreferrer",
                        url_schemes={"http", "https", "mailto", "tel"}, strip_comments=True)
    if own_images is not None:
        cleaned = re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", cleaned)
    return re.sub(r"<iframe(?![^>]*\ssrc=)[^>]*>\s*</iframe>", "", cleaned)


def missing_alt(html: str) -> int:
    """How many images have no (or an empty) alternative text."""
    count = 0
    for tag in re.findall(r"<img\b[^>]*>", html or "", flags=re.I):
        match = re.search(r'\salt="([^"]*)"', tag)
        if match is None or not match.group(1).strip():
            count += 1
    return count


# --- sites ------------------------------------------------------------------------------

def unit_address(unit: Unit) -> str:
    """The unit's own address on one line ("" when it has none)."""
    return ", ".join(part for part in (f"{unit.street} {unit.building}".strip(),
                                       f"{unit.postal_code} {unit.city}".strip()) if part)


def ensure_site(unit: Unit, *, acting_user=None) -> Site:
    """The unit's BIP with the typical subject menu (idempotent)."""
    site = Site.objects.filter(unit=unit).first()
    if site is not None:
        return site
    municipality = unit.municipality
    office = unit.is_office
    address = unit_address(unit) or municipality.address_line
    with transaction.atomic():
        site = Site.objects.create(
            municipality=municipality, unit=unit, path="" if office else unit.slug,
            title=f"Biuletyn Informacji Publicznej – {unit.name}",
            editorial_address=address or municipality.name,
            editor_name=f"Redakcja BIP – {unit.short_name or unit.name}",
            editor_phone=municipality.phone if office else "",
            editor_email=unit.email or municipality.email or "bip@ratusz.localhost",
            instructions=INSTRUCTIONS)
        Section.objects.bulk_create([
            Section(municipality=municipality, site=site, slug=slug, title=title,
                    is_register=register, position=index)
            for index, (slug, title, register) in enumerate(OFFICE_MENU if office
                                                            else UNIT_MENU)])
        if acting_user is not None:
            record_audit(municipality=municipality, acting_user=acting_user,
                         action=AuditAction.CREATED, target=site)
    return site


# --- entries ----------------------------------------------------------------------------

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


def _validate(data: EntryData, municipality_slug: str) -> EntryData:
    errors = []
    if not data.title.strip():
        errors.append(("title", _("Give the title.")))
    if len(data.title) > 300:
        errors.append(("title", _("The title may have at most 300 characters.")))
    for name, label in (("produced_by", _("who produced the information")),
                        ("responsible", _("who is responsible for the content"))):
        if not getattr(data, name).strip():
            errors.append((name, _("Fill in: %(label)s.") % {"label": label}))
    if data.produced_on is None:
        errors.append(("produced_on", _("Give the date the information was produced.")))
    elif data.produced_on > timezone.localdate():
        errors.append(("produced_on", _("The date produced cannot be in the future.")))
    if data.kind not in EntryKind.values:
        errors.append(("kind", _("Unknown kind of entry.")))
    # Alternative texts are checked on every image written, before the images that are
    # not the gmina's own uploads are dropped: a missing text is refused, not hidden.
    if missing_alt(sanitise(data.body)):
        errors.append(("body", _("Every image needs an alternative text (what it shows) "
                                 "for people who cannot see it.")))
    body = sanitise(data.body, own_images_of=municipality_slug)
    if data.publish_from and data.expires_at and data.expires_at <= data.publish_from:
        errors.append(("expires_at", _("The expiry must be after the publication.")))
    raise_invalid("invalid_entry", errors)
    data.body = body
    data.title = data.title.strip()
    return data


#: Tags that end a word: their text is kept apart ("<td>Dział</td><td>Kwota</td>").
BLOCK_TAG = re.compile(r"<(?=/?(?:p|div|li|td|th|tr|br|hr|h[1-6]|table|thead|tbody|ul|ol|"
                       r"dl|dt|dd|blockquote|pre|figure|figcaption|caption)\b)", re.I)


def _search_text(entry: Entry) -> str:
    text = strip_tags(BLOCK_TAG.sub(" <", entry.body))
    return " ".join([entry.title, entry.number, re.sub(r"\s+", " ", text).strip()])[:200_000]


def _snapshot(entry: Entry) -> dict:
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


def create_entry(section: Section, data: EntryData, *, acting_user) -> Entry:
    """A draft entry of the section's BIP."""
    data = _validate(data, section.municipality.slug)
    entry = Entry(
        municipality_id=section.municipality_id, site=section.site, section=section,
        kind=data.kind, title=data.title, body=data.body, number=data.number.strip(),
        act_date=data.act_date, produced_by=data.produced_by.strip(),
        responsible=data.responsible.strip(), produced_on=data.produced_on,
        entered_by=acting_user, publish_from=data.publish_from, expires_at=data.expires_at)
    entry.search_text = _search_text(entry)
    with transaction.atomic():
        entry.save(force_insert=True)
        record_audit(municipality=section.municipality, acting_user=acting_user,
                     action=AuditAction.CREATED, target=entry)
    return entry


def update_entry(entry: Entry, data: EntryData, *, acting_user, reason: str = "") -> Entry:
    """Change an entry. A published entry's change is a new version in the register
    (the previous one stays readable); a draft just changes."""
    data = _validate(data, entry.municipality.slug)
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.state == EntryState.WITHDRAWN:
            raise BulletinError("withdrawn", _("A withdrawn entry cannot be changed."))
        for name in ("title", "body", "kind", "number", "act_date", "produced_by",
                     "responsible", "produced_on", "publish_from", "expires_at"):
            setattr(entry, name, getattr(data, name))
        entry.search_text = _search_text(entry)
        entry.save()
        if entry.state == EntryState.PUBLISHED:
            _new_version(entry, ChangeKind.EDITED, acting_user, reason)
        record_audit(municipality=entry.municipality, acting_user=acting_user,
                     action=AuditAction.UPDATED, target=entry)
    return entry


def _new_version(entry: Entry, kind: str, acting_user, reason: str = "") -> EntryVersion:
    now = timezone.now()
    entry.version += 1
    entry.modified_at = now
    entry.save(update_fields=["version", "modified_at"])
    return EntryVersion.objects.create(
        municipality_id=entry.municipality_id, entry=entry, number=entry.version, kind=kind,
        title=entry.title, body=entry.body, metadata=_snapshot(entry),
        changed_by=acting_user, changed_by_label=actor_label(acting_user), changed_at=now,
        reason=reason)


def submit_entry(entry: Entry, *, acting_user) -> Entry:
    """Publish now (or at `publish_from`), or wait for approval where the unit wants it."""
    with transaction.atomic():
        entry = Entry.objects.select_for_update().select_related("site").get(pk=entry.pk)
        if entry.state != EntryState.DRAFT:
            raise BulletinError("not_draft", _("Only a draft can be sent for publication."))
        if entry.site.requires_approval:
            entry.state = EntryState.AWAITING
            entry.save(update_fields=["state"])
            return entry
        return _publish(entry, acting_user)


def approve_entry(entry: Entry, *, acting_user) -> Entry:
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.state != EntryState.AWAITING:
            raise BulletinError("not_awaiting", _("This entry is not awaiting approval."))
        if entry.entered_by_id == getattr(acting_user, "pk", None):
            raise BulletinError("same_person", _("Another editor has to approve it."))
        return _publish(entry, acting_user)


def _publish(entry: Entry, acting_user) -> Entry:
    entry.state = EntryState.PUBLISHED
    entry.published_at = timezone.now()
    entry.save(update_fields=["state", "published_at"])
    _new_version(entry, ChangeKind.CREATED, acting_user)
    record_audit(municipality=entry.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=entry, after={"state": entry.state})
    return entry


def withdraw_entry(entry: Entry, *, acting_user, reason: str) -> Entry:
    """Take an entry off the menus; it stays in the change register with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise BulletinError("reason_required", _("Say why the entry is withdrawn."),
                            "reason")
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.state != EntryState.PUBLISHED:
            raise BulletinError("not_published", _("Only a published entry is withdrawn."))
        entry.state = EntryState.WITHDRAWN
        entry.withdrawn_at = timezone.now()
        entry.withdrawal_reason = reason
        entry.save(update_fields=["state", "withdrawn_at", "withdrawal_reason"])
        _new_version(entry, ChangeKind.WITHDRAWN, acting_user, reason)
        record_audit(municipality=entry.municipality, acting_user=acting_user,
                     action=AuditAction.UPDATED, target=entry,
                     after={"state": entry.state, "reason": reason})
    return entry


# --- attachments ------------------------------------------------------------------------

def add_attachment(entry: Entry, *, name: str, data: bytes, acting_user) -> Attachment:
    """Store a file after checking what its bytes are (not what its name says)."""
    import filetype

    if not data:
        raise BulletinError("empty_file", _("The file is empty."), "files")
    if len(data) > MAX_ATTACHMENT:
        raise BulletinError("file_too_big", _("A file may have at most 50 MB."), "files")
    kind = filetype.guess(data[:8192])
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    detected = kind.extension if kind else ""
    if detected == "zip" and extension in ("odt", "ods", "docx", "xlsx"):
        detected = extension  # office formats are ZIP containers; their names decide
    if detected not in ATTACHMENT_TYPES:
        raise BulletinError("file_type", _(
            "%(name)s is not an allowed file (PDF, ODT, ODS, DOCX, XLSX, DOC, XLS, RTF, JPG, "
            "PNG, ZIP); its content is checked, not its name.") % {"name": name}, "files")
    if extension and extension not in ATTACHMENT_TYPES and extension != "jpeg":
        raise BulletinError("file_name", _("%(name)s: the name does not match the content.")
                            % {"name": name}, "files")
    safe_name = re.sub(r"[^\w.\- ]", "_", name)[:200] or f"plik.{detected}"
    with transaction.atomic():
        attachment = Attachment(
            municipality_id=entry.municipality_id, entry=entry, name=safe_name,
            content_type=ATTACHMENT_TYPES[detected], size=len(data),
            sha256=hashlib.sha256(data).hexdigest())
        attachment.file.save(safe_name, ContentFile(data), save=False)
        attachment.save()
        record_audit(municipality=entry.municipality, acting_user=acting_user,
                     action=AuditAction.CREATED, target=attachment)
    return attachment


def is_inline_image(attachment: Attachment) -> bool:
    """An image of the entry's text (uploaded through the editor), not a document."""
    return attachment.content_type.endswith(INLINE_IMAGE_PARAMETER)


def served_content_type(attachment: Attachment) -> str:
    """The Content-Type to send: the stored type without the inline-image marker."""
    return attachment.content_type.split(";", 1)[0].strip()


def remove_attachment(attachment: Attachment, *, acting_user, reason: str = "") -> Attachment:
    """Take a document off the entry's list of attachments. On a published entry this is a
    change of the published information: it needs a reason and makes a new version in the
    change register, which no longer lists the file. The file itself stays stored and
    keeps answering at its address, for the archived versions that list it."""
    reason = (reason or "").strip()
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=attachment.entry_id)
        attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
        if entry.state == EntryState.WITHDRAWN:
            raise BulletinError("withdrawn", _("A withdrawn entry cannot be changed."))
        if is_inline_image(attachment):
            raise BulletinError("inline_image", _(
                "An image of the text is removed by deleting it from the text."))
        if attachment.removed_at is not None:
            raise BulletinError("already_removed", _(
                "%(name)s has already been removed.") % {"name": attachment.name})
        published = entry.state == EntryState.PUBLISHED
        if published and not reason:
            raise BulletinError("reason_required", _(
                "Give the reason for removing the attachment: the change register shows it "
                "next to the new version of the entry."), "reason")
        attachment.removed_at = timezone.now()
        attachment.save(update_fields=["removed_at"])
        if published:
            _new_version(entry, ChangeKind.EDITED, acting_user, reason)
        record_audit(municipality=entry.municipality, acting_user=acting_user,
                     action=AuditAction.UPDATED, target=attachment,
                     before={"removed_at": None},
                     after={"removed_at": attachment.removed_at.isoformat(),
                            "reason": reason, "entry_version": entry.version
                            if published else None})
    return attachment


@dataclass
class StoredImage:
    attachment: Attachment
    width: int
    height: int


def add_image(entry: Entry, *, name: str, data: bytes, acting_user) -> StoredImage:
    """Store an image for the entry's text: PNG, JPEG or WebP by its bytes, at most 10 MB
    and 40 megapixels, re-encoded in its own format without metadata (EXIF, GPS; only the
    colour profile is kept), turned upright and scaled down to at most 2000 px on its long
    side. It becomes an attachment of the entry marked as an image of the text (not listed
    among the downloadable files). A refused or failed upload stores no file and no row."""
    encoded, fmt, width, height = _reencode_image(name, data)
    content_type, extension = INLINE_IMAGE_FORMATS[fmt]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[^\w.\- ]", "_", stem).strip(" .")[:150] or "obraz"
    safe_name = f"{stem}.{extension}"
    stored: list[str] = []
    try:
        with transaction.atomic():
            entry = Entry.objects.select_for_update().get(pk=entry.pk)
            if entry.state == EntryState.WITHDRAWN:
                raise BulletinError("withdrawn", _("A withdrawn entry cannot be changed."),
                                    "image")
            attachment = Attachment(
                municipality_id=entry.municipality_id, entry=entry, name=safe_name,
                content_type=f"{content_type}; {INLINE_IMAGE_PARAMETER}", size=len(encoded),
                sha256=hashlib.sha256(encoded).hexdigest())
            attachment.file.save(safe_name, ContentFile(encoded), save=False)
            stored.append(attachment.file.name)
            attachment.save()
            record_audit(municipality=entry.municipality, acting_user=acting_user,
                         action=AuditAction.CREATED, target=attachment,
                         after={"image": attachment.name, "width": width, "height": height})
    except BaseException:
        _discard(stored)
        raise
    return StoredImage(attachment=attachment, width=width, height=height)


def _reencode_image(name: str, data: bytes) -> tuple[bytes, str, int, int]:
    """(bytes, Pillow format, width, height) of the cleaned image, or BulletinError."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise BulletinError("empty_file", _("The file is empty."), "image")
    if len(data) > MAX_IMAGE_BYTES:
        raise BulletinError("image_too_big", _("An image may have at most 10 MB."), "image")
    too_large = BulletinError("image_too_large", _(
        "%(name)s is too large: an image may have at most 40 megapixels.") % {"name": name},
        "image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=list(INLINE_IMAGE_FORMATS))
        with opened as image:
            fmt = image.format
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise too_large
            image.load()
            icc_profile = image.info.get("icc_profile")
            upright = ImageOps.exif_transpose(image)
    except BulletinError:
        raise
    except Image.DecompressionBombError:
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise BulletinError("image_type", _(
            "%(name)s is not a PNG, JPEG or WebP image; its content is checked, not its "
            "name.") % {"name": name}, "image") from None
    has_alpha = "A" in upright.getbands() or "transparency" in upright.info
    modes = {"JPEG": ("RGB", "L"), "PNG": ("L", "LA", "RGB", "RGBA"),
             "WEBP": ("RGB", "RGBA")}[fmt]
    if upright.mode.startswith("I"):  # 16-bit greyscale PNG: scale, do not clip
        upright = upright.convert("I").point(lambda value: value / 256).convert("L")
    elif upright.mode == "1":
        upright = upright.convert("L")
    if upright.mode not in modes:
        upright = upright.convert("RGBA" if has_alpha and "RGBA" in modes else "RGB")
    upright.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.Resampling.LANCZOS)
    # A new image from the bare pixels: nothing of the original's metadata can follow it.
    clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        options.update(quality=85, optimize=True, progressive=True)
    elif fmt == "PNG":
        options.update(optimize=True)
    else:
        options.update(quality=85, method=4)
    output = io.BytesIO()
    clean.save(output, fmt, **options)
    return output.getvalue(), fmt, clean.width, clean.height


# --- the reply to a public-information request -------------------------------------------

def ensure_section(site: Site, slug: str, title: str, is_register: bool = False) -> Section:
    """The site's section `slug`, added at the end of the menu when missing."""
    section = Section.objects.filter(site=site, slug=slug).first()
    if section is not None:
        return section
    position = (Section.objects.filter(site=site).order_by("-position")
                .values_list("position", flat=True).first() or 0) + 1
    section, _created = Section.objects.get_or_create(
        site=site, slug=slug, defaults={"municipality_id": site.municipality_id,
                                        "title": title, "is_register": is_register,
                                        "position": position})
    return section


def information_reply_letter(submission):
    """The sealed letter sent in the case of a public-information request (the latest
    one), or None: only such a letter can be published."""
    from ratusz.cases.models import LetterStatus, OutgoingLetter

    if submission.service.slug != INFORMATION_REQUEST_SERVICE:
        return None
    return (OutgoingLetter.objects.filter(case_id=submission.case_id,
                                          status=LetterStatus.SENT, document__isnull=False)
            .select_related("document").order_by("-sealed_at", "-pk").first())


def information_reply_entry(submission) -> Entry | None:
    return Entry.objects.filter(municipality_id=submission.municipality_id,
                                source_key=_source_key(submission)).first()


def _source_key(submission) -> str:
    return f"eservices.submission:{submission.pk}"


def _personal_data(submission, letter) -> tuple[list[str], list[str]]:
    """The applicant's address and e-mail as given, and the words of their name."""
    data = submission.data or {}
    values = [letter.addressee_address, letter.addressee_city, submission.email,
              str(data.get("email") or ""), str(data.get("postal_address") or "")]
    names = [letter.addressee_name, submission.applicant_name,
             str(data.get("applicant_name") or "")]
    words = {word for name in names for word in re.findall(r"\w{3,}", name or "")}
    return (sorted({v.strip() for v in values if v and len(v.strip()) > 2}, key=len,
                   reverse=True), sorted(words, key=len, reverse=True))


def redact(text: str, personal: tuple[list[str], list[str]]) -> str:
    """`text` without the given values and without any inflected form of the words of the
    name (Polish declines names: "Jan Kowalski" is addressed as "Janie Kowalski")."""
    values, words = personal
    for value in values:
        text = re.sub(re.escape(value), REDACTED, text, flags=re.IGNORECASE)
    for word in words:
        stem = word[:-1] if len(word) > 4 else word
        text = re.sub(rf"\b{re.escape(stem)}\w{{0,4}}\b", REDACTED, text,
                      flags=re.IGNORECASE)
    marker = re.escape(REDACTED)
    return re.sub(rf"{marker}(?:[\s,]+{marker})+", REDACTED, text)


def _letter_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return "".join("<p>" + "<br>".join(escape(line) for line in p.splitlines()) + "</p>"
                   for p in paragraphs)


def publish_information_reply(submission, *, acting_user, attach_letter: bool = True
                              ) -> Entry:
    """Publish, in one step, the reply to a public-information request in the BIP of the
    case's unit, section "Informacja publiczna udostępniona na wniosek": the letter's text
    without the applicant's personal data, the metryczka from the case (the department, the
    letter's signer, the letter's date) and, when `attach_letter`, the sealed PDF. A second
    call returns the same entry."""
    from ratusz.cases.letters import format_polish_date
    from ratusz.cases.models import ApprovalDecision

    existing = information_reply_entry(submission)
    if existing is not None:
        return existing
    if submission.service.slug != INFORMATION_REQUEST_SERVICE:
        raise BulletinError("not_information_request", _(
            "Only a reply to a request for public information is published this way."))
    letter = information_reply_letter(submission)
    if letter is None:
        raise BulletinError("no_letter", _(
            "The case has no sealed letter sent to the applicant yet."))
    case = submission.case
    version = letter.document.current_version
    last_approval = (letter.steps.filter(decision=ApprovalDecision.APPROVED)
                     .order_by("-round", "-order").select_related("approver").first())
    signer = last_approval.approver if last_approval else acting_user
    responsible = ", ".join(p for p in (signer.get_full_name() or signer.username,
                                        getattr(signer, "position", "")) if p)
    produced_on = letter.letter_date or (timezone.localdate(letter.sealed_at)
                                         if letter.sealed_at else timezone.localdate())
    requested_on = timezone.localdate(submission.submitted_at)
    personal = _personal_data(submission, letter)
    subject = redact(letter.subject, personal)
    body = (f"<p>Znak sprawy: {escape(case.mark)}. Odpowiedź z "
            f"{escape(format_polish_date(produced_on))} na wniosek z "
            f"{escape(format_polish_date(requested_on))}.</p>"
            f"<h2>{escape(subject[:1].upper() + subject[1:])}</h2>"
            f"{_letter_html(redact(letter.body, personal))}")
    data = EntryData(
        title=("Odpowiedź na wniosek o udostępnienie informacji publicznej z "
               f"{format_polish_date(requested_on)}"),
        body=body, produced_by=case.department.name, responsible=responsible[:200],
        produced_on=min(produced_on, timezone.localdate()), kind=EntryKind.DOCUMENT,
        number=case.mark, act_date=produced_on)
    pdf = b""
    if attach_letter:
        with version.file.open("rb") as handle:
            pdf = handle.read()
    site = ensure_site(case.unit, acting_user=acting_user)
    slug, title, register = INFORMATION_SECTION
    stored: list[str] = []
    try:
        with transaction.atomic():
            section = ensure_section(site, slug, title, register)
            entry = create_entry(section, data, acting_user=acting_user)
            Entry.objects.filter(pk=entry.pk).update(source_key=_source_key(submission))
            if pdf:
                attachment = add_attachment(
                    entry, name=f"odpowiedz-{case.mark.replace('/', '-')}.pdf", data=pdf,
                    acting_user=acting_user)
                stored.append(attachment.file.name)
            entry = submit_entry(entry, acting_user=acting_user)
    except IntegrityError:
        # Published by someone else in the meantime: theirs is the entry.
        _discard(stored)
        existing = information_reply_entry(submission)
        if existing is None:
            raise
        return existing
    except BaseException:
        _discard(stored)
        raise
    return entry


def _discard(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)


# --- statistics -------------------------------------------------------------------------

def _month() -> date:
    return timezone.localdate().replace(day=1)


#: Views waiting to be written: (gmina id, entry id) -> count. An entry page (cached or
#: not) adds to it; a flusher thread writes it every RATUSZ_BIP_VIEW_FLUSH_SECONDS, so a
#: page view costs no database write. A process that dies loses at most that many
#: seconds of its views; one that exits normally writes them.
_pending_views: dict[tuple[int, int], int] = {}
_pending_lock = threading.Lock()
_flusher: list[threading.Thread] = []


def record_view(entry: Entry) -> None:
    """Count one view of the entry (written within RATUSZ_BIP_VIEW_FLUSH_SECONDS; at once
    when that is 0)."""
    count_view(entry.municipality_id, entry.pk)


def count_view(municipality_id: int, entry_id: int) -> None:
    """record_view by ids (the cached entry page has no Entry at hand)."""
    interval = settings.RATUSZ_BIP_VIEW_FLUSH_SECONDS
    key = (municipality_id, entry_id)
    with _pending_lock:
        _pending_views[key] = _pending_views.get(key, 0) + 1
        start = interval > 0 and (not _flusher or (
            _flusher[0].ident is not None and not _flusher[0].is_alive()))  # died, forked
        if start:
            thread = threading.Thread(target=_flush_loop, args=(interval,),
                                      name="bip-view-flusher", daemon=True)
            _flusher[:] = [thread]
    if interval <= 0:
        flush_views()
    elif start:
        thread.start()


def _flush_loop(interval: float) -> None:
    """Write the buffer every RATUSZ_BIP_VIEW_FLUSH_SECONDS (re-read each turn); end when
    a turn found nothing to write (the next view starts a new thread)."""
    from django.db import connection

    last = time.monotonic()
    try:
        while True:
            time.sleep(min(interval, 0.5))
            interval = settings.RATUSZ_BIP_VIEW_FLUSH_SECONDS
            if time.monotonic() - last < interval:
                continue
            last = time.monotonic()
            with _pending_lock:
                if not _pending_views:
                    _flusher.clear()  # decided under the lock: a new view starts anew
                    return
            flush_views()
    except BaseException:
        with _pending_lock:
            _flusher.clear()
        raise
    finally:
        connection.close()


def discard_pending_views() -> None:
    """Forget the views not yet written (tests)."""
    with _pending_lock:
        _pending_views.clear()


def flush_views() -> int:
    """Write the buffered views (entries' totals and the month's statistics); returns how
    many views were written. A failed write puts its views back."""
    from ratusz.core.tenancy import restore_database_tenant, set_database_tenant

    with _pending_lock:
        taken = dict(_pending_views)
        _pending_views.clear()
    if not taken:
        return 0
    by_gmina: dict[int, list[tuple[int, int]]] = {}
    for (municipality_id, entry_id), count in taken.items():
        by_gmina.setdefault(municipality_id, []).append((entry_id, count))
    written = 0
    for municipality_id, counts in by_gmina.items():
        previous = set_database_tenant(str(municipality_id))
        try:
            written += write_views(municipality_id, counts)
        except Exception:
            logger.exception("BIP view counts not written; kept for the next try")
            with _pending_lock:
                for entry_id, count in counts:
                    key = (municipality_id, entry_id)
                    _pending_views[key] = _pending_views.get(key, 0) + count
        finally:
            restore_database_tenant(previous)
    return written


def write_views(municipality_id: int, counts: list[tuple[int, int]]) -> int:
    """Add (entry id, views) to the entries' totals and this month's statistics; returns
    the views written (an entry deleted meanwhile loses its own)."""
    month = _month()
    written = 0
    with transaction.atomic():
        for entry_id, count in sorted(counts):
            if not Entry.objects.filter(municipality_id=municipality_id, pk=entry_id).update(
                    views=F("views") + count):
                continue  # gone meanwhile
            written += count
            _add_to_month(municipality_id, entry_id, month, "views", count)
    return written


def _add_to_month(municipality_id: int, entry_id: int, month: date, counter: str,
                  count: int) -> None:
    """Add `count` to the month's `counter` ("views" or "downloads") of the entry."""
    stat, created = MonthlyStat.objects.get_or_create(
        municipality_id=municipality_id, entry_id=entry_id, month=month,
        defaults={counter: count})
    if not created:
        MonthlyStat.objects.filter(pk=stat.pk).update(**{counter: F(counter) + count})


@atexit.register
def _flush_at_exit() -> None:
    with contextlib.suppress(Exception):
        flush_views()


def record_download(attachment: Attachment) -> None:
    """Count one download of the attachment (its total and its entry's month)."""
    Attachment.objects.filter(pk=attachment.pk).update(downloads=F("downloads") + 1)
    _add_to_month(attachment.municipality_id, attachment.entry_id, _month(), "downloads", 1)
