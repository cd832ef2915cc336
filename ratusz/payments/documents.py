"""Documents the payments app produces: the taxpayer's statement of account (PDF) and the
daily report of receipts by budget classification (CSV) for the accounting system."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone

from ratusz.payments import selectors
from ratusz.payments.money import zloty_plain


def account_statement_pdf(municipality, payers, *, base_url: str) -> bytes:
    """The statement of account (wyciąg z konta podatnika) of a resident's payers today."""
    from weasyprint import HTML  # heavy: loaded only when a PDF is asked for

    today = timezone.localdate()
    calculator = selectors.interest_calculator()
    sections = []
    for payer in payers:
        views = selectors.views(selectors.payer_instalments(municipality, payer), today,
                                calculator)
        sections.append({
            "payer": payer, "views": views,
            "owed": sum(v.to_pay for v in views),
            "receipts": list(selectors.receipts_of(municipality, [payer])[:200]),
            "credit": selectors.credit_of(municipality, payer)})
    html = render_to_string("payments/resident/statement_pdf.html", {
        "municipality": municipality, "sections": sections, "today": today,
        "generated_at": timezone.now()})
    return HTML(string=html, base_url=base_url).write_pdf()


CSV_HEADER = ["data", "dzial", "rozdzial", "paragraf", "kwota", "kwota_gr", "liczba"]


def daily_report_csv(municipality, day: date) -> str:
    """Receipts of `day` by dział, rozdział and paragraf; amounts in złoty with a dot and
    in grosze, `;`-separated (what accounting systems import)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in selectors.daily_receipts(municipality, day):
        writer.writerow([day.isoformat(), row.dzial, row.rozdzial, row.paragraf,
                         zloty_plain(row.amount), row.amount, row.count])
    return out.getvalue()
