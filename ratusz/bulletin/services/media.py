"""Files of the BIP's entries: attachments checked by their bytes (not their names),
their removal (a new version of a published entry), and the images of the text, re-encoded
without metadata. A write that fails leaves no file behind (``StoredFiles``)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

import filetype
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from ratusz.bulletin.models import (
    INLINE_IMAGE_PARAMETER,
    Attachment,
    ChangeKind,
    Entry,
    EntryState,
    is_inline_image,
)
from ratusz.bulletin.services.checks import MAX_REASON, check_texts
from ratusz.bulletin.services.errors import BulletinError, raise_invalid
from ratusz.bulletin.services.versions import record_version
from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit

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
#: Pillow's format name -> (content type, file extension) of the images of the text.
INLINE_IMAGE_FORMATS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"),
                        "WEBP": ("image/webp", "webp")}
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
#: Longer images are scaled down to this many pixels on their long side.
MAX_IMAGE_SIDE = 2000


class StoredFiles:
    """The files a write stores before its transaction commits, deleted again when the
    write fails: a rolled-back write leaves no file behind. Opened around the transaction
    (``with StoredFiles() as files, transaction.atomic(durable=True):``), so a failed
    commit counts as a failure too."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __enter__(self) -> StoredFiles:
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is not None:
            for name in self.names:
                with contextlib.suppress(OSError):
                    default_storage.delete(name)


#: Characters a stored file name never keeps: control characters (tab, line breaks and DEL
#: included), the invisible formatting characters (zero-width ones, the direction marks
#: and the bidirectional controls that make "faktura\u202efdp.exe" read "fakturaexe.pdf",
#: the byte-order mark), the non-characters and lone surrogates.
_NAME_INVISIBLE = re.compile("[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
                             "\ufeff\ufffe\uffff\ud800-\udfff]")
#: Anything else but letters, digits, ".", "-", "_" and spaces becomes "_".
_NAME_OTHER = re.compile(r"[^\w.\- ]")


def safe_file_name(name: str, limit: int = 200) -> str:
    """`name` as it is stored and shown: composed (NFC; a Mac sends "z" and a combining
    dot for "ż"), without control characters and bidirectional controls, any other
    character but letters, digits, ".", "-", "_" and spaces made "_", at most `limit`
    characters ("" when nothing is left)."""
    name = _NAME_INVISIBLE.sub("", unicodedata.normalize("NFC", name or ""))
    return _NAME_OTHER.sub("_", name).strip()[:limit]


def shown_file_name(name: str) -> str:
    """A stored name as a page shows it: each invisible character (one stored before the
    names were cleaned, or written some other way) made a visible "\ufffd"."""
    return _NAME_INVISIBLE.sub("\ufffd", name or "")


@dataclass(frozen=True)
class CheckedFile:
    """A file found acceptable: the name it is stored under, its type, its bytes."""

    name: str
    content_type: str
    data: bytes


def check_attachment(name: str, data: bytes) -> CheckedFile:
    """The file as it is stored, once its bytes (not its name) show an allowed type; a
    BulletinError (field "files") otherwise."""
    name = safe_file_name(name)
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
    return CheckedFile(name=name or f"plik.{detected}",
                       content_type=ATTACHMENT_TYPES[detected], data=data)


def store_attachment(entry: Entry, checked: CheckedFile, *, acting_user, files: StoredFiles,
                     audit_after: dict | None = None) -> Attachment:
    """Store a checked file as an attachment of the entry, audited (inside the caller's
    transaction; the file is listed in `files`)."""
    attachment = Attachment(
        municipality_id=entry.municipality_id, entry=entry, name=checked.name,
        content_type=checked.content_type, size=len(checked.data),
        sha256=hashlib.sha256(checked.data).hexdigest())
    attachment.file.save(checked.name, ContentFile(checked.data), save=False)
    files.names.append(attachment.file.name)
    attachment.save()
    record_audit(municipality=entry.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=attachment, after=audit_after)
    return attachment


def add_attachment(entry: Entry, *, name: str, data: bytes, acting_user) -> Attachment:
    """Store a file after checking what its bytes are (not what its name says)."""
    checked = check_attachment(name, data)
    with StoredFiles() as files, transaction.atomic(durable=True):
        return store_attachment(entry, checked, acting_user=acting_user, files=files)


@transaction.atomic(durable=True)
def remove_attachment(attachment: Attachment, *, acting_user, reason: str = "") -> Attachment:
    """Take a document off the entry's list of attachments. On a published entry this is a
    change of the published information: it needs a reason and makes a new version in the
    change register, which no longer lists the file. The file itself stays stored and
    keeps answering at its address, for the archived versions that list it."""
    reason = (reason or "").strip()
    errors: list = []
    check_texts(errors, {"reason": (reason, MAX_REASON)})
    raise_invalid("invalid_reason", errors)
    entry = Entry.objects.select_for_update().get(pk=attachment.entry_id)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if entry.state == EntryState.WITHDRAWN:
        raise BulletinError("withdrawn", _("A withdrawn entry cannot be changed."))
    if is_inline_image(attachment):
        raise BulletinError("inline_image", _(
            "An image of the text is removed by deleting it from the text."))
    if attachment.removed_at is not None:
        raise BulletinError("already_removed", _(
            "%(name)s has already been removed.") % {"name": safe_file_name(attachment.name)})
    published = entry.state == EntryState.PUBLISHED
    if published and not reason:
        raise BulletinError("reason_required", _(
            "Give the reason for removing the attachment: the change register shows it "
            "next to the new version of the entry."), "reason")
    attachment.removed_at = timezone.now()
    attachment.save(update_fields=["removed_at"])
    if published:
        record_version(entry, ChangeKind.EDITED, acting_user, reason)
    record_audit(municipality=entry.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=attachment,
                 before={"removed_at": None},
                 after={"removed_at": attachment.removed_at.isoformat(),
                        "reason": reason, "entry_version": entry.version
                        if published else None})
    return attachment


# --- images of the text -----------------------------------------------------------------

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
    name = safe_file_name(name)
    encoded, fmt, width, height = _reencode_image(name, data)
    content_type, extension = INLINE_IMAGE_FORMATS[fmt]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[:150] or "obraz"
    checked = CheckedFile(name=f"{stem}.{extension}",
                          content_type=f"{content_type}; {INLINE_IMAGE_PARAMETER}",
                          data=encoded)
    with StoredFiles() as files, transaction.atomic(durable=True):
        entry = Entry.objects.select_for_update().get(pk=entry.pk)
        if entry.state == EntryState.WITHDRAWN:
            raise BulletinError("withdrawn", _("A withdrawn entry cannot be changed."),
                                "image")
        attachment = store_attachment(
            entry, checked, acting_user=acting_user, files=files,
            audit_after={"image": checked.name, "width": width, "height": height})
    return StoredImage(attachment=attachment, width=width, height=height)


def _reencode_image(name: str, data: bytes) -> tuple[bytes, str, int, int]:
    """(bytes, Pillow format, width, height) of the cleaned image, or BulletinError."""
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
