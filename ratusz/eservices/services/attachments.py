"""Files attached to a submission: taken out of API answers (base64), and checked for
their field — count, declared type, size and content (bytes that are not what the name
says, active content, macros)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext_lazy as _

from ratusz.cases import services as ezd
from ratusz.eservices import forms_engine
from ratusz.eservices.errors import EserviceError, lazy_message

MIME_OF_TYPE = {"pdf": {"application/pdf"}, "jpg": {"image/jpeg"}, "png": {"image/png"},
                "tif": {"image/tiff"}, "odt": {"application/vnd.oasis.opendocument.text"},
                "docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml."
                         "document"},
                "xml": {"application/xml", "text/xml"}, "txt": {"text/plain"},
                "zip": {"application/zip"}}
EXTENSIONS_OF_TYPE = {"jpg": {"jpg", "jpeg"}, "tif": {"tif", "tiff"}}


@dataclass
class UploadedFile:
    """A file given for an attachment field of a form."""

    field: str
    name: str
    data: bytes


def decode_api_attachments(schema: dict, data: dict) -> tuple[dict, list[UploadedFile],
                                                              dict[str, str]]:
    """Split base64 attachments `{filename, content}` out of API answers."""
    answers, files, errors = dict(data), [], {}
    for name, prop in schema.get("properties", {}).items():
        if not forms_engine.is_attachment(prop) or name not in answers:
            continue
        items = answers.pop(name)
        if items in (None, []):
            continue
        if not isinstance(items, list):
            errors[name] = lazy_message(_("The field “%(title)s” must be a list of files."),
                                        title=prop.get("title", name))
            continue
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get("filename"), str) or \
                    not isinstance(item.get("content"), str):
                errors[f"{name}.{index}"] = _("Give the file as {filename, content (base64)}.")
                continue
            try:
                content = base64.b64decode(item["content"], validate=True)
            except (binascii.Error, ValueError):
                errors[f"{name}.{index}"] = lazy_message(
                    _("The content of the file “%(name)s” is not valid base64."),
                    name=item["filename"])
                continue
            files.append(UploadedFile(name, PurePath(item["filename"]).name, content))
    return answers, files, errors


def check_attachments(schema: dict, answers: dict, files: list[UploadedFile],
                      errors: dict[str, str]) -> list[tuple[UploadedFile, object]]:
    """Check the files of each attachment field: count, declared type, size and content
    (bytes that are not what the name says, active content, macros). Returns the accepted
    files with their inspection; problems go into `errors`."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    shown = set(answers.get("__shown__", properties))
    accepted = []
    for name, prop in properties.items():
        if not forms_engine.is_attachment(prop) or name not in shown:
            continue
        title = prop.get("title", name)
        own = [file for file in files if file.field == name]
        minimum = prop.get("minItems", 1 if name in required else 0)
        if len(own) < minimum:
            errors[name] = lazy_message(
                _("Attach a file in the field “%(title)s”.") if minimum == 1 else
                _("Attach at least %(count)s files in the field “%(title)s”."),
                title=title, count=minimum)
            continue
        if len(own) > prop.get("maxItems", 10):
            errors[name] = lazy_message(
                _("In the field “%(title)s” you can attach at most %(count)s files."),
                title=title, count=prop["maxItems"])
            continue
        for file in own:
            try:
                inspection = check_one_attachment(prop, file)
            except EserviceError as error:
                errors[name] = error.message
                break
            accepted.append((file, inspection))
    for file in files:
        if file.field not in properties or not forms_engine.is_attachment(
                properties[file.field]):
            errors.setdefault(file.field, _("This form takes no files here."))
    return accepted


def check_one_attachment(prop: dict, file: UploadedFile):
    """Check one file for an attachment field: declared type, size, and content (bytes
    that are not what the name says, active content, macros). Returns the inspection or
    raises `EserviceError` with the reason."""
    title = prop.get("title", file.field)
    options = prop["x-attachment"]
    limit = int(float(options["max_size_mb"]) * 1024 * 1024)
    allowed_types = options.get("accept", [])
    allowed_extensions, allowed_mime = set(), set()
    for kind in allowed_types:
        allowed_extensions |= EXTENSIONS_OF_TYPE.get(kind, {kind})
        allowed_mime |= MIME_OF_TYPE.get(kind, set())
    extension = PurePath(file.name).suffix.lower().lstrip(".")
    if extension not in allowed_extensions:
        raise EserviceError("file_type", _("The file “%(name)s” in the field “%(title)s” is of "
                                           "a type not allowed. Allowed: %(types)s."),
                            name=file.name, title=title, types=", ".join(allowed_types))
    if len(file.data) > limit:
        raise EserviceError("file_too_large", _("The file “%(name)s” in the field “%(title)s” "
                                                "is too large: at most %(limit)s MB."),
                            name=file.name, title=title, limit=options["max_size_mb"])
    try:
        inspection = ezd.inspect_upload(file.name, file.data, with_preview=False)
    except ezd.UploadRejected as rejection:
        raise EserviceError("file_rejected", _("The file “%(name)s” in the field “%(title)s” "
                                               "was refused: %(reason)s"),
                            name=file.name, title=title, reason=rejection.message) from None
    if allowed_mime and inspection.content_type not in allowed_mime:
        raise EserviceError("file_mislabelled", _("The file “%(name)s” in the field "
                                                  "“%(title)s” is not what its name says."),
                            name=file.name, title=title)
    return inspection
