"""Checking files before they enter the EZD: type by content, size, hash, text, signature.

`inspect_upload` trusts the bytes, never the name: the type is detected from the content,
and a name that claims another type is refused, as are executables, HTML, SVG, scripts,
plain ZIP archives, office files with macros and PDFs that carry JavaScript, launch
actions or embedded files. It writes nothing; the caller stores the file.

Settings (read at call time, with defaults):
`RATUSZ_MAX_UPLOAD_BYTES` (25 MiB) and `RATUSZ_PREVIEW_TIMEOUT_SECONDS` (15).
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ratusz.cases import signing
from ratusz.cases.errors import lazy_message
from ratusz.cases.models import DcmiType, SignatureStatus
from ratusz.core.text import describe, first_unsafe_character

DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
DEFAULT_PREVIEW_TIMEOUT_SECONDS = 15
MAX_TEXT_CHARS = 1_000_000
MAX_PDF_PAGES_FOR_TEXT = 500
#: A member of an office file larger than this, unpacked, is not read (zip bombs).
MAX_MEMBER_BYTES = 64 * 1024 * 1024
PREVIEW_MAX_PIXELS = 400
PREVIEW_MAX_SOURCE_PIXELS = 60_000_000

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
TIFF = "image/tiff"
TEXT = "text/plain"
XML = "application/xml"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Content types accepted, each with the file-name extensions that may carry it.
ALLOWED_TYPES: dict[str, frozenset[str]] = {
    PDF: frozenset({"pdf"}),
    PNG: frozenset({"png"}),
    JPEG: frozenset({"jpg", "jpeg", "jpe"}),
    TIFF: frozenset({"tif", "tiff"}),
    TEXT: frozenset({"txt", "text", "csv"}),
    XML: frozenset({"xml", "xades"}),
    ODT: frozenset({"odt"}),
    ODS: frozenset({"ods"}),
    DOCX: frozenset({"docx"}),
    XLSX: frozenset({"xlsx"}),
}
_TYPE_OF_EXTENSION = {extension: content_type for content_type, extensions
                      in ALLOWED_TYPES.items() for extension in extensions}
#: Names that announce active content: refused whatever the bytes are.
FORBIDDEN_EXTENSIONS = frozenset({
    "exe", "com", "scr", "msi", "dll", "bat", "cmd", "ps1", "vbs", "vbe", "js", "jse", "mjs",
    "wsf", "wsh", "hta", "lnk", "jar", "sh", "py", "pl", "php", "html", "htm", "xhtml", "shtml",
    "svg", "svgz", "swf", "zip", "rar", "7z", "docm", "xlsm", "pptm", "iso", "apk", "app",
})

_PDF_DANGEROUS_NAMES = frozenset({"JavaScript", "JS", "Launch", "EmbeddedFile",
                                  "EmbeddedFiles"})
_PDF_NAME = re.compile(rb"/((?:[A-Za-z0-9]|#[0-9A-Fa-f]{2})+)")


class UploadRejected(Exception):
    """The file is refused; `code` is stable for programs, `message` is for people."""

    def __init__(self, code: str, message) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class Inspection:
    """What the office knows about an uploaded file before storing it."""

    name: str
    content_type: str
    size: int
    sha256: str
    text: str = ""
    signature_status: str = SignatureStatus.NONE
    signature_report: dict = field(default_factory=dict)
    preview_png: bytes | None = field(default=None, repr=False)

    @property
    def extension(self) -> str:
        return _extension(self.name)

    @property
    def dcmi_type(self) -> str:
        if self.content_type.startswith("image/"):
            return DcmiType.STILL_IMAGE
        if self.content_type in (ODS, XLSX):
            return DcmiType.DATASET
        return DcmiType.TEXT


def max_upload_bytes() -> int:
    return int(getattr(settings, "RATUSZ_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def preview_timeout_seconds() -> float:
    return float(getattr(settings, "RATUSZ_PREVIEW_TIMEOUT_SECONDS",
                         DEFAULT_PREVIEW_TIMEOUT_SECONDS))


def inspect_upload(name: str, data: bytes, *, with_preview: bool = True) -> Inspection:
    """Check an uploaded file and describe it: detected type, size, SHA-256, extracted text
    (at most about a million characters), the state of its electronic signature and a small
    PNG preview where one can be made (`with_preview=False` leaves it to the first view of
    the document, off the path of a busy request). Raises `UploadRejected` with one of the codes
    too_large, empty, type_not_allowed, name_mismatch, dangerous."""
    _check_name(name)
    size = len(data)
    if size == 0:
        raise UploadRejected("empty", _("The file is empty."))
    limit = max_upload_bytes()
    if size > limit:
        raise UploadRejected("too_large", lazy_message(_("The file is larger than %(limit)s MB."),
                                                       limit=_megabytes(limit)))
    extension = _extension(name)
    if extension in FORBIDDEN_EXTENSIONS:
        raise UploadRejected("type_not_allowed", _type_not_allowed_message())
    content_type = detect_content_type(data)
    claimed = _TYPE_OF_EXTENSION.get(extension)
    if content_type not in ALLOWED_TYPES:
        if claimed is not None:
            raise UploadRejected("name_mismatch", _name_mismatch_message(extension))
        raise UploadRejected("type_not_allowed", _type_not_allowed_message())
    if claimed is not None and claimed != content_type:
        raise UploadRejected("name_mismatch", _name_mismatch_message(extension))
    if content_type == PDF:
        _refuse_active_pdf(data)
    if content_type in (DOCX, XLSX):
        _refuse_macros(data)

    inspection = Inspection(name=name, content_type=content_type, size=size,
                            sha256=hashlib.sha256(data).hexdigest())
    inspection.text = extract_text(content_type, data)
    _check_signature(inspection, data)
    inspection.preview_png = make_preview(content_type, data) if with_preview else None
    return inspection


#: The longest file name kept (`DocumentVersion.original_name`).
MAX_NAME_LENGTH = 255


def _check_name(name: str) -> None:
    """A file name is shown in registers, receipts, archive packages and pages: no control
    character or bidirectional override ("invoice\u202efdp.exe" reads "invoiceexe.pdf"),
    and not longer than it can be kept."""
    character = first_unsafe_character(name or "")
    if character is not None:
        raise UploadRejected("unsafe_name", lazy_message(
            _("The file name contains an invisible control character (%(code)s). Rename the "
              "file and try again."), code=describe(character)))
    if len(name or "") > MAX_NAME_LENGTH:
        raise UploadRejected("name_too_long", lazy_message(
            _("The file name is longer than %(limit)s characters. Rename the file and try "
              "again."), limit=MAX_NAME_LENGTH))


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f}"


def _type_not_allowed_message():
    return _("This kind of file is not accepted. Send PDF, PNG, JPEG, TIFF, plain text, XML, "
             "ODT, ODS, DOCX or XLSX.")


def _name_mismatch_message(extension: str):
    return lazy_message(_("The file is named .%(extension)s but its content is of another "
                          "kind."), extension=extension)


def _extension(name: str) -> str:
    return PurePath(name or "").suffix.lower().lstrip(".")


# --- Detection --------------------------------------------------------------------------

def detect_content_type(data: bytes) -> str:
    """The content type told by the bytes alone. Types outside `ALLOWED_TYPES` come back
    as what they are (e.g. application/zip, text/html) or application/octet-stream."""
    import filetype

    if data[:2] == b"MZ":
        return "application/x-msdownload"
    if data[:4] == b"\x7fELF":
        return "application/x-executable"
    if b"%PDF-" in data[:1024]:
        return PDF
    kind = filetype.guess(data[:8192])
    if kind is not None:
        if kind.mime == "application/zip" or kind.extension in {"docx", "xlsx", "odt", "ods"}:
            return _zip_content_type(data)
        return kind.mime
    text = _decode_text(data)
    if text is None:
        return "application/octet-stream"
    return _text_content_type(text, data)


def _zip_content_type(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        if "mimetype" in names:
            mimetype = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
            if mimetype in (ODT, ODS):
                return mimetype
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        pass
    return "application/zip"


def _decode_text(data: bytes) -> str | None:
    """The text, if the bytes are UTF-8 (or, failing that, Windows-1250 without control
    characters, as old Polish office files are); None for anything binary."""
    sample = data[:65536]
    if b"\x00" in sample:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1250")
        except UnicodeDecodeError:
            return None
    if any(ord(char) < 32 and char not in "\t\n\r\f" for char in text[:65536]):
        return None
    return text


_HTML_START = re.compile(r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|script|iframe)\b",
                         re.IGNORECASE | re.DOTALL)
_ACTIVE_MARKUP = re.compile(r"<\s*(script|iframe|object|embed)\b|javascript:", re.IGNORECASE)


def _text_content_type(text: str, data: bytes) -> str:
    stripped = text.lstrip()
    if stripped.startswith("#!"):
        return "text/x-script"
    if _HTML_START.match(text):
        return "text/html"
    if stripped.startswith("<"):
        root = _parse_xml(data)
        if root is None:
            return "text/html" if _ACTIVE_MARKUP.search(text) else TEXT
        local_name = _local_name(root.tag).lower()
        namespace = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
        if local_name in {"html", "svg"} or "xhtml" in namespace or "svg" in namespace:
            return "image/svg+xml" if local_name == "svg" else "text/html"
        return XML
    return TEXT


def _parse_xml(data: bytes):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False)
    try:
        return etree.fromstring(data, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


# --- Active content ---------------------------------------------------------------------

_PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)


def _pdf_names(data: bytes) -> set[str]:
    """Names written in the PDF's own syntax. The contents of streams (images, fonts,
    compressed page content) are left out: their bytes are data, and random bytes spell
    `/JS` often enough to refuse honest scans; object streams are read by
    `_pdf_object_names`."""
    names = set()
    for match in _PDF_NAME.finditer(_PDF_STREAM.sub(b"stream endstream", data)):
        raw = match[1]
        if b"#" in raw:
            raw = re.sub(rb"#([0-9A-Fa-f]{2})", lambda hexa: bytes([int(hexa[1], 16)]), raw)
        names.add(raw.decode("latin-1"))
    return names


def _pdf_object_names(data: bytes) -> set[str]:
    """Names used in the PDF's objects, including those packed in object streams, which a
    search of the raw bytes cannot see."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    names: set[str] = set()
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        numbers = {(number, generation) for generation, table in reader.xref.items()
                   for number in table}
        numbers |= {(number, 0) for number in reader.xref_objStm}
        for number, generation in numbers:
            try:
                item = reader.get_object(IndirectObject(number, generation, reader))
            except Exception:  # noqa: S112 - one broken object must not hide the others
                continue
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    names.add(str(key).lstrip("/"))
                    if isinstance(value, NameObject):
                        names.add(str(value).lstrip("/"))
                    elif isinstance(value, ArrayObject):
                        names.update(str(element).lstrip("/") for element in value
                                     if isinstance(element, NameObject))
    except Exception:  # noqa: S110 - unreadable PDFs are judged by their raw bytes
        pass
    return names


