"""The finance workspace (/g/<slug>/staff/finanse/): payers and their ledgers (karta
kontowa), imports and their reports, bank statements and the queue of lines to assign,
refunds, online payments and the gateway's messages, the daily report, the set-up.
Reading needs `payments.view`; every change `payments.manage`."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.payments import documents, forms, importing, selectors, services
from ratusz.payments.errors import reason_texts

VIEW, MANAGE = Permission.VIEW_PAYMENTS, Permission.MANAGE_PAYMENTS


def _errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@require_GET
@staff_required(VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    return render(request, "payments/staff/dashboard.html", {
        "counts": selectors.dashboard_counts(municipality, timezone.localdate()),
        "account": selectors.collection_account(municipality),
        "gateway": selectors.gateway_account(municipality),
        "search": forms.PayerSearchForm()})


@require_GET
@staff_required(VIEW)
def payers(request: HttpRequest) -> HttpResponse:
    form = forms.PayerSearchForm(request.GET or None)
    found = selectors.search_payers(request.municipality, form.cleaned_data["q"]) \
        if form.is_valid() else []
    return render(request, "payments/staff/payers.html", {"form": form, "found": found})


def _payer_or_404(request: HttpRequest, payer_id: int):
    payer = selectors.access_payer_by_id(request.municipality, payer_id)
    if payer is None:
        raise Http404
    return payer


@require_GET
@staff_required(VIEW)
def payer(request: HttpRequest, payer_id: int) -> HttpResponse:
    municipality = request.municipality
    found = _payer_or_404(request, payer_id)
    views = selectors.views(selectors.payer_instalments(municipality, found))
    return render(request, "payments/staff/payer.html", {
        "payer": found, "views": views, "ledger": selectors.ledger(municipality, found),
        "reminders": selectors.reminders_of(municipality, found),
        "credit": selectors.credit_of(municipality, found),
        "owed": sum(v.to_pay for v in views),
        "refund_form": forms.RefundForm(initial={"requested_on": timezone.localdate()}),
        "delivery_form": forms.DeliveryForm(initial={"delivered_on": timezone.localdate()})})


@require_POST
@staff_required(MANAGE)
def payer_reminder(request: HttpRequest, payer_id: int) -> HttpResponse:
    found = _payer_or_404(request, payer_id)
    form = forms.ReminderForm(request.POST)
    instalment = None
    if form.is_valid():
        instalment = selectors.payer_instalments(request.municipality, found).filter(
            pk=form.cleaned_data["instalment"]).first()
    if instalment is None:
        raise Http404
    try:
        services.issue_reminder(instalment, acting_user=request.user)
        messages.success(request, _("The reminder is recorded; record its delivery when it "
                                    "is delivered."))
    except services.PaymentsError as error:
        messages.error(request, error.message)
    return redirect("payments-staff:payer", request.municipality.slug, found.pk)


@require_POST
@staff_required(MANAGE)
def reminder_delivery(request: HttpRequest, reminder_id: int) -> HttpResponse:
    reminder = selectors.access_reminder_by_id(request.municipality, reminder_id)
    if reminder is None:
        raise Http404
    form = forms.DeliveryForm(request.POST)
    if form.is_valid():
        try:
            services.record_delivery(reminder, delivered_on=form.cleaned_data["delivered_on"],
                                     acting_user=request.user)
            messages.success(request, _("The delivery is recorded and the reminder's cost "
                                        "charged."))
        except services.PaymentsError as error:
            messages.error(request, error.message)
    else:
        _errors(request, form)
    return redirect("payments-staff:payer", request.municipality.slug, reminder.payer_id)


@require_POST
@staff_required(MANAGE)
def payer_refund(request: HttpRequest, payer_id: int) -> HttpResponse:
    found = _payer_or_404(request, payer_id)
    form = forms.RefundForm(request.POST)
    if form.is_valid():
        try:
            services.refund_overpayment(found, acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("The refund is recorded."))
        except services.PaymentsError as error:
            messages.error(request, error.message)
    else:
        _errors(request, form)
    return redirect("payments-staff:payer", request.municipality.slug, found.pk)


@require_GET
@staff_required(VIEW)
def imports(request: HttpRequest) -> HttpResponse:
    runs = Paginator(selectors.imports(request.municipality), 25).get_page(
        request.GET.get("page"))
    return render(request, "payments/staff/imports.html", {"page": runs,
                                                           "form": forms.ImportForm()})


def _records(upload) -> list:
    data = upload.read()
    text = data.decode("utf-8-sig", errors="strict")
    if upload.name.lower().endswith(".json") or text.lstrip().startswith("["):
        records = json.loads(text)
        if not isinstance(records, list):
            raise ValueError("not a list")
        return records
    return importing.read_csv(text)


@require_POST
@staff_required(MANAGE)
def import_upload(request: HttpRequest) -> HttpResponse:
    form = forms.ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        _errors(request, form)
        return redirect("payments-staff:imports", request.municipality.slug)
    upload = form.cleaned_data["file"]
    try:
        records = _records(upload)
    except (ValueError, UnicodeDecodeError, importing.CsvError):
        messages.error(request, _("The file is neither a JSON list of obligations nor a CSV "
                                  "file with the columns described below (UTF-8)."))
        return redirect("payments-staff:imports", request.municipality.slug)
    try:
        run = services.import_obligations(request.municipality, records,
                                          acting_user=request.user, channel="ui",
                                          file_name=upload.name)
    except services.PaymentsError as error:
        messages.error(request, error.message)
        return redirect("payments-staff:imports", request.municipality.slug)
    return redirect("payments-staff:import", request.municipality.slug, run.pk)


@require_GET
@staff_required(VIEW)
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    run = selectors.access_import_by_id(request.municipality, import_id)
    if run is None:
        raise Http404
    refused = [{**entry, "texts": reason_texts(entry["reasons"])}
               for entry in run.refused_lines[:1000]]
    return render(request, "payments/staff/import_detail.html", {"run": run,
                                                                 "refused": refused})


@require_GET
@staff_required(VIEW)
def statements(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.statements(request.municipality), 25).get_page(
        request.GET.get("page"))
    return render(request, "payments/staff/statements.html", {
        "page": page, "form": forms.StatementForm(),
        "account": selectors.collection_account(request.municipality)})


@require_POST
@staff_required(MANAGE)
def statement_upload(request: HttpRequest) -> HttpResponse:
    form = forms.StatementForm(request.POST, request.FILES)
    if not form.is_valid():
        _errors(request, form)
        return redirect("payments-staff:statements", request.municipality.slug)
    upload = form.cleaned_data["file"]
    try:
        statement = services.import_statement(request.municipality, upload.read(),
                                              acting_user=request.user, channel="ui",
                                              file_name=upload.name)
    except services.PaymentsError as error:
        messages.error(request, error.message)
        return redirect("payments-staff:statements", request.municipality.slug)
    messages.success(request, _("Statement imported: %(matched)s matched, %(unmatched)s to "
                                "assign, %(duplicates)s seen before.") % {
        "matched": statement.matched, "unmatched": statement.unmatched,
        "duplicates": statement.duplicates})
    return redirect("payments-staff:statement", request.municipality.slug, statement.pk)


@require_GET
@staff_required(VIEW)
def statement_detail(request: HttpRequest, statement_id: int) -> HttpResponse:
    statement = selectors.access_statement_by_id(request.municipality, statement_id)
    if statement is None:
        raise Http404
    lines = Paginator(selectors.statement_lines(request.municipality, statement), 100
                      ).get_page(request.GET.get("page"))
    return render(request, "payments/staff/statement_detail.html", {"statement": statement,
                                                                    "page": lines})


@require_GET
@staff_required(VIEW)
def queue(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.unmatched_lines(request.municipality), 50).get_page(
        request.GET.get("page"))
    return render(request, "payments/staff/queue.html", {"page": page})


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def line_assign(request: HttpRequest, line_id: int) -> HttpResponse:
    municipality = request.municipality
    line = selectors.access_line_by_id(municipality, line_id)
    if line is None:
        raise Http404
    form = forms.AssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = selectors.payer_by_identifier(municipality, form.cleaned_data["payer"])
        instalment = None
        if found is not None and form.cleaned_data.get("instalment"):
            instalment = selectors.payer_instalments(municipality, found).filter(
                pk=form.cleaned_data["instalment"]).first()
        if found is None:
            form.add_error("payer", _("No payer of the gmina has this PESEL, NIP or account "
                                      "number."))
        elif form.cleaned_data.get("instalment") and instalment is None:
            form.add_error("instalment", _("This is not one of the payer's instalments."))
        else:
            try:
                services.assign_line(line, payer=found, instalment=instalment,
                                     acting_user=request.user)
            except services.PaymentsError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("The line is assigned and booked."))
                return redirect("payments-staff:queue", municipality.slug)
    return render(request, "payments/staff/assign.html", {"line": line, "form": form})


@require_GET
@staff_required(VIEW)
def daily_report(request: HttpRequest) -> HttpResponse:
    form = forms.DayForm(request.GET or {"dzien": timezone.localdate().isoformat()})
    day = form.cleaned_data["dzien"] if form.is_valid() else timezone.localdate()
    if request.GET.get("format") == "csv" and form.is_valid():
        response = HttpResponse(documents.daily_report_csv(request.municipality, day),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="wplywy-{day.isoformat()}.csv"'
        return response
    return render(request, "payments/staff/daily_report.html", {
        "form": form, "day": day, "rows": selectors.daily_receipts(request.municipality, day)})


@require_GET
@staff_required(VIEW)
def overpayments(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.overpayments(request.municipality), 50).get_page(
        request.GET.get("page"))
    return render(request, "payments/staff/overpayments.html", {"page": page})


@require_GET
@staff_required(VIEW)
def online_payments(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    return render(request, "payments/staff/payments.html", {
        "page": Paginator(selectors.payments_list(municipality), 50).get_page(
            request.GET.get("page")),
        "events": selectors.gateway_events(municipality)[:100]})


@require_POST
@staff_required(MANAGE)
def sweep(request: HttpRequest) -> HttpResponse:
    counts = services.sweep_gmina(request.municipality)
    messages.success(request, _("Pending payments checked with the gateway: %(checked)s, "
                                "paid %(paid)s, closed %(closed)s.") % counts)
    return redirect("payments-staff:payments", request.municipality.slug)


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE)
def setup(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    account = selectors.collection_account(municipality)
    gateway = selectors.gateway_account(municipality)
    account_form = forms.CollectionAccountForm(
        request.POST if request.POST.get("action") == "account" else None,
        initial={"nrb_number": account.nrb, "virtual_prefix": account.virtual_prefix,
                 "notice_days": account.notice_days} if account else None)
    gateway_form = forms.GatewayForm(
        request.POST if request.POST.get("action") == "gateway" else None,
        initial={"base_url": gateway.base_url, "merchant_id": gateway.merchant_id,
                 "pos_id": gateway.pos_id, "is_active": gateway.is_active} if gateway else None)
    try:
        if request.method == "POST" and account_form.is_bound and account_form.is_valid():
            services.configure_collection_account(municipality, acting_user=request.user,
                                                  **account_form.cleaned_data)
            messages.success(request, _("The collection account is saved."))
            return redirect("payments-staff:setup", municipality.slug)
        if request.method == "POST" and gateway_form.is_bound and gateway_form.is_valid():
            services.configure_gateway(municipality, acting_user=request.user,
                                       **gateway_form.cleaned_data)
            messages.success(request, _("The gateway settings are saved."))
            return redirect("payments-staff:setup", municipality.slug)
    except services.PaymentsError as error:
        messages.error(request, error.message)
    return render(request, "payments/staff/setup.html", {
        "account": account, "gateway": gateway, "account_form": account_form,
        "gateway_form": gateway_form, "kinds": selectors.kinds(municipality),
        "kind_form": forms.KindForm()})


@require_POST
@staff_required(MANAGE)
def kind_save(request: HttpRequest) -> HttpResponse:
    form = forms.KindForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        kind = selectors.kind_codes(request.municipality).get(data["code"])
        try:
            services.save_kind(request.municipality, acting_user=request.user, kind=kind,
                               **data)
            messages.success(request, _("The kind of obligation is saved."))
        except services.PaymentsError as error:
            messages.error(request, error.message)
    else:
        _errors(request, form)
    return redirect("payments-staff:setup", request.municipality.slug)
