"""The receipt's PDF in its fixed layout (issue 18, goal 3: no HTML layout per receipt):
every field of domain.md §5.1 printed in Polish, the addresses as links, page numbers that
know the total, and the seal still verifiable by an independent reader (poppler's pdfsig)
and by our own check (pyHanko)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from ratusz.eservices import receipt_layout, receipts, services
from ratusz.eservices.tests.conftest import VALID_LETTER

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_receipt_prints_every_field_in_polish(letter_service, resident):
    submission, _created = services.submit(letter_service, data=VALID_LETTER,
                                           resident=resident)
    pdf = receipts.read_receipt(submission, "pdf")
    page, = text_of(pdf)
    for expected in ("Urzędowe poświadczenie przedłożenia (UPP)", str(submission.public_id),
                     submission.incoming.number, submission.case.mark,
                     submission.data_sha256, receipts.status_code(submission),
                     "Termin załatwienia", "Strona 1 z 1", submission.applicant_name):
        assert expected in page, expected
    assert receipts.verify_receipt(pdf).is_genuine


def test_a_long_receipt_numbers_its_pages_with_the_total():
    rows = [receipt_layout.Row(f"Załącznik {n}: skan-{n}.pdf (1,2 MB)", "SHA-256 " + "ab" * 32,
                               fixed_width=True) for n in range(1, 41)]
    pdf = receipt_layout.render(receipt_layout.ReceiptText(
        title="Urzędowe poświadczenie przedłożenia (UPP)", lead="Zażółć gęślą jaźń.",
        rows=rows, code_intro="Kod:", code="ABCD-2345",
        status_note=("Status:", "https://e-urzad.example.pl/g/alfa/e-urzad/status/", ""),
        verify_note=("Pieczęć:", "https://e-urzad.example.pl/g/alfa/e-urzad/weryfikacja/",
                     "")))
    pages = text_of(pdf)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert f"Strona {number} z {len(pages)}" in page
    assert "Zażółć gęślą jaźń." in pages[0]  # Polish letters from the embedded font
    assert "Załącznik 40: skan-40.pdf" in "".join(pages)


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils not installed")
def test_poppler_sees_the_seal_of_the_receipt_over_the_whole_file(letter_service, resident,
                                                                  tmp_path):
    submission, _created = services.submit(letter_service, data=VALID_LETTER,
                                           resident=resident)
    path = tmp_path / "upp.pdf"
    path.write_bytes(receipts.read_receipt(submission, "pdf"))
    output = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True,
                            timeout=60).stdout
    assert re.findall(r"^Signature #\d+:", output, re.MULTILINE) == ["Signature #1:"]
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output