def _refuse_active_pdf(data: bytes) -> None:
    found = (_pdf_names(data) | _pdf_object_names(data)) & _PDF_DANGEROUS_NAMES
    if found:
        raise UploadRejected(
            "dangerous",
            lazy_message(_("The PDF contains active content (%(names)s) and is not accepted. "
                           "Print it to a new PDF and send that."),
                         names=", ".join(sorted(found))))


def _refuse_macros(data: bytes) -> None:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise UploadRejected("dangerous",
                             _("The document contains macros and is not accepted."))


# --- Text -------------------------------------------------------------------------------

def extract_text(content_type: str, data: bytes) -> str:
    """The document's text for search, at most `MAX_TEXT_CHARS`; empty when there is none
    or it cannot be read."""
    try:
        if content_type == PDF:
            text = _pdf_text(data)
        elif content_type == TEXT:
            text = _decode_text(data) or ""
        elif content_type == XML:
            text = _xml_document_text(data)
        elif content_type in (ODT, ODS):
            text = _zipped_xml_text(data, "content.xml")
        elif content_type == DOCX:
            text = _zipped_xml_text(data, "word/document.xml")
        elif content_type == XLSX:
            text = _zipped_xml_text(data, "xl/sharedStrings.xml")
        else:
            text = ""
    except Exception:  # noqa: BLE001 - a file whose text cannot be read is still a file
        text = ""
    return text.replace("\x00", "")[:MAX_TEXT_CHARS]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    parts, length = [], 0
    for page in reader.pages[:MAX_PDF_PAGES_FOR_TEXT]:
        try:
            page_text = page.extract_text() or ""
        except Exception:  # noqa: S112 - an unreadable page leaves the others readable
            continue
        parts.append(page_text)
        length += len(page_text)
        if length >= MAX_TEXT_CHARS:
            break
    return "\n".join(parts)


