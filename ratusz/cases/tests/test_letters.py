"""Official letters: starting texts and the PDF layout."""

import datetime
import io

import pytest
from pypdf import PdfReader

from ratusz.cases import letters
from ratusz.cases.letters import LETTER_TEMPLATES, fill_template, render_letter_pdf

LETTER = {
    "unit_name": "Urząd Gminy Jastków",
    "municipality_name": "Gmina Jastków",
    "address_line": "ul. Chmielowa 1, 21-002 Jastków",
    "case_mark": "GK.6220.1.2026",
    "letter_date": datetime.date(2026, 11, 22),
    "addressee_name": "Pan Jan Kowalski",
    "addressee_address": "ul. Źródlana 12/3",
    "addressee_city": "21-002 Snopków",
    "subject": "wezwanie do uzupełnienia braków formalnych podania",
    "body": "Pierwszy akapit pisma.\n\nDrugi akapit: zażółć gęślą jaźń.",
    "signer_name": "Zdzisław Łęcki",
    "signer_position": "Wójt Gminy Jastków",
    "seal_note": "Dokument opatrzony pieczęcią elektroniczną (certyfikat demonstracyjny).",
}


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return render_letter_pdf(**LETTER)


# --- Starting texts ---------------------------------------------------------------------

def test_there_are_three_starting_texts_with_labels():
    assert set(LETTER_TEMPLATES) == {"reply", "request_for_completion", "public_information"}
    for template in LETTER_TEMPLATES.values():
        assert set(template) == {"label", "subject", "body"}


@pytest.mark.parametrize("key", sorted(LETTER_TEMPLATES))
def test_filling_a_template_puts_the_values_in(key):
    subject, body = fill_template(key, case_mark="GK.6220.1.2026",
                                  addressee_name="Jan Kowalski",
                                  municipality_name="Wójt Gminy Jastków")

    assert "{" not in subject + body
    assert "GK.6220.1.2026" in subject + body
    assert "Wójt Gminy Jastków" in body


def test_the_request_for_completion_cites_article_64_and_gives_seven_days():
    subject, body = fill_template("request_for_completion", case_mark="GK.1",
                                  addressee_name="Jan Kowalski", municipality_name="Wójt")

    assert subject == "wezwanie do uzupełnienia braków formalnych podania"
    assert "art. 64 § 2" in body
    assert "7 dni" in body
    assert "Jan Kowalski" in body


def test_a_missing_value_stays_visible_for_the_clerk():
    subject, body = fill_template("reply", case_mark="GK.1")

    assert "{municipality_name}" in body
    assert subject == "odpowiedź na pismo w sprawie GK.1"


def test_an_unknown_template_is_an_error():
    with pytest.raises(KeyError):
        fill_template("nonexistent", case_mark="x")


# --- The PDF ----------------------------------------------------------------------------

def test_polish_dates_are_written_out():
    assert letters.format_polish_date(datetime.date(2026, 11, 22)) == "22 listopada 2026 r."
    assert letters.format_polish_date(datetime.date(2027, 2, 1)) == "1 lutego 2027 r."


def test_the_letter_is_one_a4_page_with_embedded_dejavu_fonts(letter_pdf):
    reader = PdfReader(io.BytesIO(letter_pdf))

    assert letter_pdf.startswith(b"%PDF-")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    fonts = {str(font["/BaseFont"]) for font in
             (item.get_object() for item in reader.pages[0]["/Resources"]["/Font"].values())}
    assert fonts and all("DejaVu" in name for name in fonts)


def test_the_letter_carries_every_part_of_an_official_letter(letter_pdf):
    text = pdf_text(letter_pdf)

    for part in ("URZĄD GMINY JASTKÓW", "ul. Chmielowa 1, 21-002 Jastków",
                 "Znak sprawy: GK.6220.1.2026", "Jastków, 22 listopada 2026 r.",
                 "Pan Jan Kowalski", "ul. Źródlana 12/3", "21-002 Snopków",
                 "Dotyczy: wezwanie do uzupełnienia braków formalnych podania",
                 "Pierwszy akapit pisma.", "zażółć gęślą jaźń", "Wójt Gminy Jastków",
                 "Zdzisław Łęcki", "(certyfikat demonstracyjny)", "Strona 1 z 1"):
        assert part in text, part


def test_the_body_is_text_never_markup():
    html = letters.render_letter_html(**{**LETTER, "body": "<b>pogrubione</b> & <script>x"})

    assert "&lt;b&gt;pogrubione&lt;/b&gt; &amp; &lt;script&gt;x" in html
    assert "<script>" not in html


def test_the_place_comes_from_the_office_address_or_the_gmina_name():
    assert letters._place_of("ul. Długa 5, 21-002 Jastków", "Gmina Jastków") == "Jastków"
    assert letters._place_of("", "Gmina Nałęczów") == "Nałęczów"
    html = letters.render_letter_html(**{**LETTER, "place": "Snopków"})
    assert "Snopków, 22 listopada 2026 r." in html


def test_without_a_seal_note_the_honest_demo_note_is_shown():
    html = letters.render_letter_html(**{**LETTER, "seal_note": ""})

    assert "certyfikat demonstracyjny" in html
