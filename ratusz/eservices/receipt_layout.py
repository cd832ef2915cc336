"""The receipt (UPP) as a PDF, laid out by reportlab from a fixed layout (issue 18, goal 3).

A receipt is one short, fixed form: a title, a table of label and value, a box with the
status code and two addresses. Laying that out as HTML through WeasyPrint cost ~130 ms
per receipt (CSS cascade, Pango shaping, the whole page model); drawing the same layout
directly costs a few milliseconds, so a worker seals receipts as fast as it can sign them.
The fonts are the DejaVu faces WeasyPrint used (Polish letters), registered once per
process and embedded as subsets. This module knows no model: `receipts.render_receipt_pdf`
gives it the words to print."""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

#: Where Debian's fonts-dejavu-core puts the faces (scripts/install-system-packages.sh).
FONT_DIR = "/usr/share/fonts/truetype/dejavu"
FONTS = {"RatuszSans": "DejaVuSans.ttf", "RatuszSans-Bold": "DejaVuSans-Bold.ttf",
         "RatuszMono": "DejaVuSansMono.ttf"}

_fonts_lock = threading.Lock()
_fonts_ready = False


def _register_fonts() -> None:
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if not _fonts_ready:
            for name, file_name in FONTS.items():
                pdfmetrics.registerFont(TTFont(name, f"{FONT_DIR}/{file_name}"))
            _fonts_ready = True


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    #: A digest or identifier: printed small in a fixed-width face, never as prose.
    fixed_width: bool = False


@dataclass(frozen=True)
class ReceiptText:
    """Everything a receipt prints, as plain text (no markup: it is escaped here)."""

    title: str
    lead: str
    rows: list[Row] = field(default_factory=list)
    code_intro: str = ""
    code: str = ""
    #: (text before the address, address, text after it) for the status and the seal.
    status_note: tuple[str, str, str] = ("", "", "")
    verify_note: tuple[str, str, str] = ("", "", "")
    author: str = ""


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName="RatuszSans", fontSize=10, leading=14,
                          textColor=colors.HexColor("#111111"))
    return {
        "title": ParagraphStyle("title", parent=base, fontName="RatuszSans-Bold",
                                fontSize=15, leading=19, spaceAfter=2 * mm),
        "lead": ParagraphStyle("lead", parent=base, textColor=colors.HexColor("#333333"),
                               spaceAfter=6 * mm),
        "label": ParagraphStyle("label", parent=base, textColor=colors.HexColor("#444444")),
        "value": ParagraphStyle("value", parent=base, fontName="RatuszSans-Bold"),
        "fixed": ParagraphStyle("fixed", parent=base, fontName="RatuszMono", fontSize=7,
                                leading=10),
        "body": base,
        "code": ParagraphStyle("code", parent=base, fontName="RatuszMono", fontSize=16,
                               leading=22, spaceBefore=1 * mm, spaceAfter=2 * mm),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11,
                                textColor=colors.HexColor("#444444")),
        "link": ParagraphStyle("link", parent=base, fontName="RatuszMono", fontSize=8,
                               leading=11, spaceBefore=1 * mm, spaceAfter=1 * mm),
    }


def _note(note: tuple[str, str, str], styles) -> list[Paragraph]:
    before, address, after = note
    flowables = [Paragraph(escape(before), styles["small"])]
    if address:
        flowables.append(Paragraph(
            f'<a href="{escape(address, {chr(34): "&quot;"})}">{escape(address)}</a>',
            styles["link"]))
    if after:
        flowables.append(Paragraph(escape(after), styles["small"]))
    return flowables


class _NumberedCanvas(pdf_canvas.Canvas):
    """Prints "Strona i z n" at the foot of each page once n is known."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("RatuszSans", 8)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawCentredString(A4[0] / 2, 10 * mm, f"Strona {self._pageNumber} z {total}")
            super().showPage()
        super().save()


def render(text: ReceiptText) -> bytes:
    """The receipt's PDF (A4, margins 20 × 18 mm), not yet sealed."""
    _register_fonts()
    styles = _styles()
    width = A4[0] - 36 * mm
    rows = [[Paragraph(escape(row.label), styles["label"]),
             Paragraph(escape(row.value), styles["fixed" if row.fixed_width else "value"])]
            for row in text.rows]
    table = Table(rows, colWidths=[0.42 * width, 0.58 * width])
    table.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 2 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2 * mm),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3 * mm, colors.HexColor("#cccccc")),
    ]))
    box = Table([[[Paragraph(escape(text.code_intro), styles["body"]),
                   Paragraph(escape(text.code), styles["code"]),
                   *_note(text.status_note, styles)]]], colWidths=[width])
    box.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.4 * mm, colors.HexColor("#111111")),
        ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 4 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm),
    ]))
    story = [Paragraph(escape(text.title), styles["title"]),
             Paragraph(escape(text.lead), styles["lead"]), table, Spacer(1, 5 * mm),
             KeepTogether([box]), Spacer(1, 5 * mm), *_note(text.verify_note, styles)]
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm,
                                 topMargin=20 * mm, bottomMargin=20 * mm, title=text.title,
                                 author=text.author, lang="pl")
    document.build(story, canvasmaker=_NumberedCanvas)
    return out.getvalue()
