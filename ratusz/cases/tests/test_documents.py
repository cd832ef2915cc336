"""Checking uploads by their bytes: type, limits, active content, text and preview."""

import hashlib
import io
import json
import shutil

import pytest

from ratusz.cases import documents
from ratusz.cases.documents import UploadRejected, inspect_upload
from ratusz.cases.tests.fixtures import samples

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def rejection(name: str, data: bytes) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(name, data)
    return caught.value


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return samples.pdf_bytes()


# --- Detection by bytes -----------------------------------------------------------------

def test_a_pdf_is_recognised_hashed_and_its_text_extracted(letter_pdf):
    inspection = inspect_upload("wniosek.pdf", letter_pdf)

    assert inspection.content_type == "application/pdf"
    assert inspection.size == len(letter_pdf)
    assert inspection.sha256 == hashlib.sha256(letter_pdf).hexdigest()
    assert "Wniosek o wydanie zaświadczenia" in inspection.text
    assert "Zażółć gęślą jaźń" in inspection.text
    assert inspection.signature_status == "none"
    assert inspection.signature_report == {}
    assert inspection.dcmi_type == "Text"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_a_pdf_gets_a_png_preview_of_its_first_page(letter_pdf):
    inspection = inspect_upload("wniosek.pdf", letter_pdf)

    assert inspection.preview_png.startswith(PNG_SIGNATURE)


def test_the_type_comes_from_the_bytes_even_without_an_extension(letter_pdf):
    assert inspect_upload("skan", letter_pdf).content_type == "application/pdf"
    assert inspect_upload("zdjecie", samples.png_bytes()).content_type == "image/png"


def test_a_png_made_by_hand_is_an_image_with_a_preview():
    inspection = inspect_upload("mapa.PNG", samples.png_bytes())

    assert inspection.content_type == "image/png"
    assert inspection.text == ""
    assert inspection.dcmi_type == "StillImage"
    pytest.importorskip("PIL")
    assert inspection.preview_png.startswith(PNG_SIGNATURE)


def test_utf8_text_is_text_and_kept_as_such():
    data = "Notatka służbowa\nRozmowa telefoniczna z wnioskodawcą.".encode()

    inspection = inspect_upload("notatka.txt", data)

    assert inspection.content_type == "text/plain"
    assert inspection.text == "Notatka służbowa\nRozmowa telefoniczna z wnioskodawcą."
    assert inspection.preview_png is None


def test_windows_1250_text_from_old_office_software_is_read():
    data = "Zażalenie na postanowienie".encode("cp1250")

    inspection = inspect_upload("zazalenie.txt", data)

    assert inspection.content_type == "text/plain"
    assert inspection.text == "Zażalenie na postanowienie"


def test_xml_is_xml_and_its_text_extracted():
    data = ('<?xml version="1.0" encoding="UTF-8"?><wniosek><imie>Żaneta</imie>'
            "<nazwisko>Kowalska</nazwisko></wniosek>").encode()

    inspection = inspect_upload("wniosek.xml", data)

    assert inspection.content_type == "application/xml"
    assert "Żaneta" in inspection.text and "Kowalska" in inspection.text
    assert inspection.signature_status == "none"


@pytest.mark.parametrize(("name", "make", "content_type", "words"), [
    ("wniosek.docx", samples.docx_bytes, documents.DOCX, ["Wniosek o dowód osobisty",
                                                         "Proszę o pilne załatwienie."]),
    ("skarga.odt", samples.odt_bytes, documents.ODT, ["Skarga na działanie sołtysa"]),
    ("oplaty.xlsx", samples.xlsx_bytes, documents.XLSX, ["Podatek rolny", "Łąka"]),
    ("oplaty.ods", samples.ods_bytes, documents.ODS, ["Zestawienie opłat"]),
])
def test_office_documents_are_told_apart_by_their_zip_contents(name, make, content_type,
                                                                words):
    inspection = inspect_upload(name, make())

    assert inspection.content_type == content_type
    for word in words:
        assert word in inspection.text
    assert inspection.text.splitlines()[0] == words[0]


# --- Refusals ---------------------------------------------------------------------------

def test_an_empty_file_is_refused():
    assert rejection("pusty.pdf", b"").code == "empty"