_PARAGRAPH_TAGS = {"p", "h", "tr", "br", "line-break", "table-row", "si"}
_TAB_TAGS = {"tab", "tc", "table-cell"}
XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"


def _xml_text(root) -> str:
    """Text of an XML tree with line breaks after paragraphs and rows; signatures (base64
    noise) are left out."""
    parts: list[str] = []

    def walk(element) -> None:
        if element.tag == f"{{{XMLDSIG_NAMESPACE}}}Signature":
            return
        if isinstance(element.tag, str):
            if element.text:
                parts.append(element.text)
            for child in element:
                walk(child)
            local = _local_name(element.tag)
            if local in _PARAGRAPH_TAGS:
                parts.append("\n")
            elif local in _TAB_TAGS:
                parts.append("\t")
        if element.tail:
            parts.append(element.tail)

    walk(root)
    return re.sub(r"[ \t]*\n[ \t\n]*", "\n", "".join(parts)).strip()


def _xml_document_text(data: bytes) -> str:
    root = _parse_xml(data)
    return "" if root is None else _xml_text(root)


def _zipped_xml_text(data: bytes, member: str) -> str:
    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        info = archive.getinfo(member)
    except KeyError:
        return ""
    if info.file_size > MAX_MEMBER_BYTES:
        return ""
    with archive.open(info) as stream:
        root = _parse_xml(stream.read(MAX_MEMBER_BYTES))
    return "" if root is None else _xml_text(root)


