"""Outgoing letters on paper and in PDF: the layout of an official letter of the office and
the starting texts a clerk drafts from.

The PDF is rendered by WeasyPrint from `cases/letters/letter.html` (A4, DejaVu fonts so
every Polish letter renders). The seal box is part of the HTML; the cryptographic e-seal
is added afterwards by `signing.seal_pdf`.
"""

from __future__ import annotations

import datetime
import re

from django.template.loader import render_to_string
from django.utils.html import conditional_escape, linebreaks
from django.utils.safestring import mark_safe

TEMPLATE = "cases/letters/letter.html"
DEFAULT_SEAL_NOTE = ("Dokument opatrzony pieczęcią elektroniczną urzędu "
                     "(certyfikat demonstracyjny).")

MONTHS_GENITIVE = ("stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca",
                   "sierpnia", "września", "października", "listopada", "grudnia")

#: Starting texts of letters. Placeholders: {case_mark}, {addressee_name},
#: {municipality_name}; others given to `fill_template` are used when present.
LETTER_TEMPLATES: dict[str, dict[str, str]] = {
    "reply": {
        "label": "Odpowiedź na pismo",
        "subject": "odpowiedź na pismo w sprawie {case_mark}",
        "body": (
            "Szanowni Państwo,\n\n"
            "w odpowiedzi na pismo w sprawie oznaczonej znakiem {case_mark} "
            "{municipality_name} uprzejmie informuje, że …\n\n"
            "W razie pytań prosimy o kontakt z osobą prowadzącą sprawę, "
            "powołując się na znak sprawy."
        ),
    },
    "request_for_completion": {
        "label": "Wezwanie do uzupełnienia braków formalnych",
        "subject": "wezwanie do uzupełnienia braków formalnych podania",
        "body": (
            "Na podstawie art. 64 § 2 ustawy z dnia 14 czerwca 1960 r. – Kodeks "
            "postępowania administracyjnego {municipality_name} wzywa Pana/Panią "
            "{addressee_name} do usunięcia braków formalnych podania w sprawie "
            "{case_mark}, w terminie 7 dni od dnia doręczenia niniejszego wezwania, "
            "przez:\n\n"
            "1. …\n"
            "2. …\n\n"
            "Pouczenie: nieusunięcie braków we wskazanym terminie spowoduje "
            "pozostawienie podania bez rozpoznania (art. 64 § 2 KPA). Uzupełnienia można "
            "dokonać osobiście w urzędzie, pocztą lub elektronicznie, podając znak sprawy."
        ),
    },
    "public_information": {
        "label": "Udostępnienie informacji publicznej",
        "subject": "udostępnienie informacji publicznej",
        "body": (
            "Szanowni Państwo,\n\n"
            "w odpowiedzi na wniosek o udostępnienie informacji publicznej (sprawa "
            "{case_mark}), na podstawie art. 10 ust. 1 i art. 13 ust. 1 ustawy z dnia "
            "6 września 2001 r. o dostępie do informacji publicznej {municipality_name} "
            "udostępnia wnioskowaną informację:\n\n"
            "…\n\n"
            "Informacja została udostępniona w formie i w sposób wskazany we wniosku."
        ),
    },
}


def fill_template(key: str, **values: str) -> tuple[str, str]:
    """The subject and body of the starting text `key` with the values put in; an absent
    placeholder stays visible as `{name}` so the clerk notices it. Unknown key: KeyError."""
    template = LETTER_TEMPLATES[key]
    known = _KeepMissing({name: str(value) for name, value in values.items() if value})
    return template["subject"].format_map(known), template["body"].format_map(known)


class _KeepMissing(dict):
    def __missing__(self, name: str) -> str:
        return "{" + name + "}"


def format_polish_date(value: datetime.date) -> str:
    """22 listopada 2026 r."""
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} r."


_POSTAL_TOWN = re.compile(r"\b\d{2}-\d{3}\s+(?P<town>[^,]+?)\s*$")


def _place_of(address_line: str, municipality_name: str) -> str:
    """The town for "Jastków, 22 listopada 2026 r.": after the postal code of the office's
    address, else the gmina's name without "Gmina"."""
    match = _POSTAL_TOWN.search(address_line or "")
    if match:
        return match["town"]
    return re.sub(r"^(Gmina|Miasto i Gmina|Miasto)\s+", "", municipality_name or "").strip()


def keep_together(html: str, case_mark: str) -> str:
    """The case mark never breaks across lines: every occurrence in one unbreakable span."""
    mark = str(conditional_escape(case_mark or ""))
    if not mark:
        return html
    return html.replace(mark, f'<span class="nowrap">{mark}</span>')


def _body_html(body: str, case_mark: str = "") -> str:
    """Paragraphs from blank lines, line breaks kept; everything escaped; the case mark
    kept on one line."""
    html = linebreaks(conditional_escape((body or "").strip()))
    return mark_safe(keep_together(html, case_mark))  # noqa: S308 - escaped above


def _subject_html(subject: str, case_mark: str) -> str:
    return mark_safe(keep_together(str(conditional_escape(subject or "")),  # noqa: S308
                                    case_mark))


def render_letter_html(*, unit_name: str, municipality_name: str, address_line: str,
                       case_mark: str, letter_date: datetime.date, addressee_name: str,
                       addressee_address: str, addressee_city: str, subject: str, body: str,
                       signer_name: str, signer_position: str, seal_note: str = "",
                       place: str | None = None, verification_url: str = "",
                       is_draft: bool = False) -> str:
    """The letter as HTML, the input of `render_letter_pdf`. `verification_url`: the
    absolute address where anyone checks the office's e-seal (printed under the seal);
    `is_draft`: a preview before approval and sealing, marked as such."""
    return render_to_string(TEMPLATE, {
        "unit_name": unit_name,
        "municipality_name": municipality_name,
        "address_line": address_line,
        "case_mark": case_mark,
        "place": place or _place_of(address_line, municipality_name),
        "letter_date": format_polish_date(letter_date),
        "addressee_name": addressee_name,
        "addressee_address": addressee_address,
        "addressee_city": addressee_city,
        "subject": subject,
        "subject_html": _subject_html(subject, case_mark),
        "body_html": _body_html(body, case_mark),
        "signer_name": signer_name,
        "signer_position": signer_position,
        "seal_note": seal_note or DEFAULT_SEAL_NOTE,
        "verification_url": verification_url,
        "is_draft": is_draft,
    })


def render_letter_pdf(*, unit_name: str, municipality_name: str, address_line: str,
                      case_mark: str, letter_date: datetime.date, addressee_name: str,
                      addressee_address: str, addressee_city: str, subject: str, body: str,
                      signer_name: str, signer_position: str, seal_note: str = "",
                      place: str | None = None, verification_url: str = "",
                      is_draft: bool = False) -> bytes:
    """An official letter of the office as an unsigned A4 PDF (fonts embedded),
    ready for `signing.seal_pdf` (or, `is_draft`, a preview marked as a draft)."""
    from weasyprint import HTML

    html = render_letter_html(
        unit_name=unit_name, municipality_name=municipality_name, address_line=address_line,
        case_mark=case_mark, letter_date=letter_date, addressee_name=addressee_name,
        addressee_address=addressee_address, addressee_city=addressee_city, subject=subject,
        body=body, signer_name=signer_name, signer_position=signer_position,
        seal_note=seal_note, place=place, verification_url=verification_url,
        is_draft=is_draft,
    )
    return HTML(string=html).write_pdf()