def test_a_file_over_the_limit_is_refused(settings):
    settings.RATUSZ_MAX_UPLOAD_BYTES = 1024

    error = rejection("duzy.txt", b"a" * 1025)

    assert error.code == "too_large"
    assert inspect_upload("maly.txt", b"a" * 1024).size == 1024


def test_the_default_limit_is_25_mebibytes():
    assert documents.max_upload_bytes() == 25 * 1024 * 1024


@pytest.mark.parametrize(("name", "make"), [
    ("pismo.pdf", samples.png_bytes),
    ("pismo.pdf", samples.exe_bytes),
    ("pismo.pdf", samples.docx_bytes),
    ("zdjecie.jpg", samples.png_bytes),
    ("wniosek.docx", samples.odt_bytes),
    ("notatka.txt", samples.pdf_bytes),
])
def test_a_name_that_claims_another_type_is_refused(name, make):
    error = rejection(name, make())

    assert error.code == "name_mismatch"
    assert "." + name.rsplit(".", 1)[1] in str(error.message)


@pytest.mark.parametrize(("name", "data"), [
    ("program.exe", samples.exe_bytes()),
    ("program", samples.exe_bytes()),
    ("archiwum.zip", samples.plain_zip_bytes()),
    ("archiwum", samples.plain_zip_bytes()),
    ("strona.html", b"<!DOCTYPE html><html><body>Hej</body></html>"),
    ("strona", b"<html><script>alert(1)</script></html>"),
    ("rysunek.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'),
    ("rysunek", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
    ("skrypt", b"#!/bin/sh\nrm -rf /\n"),
    ("skrypt.js", b"alert('hej')"),
    ("dane.bin", bytes(range(256)) * 4),
])
def test_executables_archives_markup_and_scripts_are_refused(name, data):
    assert rejection(name, data).code == "type_not_allowed"


@pytest.mark.parametrize("catalog", [
    b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>",
    b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>",
    b"/OpenAction << /S /Launch /F (cmd.exe) >>",
    b"/Names << /EmbeddedFiles << /Names [] >> >>",
])
def test_a_pdf_with_active_content_is_refused(catalog):
    error = rejection("faktura.pdf", samples.minimal_pdf(catalog))

    assert error.code == "dangerous"


def test_active_content_hidden_in_an_object_stream_is_found():
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter(stream_xrefs=True)
    action = generic.DictionaryObject({
        generic.NameObject("/S"): generic.NameObject("/JavaScript"),
        generic.NameObject("/JS"): generic.TextStringObject("app.alert(1)"),
    })
    reference = writer.add_object(action, obj_stream=writer.prepare_object_stream())
    writer.root[generic.NameObject("/OpenAction")] = reference
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    assert b"JavaScript" not in data  # compressed: a search of the raw bytes misses it

    assert rejection("pismo.pdf", data).code == "dangerous"


def test_a_plain_pdf_made_by_hand_is_accepted():
    assert inspect_upload("pusta.pdf", samples.minimal_pdf()).content_type == "application/pdf"


def test_an_office_document_with_macros_is_refused():
    assert rejection("wniosek.docx", samples.docx_bytes(with_macros=True)).code == "dangerous"


def test_refusal_messages_are_translatable_text():
    from django.utils import translation

    error = rejection("pusty.txt", b"")

    with translation.override("en"):
        assert str(error) == "The file is empty."
    with translation.override("pl"):
        assert str(error) == "Plik jest pusty."
    assert error.code == "empty"


def test_the_signature_report_of_an_inspection_is_json(letter_pdf):
    inspection = inspect_upload("wniosek.pdf", letter_pdf)

    json.dumps(inspection.signature_report)


def test_bytes_inside_a_stream_that_spell_a_dangerous_name_are_data():
    """A scan's image data is random-looking bytes; `/JS` in it is not JavaScript."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    image = generic.StreamObject({generic.NameObject("/Type"): generic.NameObject("/XObject")},
                                 stream_data=b"\x00\x17/JS\xff/Launch\x00" * 64)
    writer.root[generic.NameObject("/PieceInfo")] = writer.add_object(image)
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    assert b"/JS" in data

    assert documents.inspect_upload("skan.pdf", data).content_type == "application/pdf"
