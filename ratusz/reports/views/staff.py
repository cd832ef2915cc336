"""The gmina's reports in the staff workspace: the dashboard (wójt, secretary), a unit's
dashboard (its head), the overdue matters, a case's clock with the notice of delay, the
exports, the monthly PDF, the watch's settings, partnerships and test inquiries."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.core.selectors import access_unit_by_id
from ratusz.reports import forms, presentation, selectors, services, sources
from ratusz.reports.views import common
from ratusz.reports.views.charts import dashboard_figures


def _document(request, year: int) -> dict:
    return selectors.indicators_document(request.municipality, year)


@staff_required(Permission.VIEW_REPORTS)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The gmina's indicators of a year: charts with their tables, the units, the time to
    settle by JRWA class and case type, requests by service and channel."""
    year = common.year_of(request)
    document = _document(request, year)
    return render(request, "reports/staff/dashboard.html", {
        "year": year, "document": document, "figures": dashboard_figures(document),
        "rows": presentation.indicator_rows(document),
        "units": presentation.unit_table(document), "tables": document.get("tables", {}),
        "overdue_count": selectors.overdue_matters(request.municipality).count(),
        "years": common.years_offered(),
    })


@staff_required(Permission.VIEW_REPORTS)
def unit_dashboard(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = access_unit_by_id(request.municipality, unit_id)
    if unit is None:
        raise Http404
    year = common.year_of(request)
    document = presentation.unit_document(_document(request, year), unit.slug)
    if document is None:
        document = {"indicators": {}, "tables": {}, "name": unit.name, "unit": unit.slug}
    return render(request, "reports/staff/unit.html", {
        "year": year, "unit": unit, "document": document, "years": common.years_offered(),
        "figures": dashboard_figures(document),
        "rows": presentation.indicator_rows(document)})


@staff_required(Permission.VIEW_REPORTS)
def overdue(request: HttpRequest) -> HttpResponse:
    """The matters past their deadline that this person may see, and those due within a
    week."""
    municipality = request.municipality
    return render(request, "reports/staff/overdue.html", {
        "matters": selectors.overdue_matters(municipality, user=request.user)[:500],
        "due_soon": selectors.due_soon(municipality, user=request.user)[:200],
        "today": timezone.localdate()})


@staff_required(Permission.HANDLE_CASES)
@require_http_methods(["GET", "POST"])
def case_clock(request: HttpRequest, case_id: int) -> HttpResponse:
    """The legal clock of a case; its handler records a notice of delay (art. 36) or a
    particularly complex matter."""
    municipality = request.municipality
    case = sources.visible_case(request.user, municipality, case_id)
    if case is None:
        raise Http404
    may_handle = sources.may_handle(request.user, case)
    form = forms.AdjustmentForm(request.POST or None)
    if request.method == "POST":
        if not may_handle:
            raise Http404
        if form.is_valid():
            try:
                services.record_adjustment(municipality, case, acting_user=request.user,
                                           **form.cleaned_data)
            except services.WatchError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The new deadline is recorded; the notice goes "
                                            "into the case record and to the resident."))
                return redirect("reports-staff:case-clock", municipality.slug, case.pk)
    return render(request, "reports/staff/case_clock.html", {
        "case": case, "clock": selectors.clock_of_case(municipality, case.pk),
        "adjustments": selectors.adjustments_of_case(municipality, case.pk),
        "form": form, "may_handle": may_handle, "today": timezone.localdate()},
        status=400 if form.errors else 200)


def overdue_table(request) -> tuple[str, list[str], list[list]]:
    today = timezone.localdate()
    rows = [[clock.case_mark, clock.department.symbol,
             clock.handler.get_full_name() if clock.handler else "",
             clock.deadline.isoformat(), (today - clock.deadline).days, clock.kind]
            for clock in selectors.overdue_matters(request.municipality, user=request.user)]
    return (_("Matters overdue"), [_("Case mark"), _("Department"), _("Handler"),
                                   _("Deadline"), _("Days late"), _("Rule")], rows)


