"""The monthly report: the gmina's indicators of a month as a PDF (WeasyPrint), e-mailed
to the staff the gmina chose, once per month."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ratusz.core.effects import after_commit
from ratusz.core.models import Municipality
from ratusz.reports import sources
from ratusz.reports.models import MonthlyReportSent, ReportRecipient
from ratusz.reports.presentation import month_rows
from ratusz.reports.services.clocks import WatchError
from ratusz.reports.services.rollups import compute_indicators


def previous_month(today: date) -> date:
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def render_monthly_pdf(municipality: Municipality, month: date) -> bytes:
    """The PDF of the gmina's indicators for `month` (in Polish: it is an official report).
    Computed from the rollups (the caller is in the gmina's tenant context)."""
    from weasyprint import HTML  # heavy: loaded only when a PDF is made

    document = compute_indicators(municipality, month.year)
    with translation.override("pl"):
        html = render_to_string("reports/monthly_report.html", {
            "municipality": municipality, "month": month,
            "rows": month_rows(document, f"{month:%Y-%m}"),
            "computed_at": document["computed_at"]})
    return HTML(string=html).write_pdf()


@transaction.atomic(durable=True)
def set_recipients(municipality: Municipality, *, acting_user, user_ids: list[int]
                   ) -> int:
    """Choose who receives the monthly report (staff of the gmina only)."""
    chosen = []
    for user_id in user_ids:
        user = sources.staff_member(municipality, user_id)
        if user is None:
            raise WatchError("user_not_found", "There is no such staff member.")
        chosen.append(user)
    recipients = ReportRecipient.objects.for_municipality(municipality)
    recipients.exclude(user__in=chosen).delete()
    for user in chosen:
        recipients.get_or_create(municipality=municipality, user=user)
    return len(chosen)


def recipients_of(municipality: Municipality) -> list:
    return [recipient.user for recipient in ReportRecipient.objects.for_municipality(
        municipality).select_related("user").filter(user__is_active=True)]


def send_monthly_report(municipality: Municipality, *, today: date | None = None) -> bool:
    """E-mail last month's report to the chosen staff, once (the caller is in the gmina's
    tenant context). Returns whether it was sent now."""
    today = today or timezone.localdate()
    month = previous_month(today)
    people = [user for user in recipients_of(municipality) if user.email]
    if not people:
        return False
    pdf = render_monthly_pdf(municipality, month)
    try:
        with transaction.atomic(durable=True):
            MonthlyReportSent.objects.create(municipality=municipality, month=month,
                                             recipients=len(people))
            after_commit(_mail, municipality.name, month, [user.email for user in people],
                         pdf)
    except IntegrityError:
        return False  # sent before
    return True


def _mail(name: str, month: date, addresses: list[str], pdf: bytes) -> None:
    message = EmailMessage(
        subject=f"Wskaźniki – {name} – {month:%m.%Y}",
        body=(f"W załączniku raport miesięczny wskaźników gminy {name} za {month:%m.%Y}.\n"
              "Wiadomość wysłana automatycznie przez Ratusz."),
        from_email=settings.DEFAULT_FROM_EMAIL, to=addresses)
    message.attach(f"wskazniki-{month:%Y-%m}.pdf", pdf, "application/pdf")
    message.send()
