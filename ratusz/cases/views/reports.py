"""Pages of the registers (RPW, RKW), the reports (spis spraw, overdue cases) and the
archive (transfer, disposal lists, archive packages). Thin: parse, check, call, render."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.cases import reports, selectors, services
from ratusz.cases.forms import (
    ApproveForm,
    ArchiveTransferForm,
    DisposalCreateForm,
    OverdueForm,
    RegisterFilterForm,
    SpisSprawForm,
)
from ratusz.cases.models import Channel, IncomingStatus, SendingMethod
from ratusz.core.selectors import list_units

PAGE_SIZE = 50


# --- Helpers -------------------------------------------------------------------------------

def _departments_seen(request: HttpRequest):
    return selectors.departments_seen(request.user, request.municipality)


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _spis_spraw_form(request: HttpRequest) -> SpisSprawForm:
    departments = _departments_seen(request)
    classes = reports.spis_spraw_choices(request.municipality)
    keys = {"department", "jrwa_symbol", "year"}
    if keys & set(request.GET):
        return SpisSprawForm(request.GET, departments=departments, classes=classes)
    first = departments.first()
    return SpisSprawForm(departments=departments, classes=classes, initial={
        "department": first.pk if first else None, "year": timezone.localdate().year})


def _spis_spraw_or_picker(request: HttpRequest, form: SpisSprawForm):
    """The report if the form is bound and valid; else the picker page to render."""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        return reports.spis_spraw(request.municipality, data["department"],
                                  data["jrwa_symbol"], data["year"]), None
    return None, render(request, "cases/reports/spis_spraw.html", {"form": form},
                        status=400 if form.errors else 200)


def _file_name(report: reports.SpisSpraw, extension: str) -> str:
    header = report.header
    return f"spis-spraw-{header.department_symbol}-{header.jrwa_symbol}-{header.year}.{extension}"


# --- Registers -----------------------------------------------------------------------------

@staff_required(Permission.VIEW_REGISTERS)
def incoming_register(request: HttpRequest) -> HttpResponse:
    form = RegisterFilterForm(request.GET or None, channels=Channel.choices,
                              statuses=IncomingStatus.choices)
    filters = form.filters() if form.is_valid() else reports.RegisterFilters()
    entries = reports.incoming_register(request.municipality, filters)
    return render(request, "cases/reports/incoming_register.html", {
        "form": form, "page": _page(request, entries),
    }, status=400 if form.errors else 200)


@staff_required(Permission.VIEW_REGISTERS)
def outgoing_register(request: HttpRequest) -> HttpResponse:
    form = RegisterFilterForm(request.GET or None, channels=SendingMethod.choices)
    filters = form.filters() if form.is_valid() else reports.RegisterFilters()
    entries = reports.outgoing_register(request.municipality, filters)
    return render(request, "cases/reports/outgoing_register.html", {
        "form": form, "page": _page(request, entries),
    }, status=400 if form.errors else 200)


# --- Spis spraw ----------------------------------------------------------------------------

@staff_required(Permission.VIEW_REGISTERS)
def spis_spraw(request: HttpRequest) -> HttpResponse:
    form = _spis_spraw_form(request)
    report, picker = _spis_spraw_or_picker(request, form)
    if report is None:
        return picker
    return render(request, "cases/reports/spis_spraw.html", {
        "form": form, "report": report, "query": request.GET.urlencode(),
    })


@staff_required(Permission.VIEW_REGISTERS)
def spis_spraw_csv(request: HttpRequest) -> HttpResponse:
    report, picker = _spis_spraw_or_picker(request, _spis_spraw_form(request))
    if report is None:
        return picker
    header = report.header
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_file_name(report, "csv")}"'
    response.write("\ufeff")  # the BOM makes Excel read UTF-8
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Spis spraw"])
    writer.writerow(["Rok", header.year])
    writer.writerow(["Data sporządzenia", header.report_date.isoformat()])
    writer.writerow(["Komórka organizacyjna", header.department_symbol,
                     header.department_name])
    writer.writerow(["Symbol klasyfikacyjny JRWA", header.jrwa_symbol, header.jrwa_title])
    writer.writerow([])
    writer.writerow(reports.SPIS_SPRAW_COLUMNS)
    for row in report:
        # A text stored before input refused control characters is written with U+FFFD in
        # their place: the row stays in the list, the file stays readable.
        writer.writerow([services.shown_text(cell) for cell in (
            row.position, row.case_mark, row.title, row.sender_name, row.sender_reference,
            row.letter_date, row.opened_on.isoformat(),
            row.settled_on.isoformat() if row.settled_on else "", row.handler_name,
            row.remarks)])
    return response


@staff_required(Permission.VIEW_REGISTERS)
def spis_spraw_pdf(request: HttpRequest) -> HttpResponse:
    from weasyprint import HTML

    report, picker = _spis_spraw_or_picker(request, _spis_spraw_form(request))
    if report is None:
        return picker
    html = render_to_string("cases/reports/spis_spraw_pdf.html", {
        "report": report, "columns": reports.SPIS_SPRAW_COLUMNS,
        "municipality": request.municipality, "printed_at": timezone.localtime(),
    })
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_file_name(report, "pdf")}"'
    return response


# --- Overdue cases -------------------------------------------------------------------------

@staff_required(Permission.VIEW_REGISTERS)
def overdue(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    form = OverdueForm(request.GET or None, departments=_departments_seen(request))
    department = form.cleaned_data["department"] if form.is_valid() else None
    cases = reports.overdue_cases_seen_by(request.user, municipality, department)
    return render(request, "cases/reports/overdue.html", {
        "form": form, "cases": cases[:500], "today": timezone.localdate(),
    }, status=400 if form.errors else 200)


# --- The archive -----------------------------------------------------------------------------

def _archive_page(request: HttpRequest, *, transfer_form=None, disposal_form=None,
                  status: int = 200) -> HttpResponse:
    municipality = request.municipality
    today = timezone.localdate()
    unit = selectors.default_unit(request.user, municipality)
    transfer_form = transfer_form or ArchiveTransferForm(
        departments=_departments_seen(request), initial={"as_of": today})
    disposal_form = disposal_form or DisposalCreateForm(
        units=list_units(municipality), initial={"as_of": today,
                                                 "unit": unit.pk if unit else None})
    return render(request, "cases/reports/archive.html", {
        "transfer_form": transfer_form, "disposal_form": disposal_form,
        "transfers": reports.list_archive_transfers(municipality)[:50],
        "disposal_lists": reports.list_disposal_lists(municipality)[:50],
        "due_for_transfer": [
            (department, reports.transfer_candidates(department.unit, department,
                                                     today).count())
            for department in _departments_seen(request).select_related("unit")
        ],
        "due_for_disposal": (reports.disposal_candidates(unit, today).count()
                             if unit else 0),
        "unit": unit,
    }, status=status)


@staff_required(Permission.HANDLE_CASES)
def archive(request: HttpRequest) -> HttpResponse:
    return _archive_page(request)


@require_POST
@staff_required(Permission.HANDLE_CASES)
def archive_transfer(request: HttpRequest) -> HttpResponse:
    form = ArchiveTransferForm(request.POST, departments=_departments_seen(request))
    if not form.is_valid():
        return _archive_page(request, transfer_form=form, status=400)
    department = form.cleaned_data["department"]
    try:
        transfer = services.transfer_to_archive(
            department.unit, department, acting_user=request.user,
            as_of=form.cleaned_data["as_of"])
    except services.EzdError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(count)s cases transferred to the office archive.")
                         % {"count": transfer.cases.count()})
    return redirect("ezd:archive", request.municipality.slug)


@require_POST
@staff_required(Permission.HANDLE_CASES)
def disposal_create(request: HttpRequest) -> HttpResponse:
    form = DisposalCreateForm(request.POST, units=list_units(request.municipality))
    if not form.is_valid():
        return _archive_page(request, disposal_form=form, status=400)
    try:
        disposal_list = services.create_disposal_list(
            form.cleaned_data["unit"], acting_user=request.user,
            as_of=form.cleaned_data["as_of"])
    except services.EzdError as error:
        messages.error(request, error.message)
        return redirect("ezd:archive", request.municipality.slug)
    messages.success(request, _("Disposal list drawn up."))
    return redirect("ezd:disposal-detail", request.municipality.slug, disposal_list.pk)


def _disposal_or_404(request: HttpRequest, disposal_id: int):
    disposal_list = reports.access_disposal_list_by_id(request.municipality, disposal_id)
    if disposal_list is None:
        raise Http404
    return disposal_list


def _disposal_page(request: HttpRequest, disposal_list, *, approve_form=None,
                   status: int = 200) -> HttpResponse:
    inventory = reports.disposal_inventory(disposal_list)
    return render(request, "cases/reports/disposal_detail.html", {
        "disposal_list": disposal_list,
        "inventory": [(group, cases) for group, cases in inventory.items() if cases],
        "case_count": sum(len(cases) for cases in inventory.values()),
        "needs_consent": any(inventory[group] for group in ("B", "BE")),
        "approve_form": approve_form or ApproveForm(),
        "can_approve": has_permission(request.user, request.municipality, Permission.APPROVE),
    }, status=status)


@staff_required(Permission.HANDLE_CASES)
def disposal_detail(request: HttpRequest, disposal_id: int) -> HttpResponse:
    return _disposal_page(request, _disposal_or_404(request, disposal_id))


def _run(request: HttpRequest, action, success_message) -> None:
    try:
        action()
    except services.EzdError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success_message)


@require_POST
@staff_required(Permission.HANDLE_CASES)
def disposal_submit(request: HttpRequest, disposal_id: int) -> HttpResponse:
    disposal_list = _disposal_or_404(request, disposal_id)
    _run(request, lambda: services.submit_disposal_list(
        disposal_list, acting_user=request.user),
        _("The list was marked as sent to the state archive."))
    return redirect("ezd:disposal-detail", request.municipality.slug, disposal_list.pk)


@require_POST
@staff_required(Permission.APPROVE)
def disposal_approve(request: HttpRequest, disposal_id: int) -> HttpResponse:
    disposal_list = _disposal_or_404(request, disposal_id)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return _disposal_page(request, disposal_list, approve_form=form, status=400)
    _run(request, lambda: services.approve_disposal_list(
        disposal_list, acting_user=request.user,
        consent_reference=form.cleaned_data["consent_reference"]),
        _("The consent was recorded."))
    return redirect("ezd:disposal-detail", request.municipality.slug, disposal_list.pk)


@require_POST
@staff_required(Permission.APPROVE)
def disposal_execute(request: HttpRequest, disposal_id: int) -> HttpResponse:
    disposal_list = _disposal_or_404(request, disposal_id)
    _run(request, lambda: services.execute_disposal_list(
        disposal_list, acting_user=request.user),
        _("The records were disposed of; their metadata and case records are kept."))
    return redirect("ezd:disposal-detail", request.municipality.slug, disposal_list.pk)


@staff_required(Permission.VIEW_WORKSPACE)
def case_export(request: HttpRequest, case_id: int) -> HttpResponse:
    municipality = request.municipality
    case = selectors.access_case_by_id(request.user, municipality, case_id)
    if case is None:
        raise Http404
    try:
        package = services.export_archive_package(case)
    except services.EzdError as error:
        messages.error(request, error.message)
        return redirect("ezd:case-detail", municipality.slug, case.pk)
    response = HttpResponse(package, content_type="application/zip")
    response["Content-Disposition"] = (f'attachment; filename="paczka-archiwalna-'
                                       f'{case.mark}-{timezone.localdate():%Y%m%d}.zip"')
    return response