@staff_required(Permission.VIEW_REPORTS)
def export(request: HttpRequest, table: str, file_format: str) -> HttpResponse:
    """Any table of the dashboards as CSV or XLSX."""
    year = common.year_of(request)
    if table == "zaleglosci":
        return common.export(file_format, f"zaleglosci-{request.municipality.slug}",
                             overdue_table(request))
    if table not in common.DOCUMENT_TABLES:
        raise Http404
    document = _document(request, year)
    unit_id = request.GET.get("jednostka", "")
    if unit_id.isdigit():
        unit = access_unit_by_id(request.municipality, int(unit_id))
        document = presentation.unit_document(document, unit.slug) if unit else None
        if document is None:
            raise Http404
    return common.export(file_format, f"{table}-{request.municipality.slug}-{year}",
                         common.document_table(document, table))


@staff_required(Permission.VIEW_REPORTS)
def monthly_pdf(request: HttpRequest) -> HttpResponse:
    """The monthly report as PDF (`?miesiac=YYYY-MM`, last month by default)."""
    today = timezone.localdate()
    month = services.monthly.previous_month(today)
    value = request.GET.get("miesiac", "")
    try:
        year, number = (int(part) for part in value.split("-"))
        asked = date(year, number, 1)
        if date(selectors.FIRST_YEAR, 1, 1) <= asked <= today:
            month = asked
    except ValueError:
        pass
    pdf = services.render_monthly_pdf(request.municipality, month)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="wskazniki-'
                                       f'{request.municipality.slug}-{month:%Y-%m}.pdf"')
    return response


@staff_required(Permission.MANAGE_TEMPLATES)
@require_http_methods(["GET", "POST"])
def watch_settings(request: HttpRequest) -> HttpResponse:
    """How the watch reminds, and who receives the monthly report."""
    municipality = request.municipality
    current = services.watch_settings(municipality)
    staff = list(sources.staff_of(municipality).order_by("last_name", "first_name"))
    settings_form = forms.WatchSettingsForm(
        request.POST if request.POST.get("form") == "watch" else None, initial={
            "remind_days_before": current.remind_days_before,
            "escalate_days_after": current.escalate_days_after,
            "digest_weekday": current.digest_weekday, "is_active": current.is_active})
    recipients_form = forms.RecipientsForm(
        request.POST if request.POST.get("form") == "recipients" else None, staff=staff,
        initial={"recipients": sorted(selectors.report_recipient_ids(municipality))})
    if request.method == "POST":
        form = settings_form if request.POST.get("form") == "watch" else recipients_form
        if form.is_valid():
            if form is settings_form:
                services.save_watch_settings(municipality, acting_user=request.user,
                                             **form.cleaned_data)
            else:
                services.set_recipients(municipality, acting_user=request.user,
                                        user_ids=form.cleaned_data["recipients"])
            messages.success(request, _("Saved."))
            return redirect("reports-staff:settings", municipality.slug)
    return render(request, "reports/staff/settings.html", {
        "settings_form": settings_form, "recipients_form": recipients_form})


@staff_required(Permission.MANAGE_DEPARTMENTS)
def memberships(request: HttpRequest) -> HttpResponse:
    """The gmina's invitations to partnerships and its memberships."""
    return render(request, "reports/staff/memberships.html", {
        "members": selectors.memberships_of(request.municipality)})


@staff_required(Permission.MANAGE_DEPARTMENTS)
@require_POST
def membership_decide(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.access_membership(request.municipality, member_id)
    if member is None:
        raise Http404
    accept = request.POST.get("decision") == "accept"
    services.decide_membership(member, acting_user=request.user, accept=accept)
    messages.success(request, _("The partnership is accepted.") if accept
                     else _("The partnership is declined."))
    return redirect("reports-staff:memberships", request.municipality.slug)


@staff_required(Permission.VIEW_REPORTS)
@require_http_methods(["GET", "POST"])
def inquiries(request: HttpRequest) -> HttpResponse:
    """The gmina's own test inquiries: schedule one, see the answer times."""
    municipality = request.municipality
    may_schedule = has_permission(request.user, municipality, Permission.MANAGE_TEMPLATES)
    form = forms.InquiryForm(request.POST or None)
    if request.method == "POST":
        if not may_schedule:
            raise Http404
        if form.is_valid():
            try:
                services.schedule_inquiry(municipality, acting_user=request.user,
                                          on=form.cleaned_data["scheduled_for"])
            except services.PartnershipError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("The test inquiry is scheduled."))
                return redirect("reports-staff:inquiries", municipality.slug)
    return render(request, "reports/staff/inquiries.html", {
        "inquiries": selectors.inquiries_of(municipality)[:200], "form": form,
        "may_schedule": may_schedule,
        "figures": selectors.inquiry_figures(municipality, None)})