# --- Signatures -------------------------------------------------------------------------

def _check_signature(inspection: Inspection, data: bytes) -> None:
    if inspection.content_type == PDF and b"/ByteRange" in data:
        check = signing.verify_pdf(data)
    elif inspection.content_type == XML and XMLDSIG_NAMESPACE.encode() in data:
        check = signing.verify_xades(data)
    else:
        return
    inspection.signature_status = str(check.status)
    inspection.signature_report = check.as_report()


# --- Preview ----------------------------------------------------------------------------

def make_preview(content_type: str, data: bytes) -> bytes | None:
    """A small PNG of the first page or of the image; None when none can be made."""
    try:
        if content_type == PDF:
            return _pdf_preview(data)
        if content_type in (PNG, JPEG, TIFF):
            return _image_preview(data)
    except Exception:  # noqa: BLE001 - a missing preview never refuses a file
        return None
    return None


def _pdf_preview(data: bytes) -> bytes | None:
    executable = shutil.which("pdftoppm")
    if executable is None:
        return None
    with tempfile.TemporaryDirectory(prefix="ratusz-preview-") as directory:
        source = Path(directory) / "source.pdf"
        source.write_bytes(data)
        target = Path(directory) / "page"
        try:
            subprocess.run(  # noqa: S603 - fixed executable, our own temporary paths
                [executable, "-png", "-r", "50", "-singlefile", "-f", "1", "-l", "1",
                 str(source), str(target)],
                check=True, capture_output=True, timeout=preview_timeout_seconds(),
            )
        except (subprocess.SubprocessError, OSError):
            return None
        output = target.with_suffix(".png")
        return output.read_bytes() if output.is_file() else None


def _image_preview(data: bytes) -> bytes | None:
    try:
        from PIL import Image
    except ImportError:
        return None
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        if width * height > PREVIEW_MAX_SOURCE_PIXELS:
            return None
        image.seek(0)
        image.draft("RGB", (PREVIEW_MAX_PIXELS, PREVIEW_MAX_PIXELS))
        frame = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        frame.thumbnail((PREVIEW_MAX_PIXELS, PREVIEW_MAX_PIXELS))
        output = io.BytesIO()
        frame.save(output, format="PNG", optimize=True)
        return output.getvalue()
