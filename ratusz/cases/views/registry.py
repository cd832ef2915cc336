"""The registry desk and the inbox: registering, assigning (dekretacja) and annulling
incoming items, opening cases from them, and the automatic routing rules."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.cases import forms, selectors, services
from ratusz.cases.views.common import (
    entry_or_404,
    form_errors_to_messages,
    may_open_cases,
)
from ratusz.core.idempotency import IdempotencyConflict, caller_of, fingerprint, scoped_key
from ratusz.core.selectors import list_departments


@staff_required(Permission.VIEW_WORKSPACE)
def inbox(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    user = request.user
    return render(request, "cases/inbox.html", {
        "entries": selectors.inbox_entries(user, municipality)[:100],
        "my_cases": selectors.my_open_cases(user, municipality)[:100],
        "queue": selectors.department_queue(user, municipality)[:100],
        "awaiting_me": selectors.letters_awaiting_approval_by(user, municipality),
        "today": timezone.localdate(),
    })


@require_http_methods(["GET", "POST"])
@staff_required(Permission.REGISTER_CORRESPONDENCE)
def incoming_new(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    form = forms.IncomingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sender = services.SenderData(
            kind=data["sender_kind"], organisation_name=data["organisation_name"],
            first_name=data["first_name"], last_name=data["last_name"], city=data["city"],
            postal_code=data["postal_code"], street=data["street"], building=data["building"],
            flat=data["flat"])
        unit = selectors.default_unit(request.user, municipality)
        try:
            entry, created = services.register_incoming(
                unit, acting_user=request.user, title=data["title"], senders=[sender],
                received_on=data["received_on"], channel=data["channel"],
                letter_date=data["letter_date"], posted_on=data["posted_on"],
                sender_reference=data["sender_reference"],
                attachments_count=data["attachments_count"],
                access_level=data["access_level"], remarks=data["remarks"],
                is_unopened=data["is_unopened"], unopened_reason=data["unopened_reason"],
                idempotency_key=scoped_key(caller_of(request), f"form:{data['form_token']}"),
                fingerprint=_form_fingerprint(data),
            )
        except IdempotencyConflict:
            # The page was sent before with other data (back, edit, send again): say so,
            # and let a second send register it as a new item.
            form = form.with_new_token()
            form.add_error(None, _("This form was already sent with other data. To register "
                                   "this item as a new one, send the form again."))
        except services.EzdError as error:
            form.add_error(None, error.message)
        else:
            problems = []
            if created:
                for upload in data["scans"]:
                    try:
                        services.add_incoming_file(entry, acting_user=request.user,
                                                   name=upload.name, data=upload.read())
                    except Exception as error:  # UploadRejected or EzdError
                        problems.append(f"{upload.name}: {getattr(error, 'message', error)}")
            for problem in problems:
                messages.error(request, _("File not attached – %(problem)s")
                               % {"problem": problem})
            if created:
                messages.success(request, _("Registered as %(number)s.")
                                 % {"number": entry.number})
            else:
                messages.info(request, _("This form was already sent: it is %(number)s.")
                              % {"number": entry.number})
            if "save_and_next" in request.POST:
                return redirect("ezd:incoming-new", municipality.slug)
            return redirect("ezd:incoming-detail", municipality.slug, entry.pk)
    return render(request, "cases/incoming_form.html", {"form": form},
                  status=400 if form.errors else 200)


def _form_fingerprint(data: dict) -> str:
    """The digest of what the registry form sent (the files by name and size)."""
    fields = {name: value for name, value in data.items() if name not in ("form_token",
                                                                            "scans")}
    fields["scans"] = [(upload.name, upload.size) for upload in data["scans"]]
    return fingerprint(fields)


@staff_required(Permission.VIEW_REGISTERS)
def incoming_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    return _incoming_page(request, entry_or_404(request, entry_id))


def _incoming_page(request: HttpRequest, entry, case_form=None) -> HttpResponse:
    """The item's page; `case_form`: the open-a-case form sent back with its errors."""
    municipality = request.municipality
    departments = list_departments(municipality)
    staff = selectors.active_staff(municipality)
    leading = selectors.leading_department_id(entry)
    if case_form is None:
        handles = has_permission(request.user, municipality, Permission.HANDLE_CASES)
        case_form = open_case_form(request, entry, initial={
            "title": services.shown_text(entry.title), "department": leading,
            "handler": request.user.pk if handles else None})
    return render(request, "cases/incoming_detail.html", {
        "entry": entry,
        "assignments": selectors.entry_assignments(entry),
        "files": selectors.entry_files(entry),
        "cases": selectors.entry_cases(entry),
        "assign_form": forms.AssignForm(departments=departments, staff=staff, prefix="assign"),
        "annul_form": forms.AnnulForm(),
        "case_form": case_form,
        "can_assign": has_permission(request.user, municipality, Permission.ASSIGN_CASES),
        "can_register": has_permission(request.user, municipality,
                                       Permission.REGISTER_CORRESPONDENCE),
        "can_open": may_open_cases(request),
    }, status=400 if case_form.errors else 200)


def open_case_form(request, entry=None, data=None, initial=None) -> forms.OpenCaseForm:
    """The form to open a case (from an item: in its unit, the item's department's most
    used classes first; else in the person's unit, their departments' first)."""
    municipality = request.municipality
    unit = entry.unit if entry else selectors.default_unit(request.user, municipality)
    department_ids = selectors.department_ids_of(request.user, municipality)
    if entry is not None and selectors.leading_department_id(entry):
        department_ids = {selectors.leading_department_id(entry)}
    return forms.OpenCaseForm(
        data, initial=initial, departments=list_departments(municipality),
        classes=selectors.final_classes(unit), staff=selectors.active_staff(municipality),
        favourites=selectors.most_used_classes(unit, department_ids),
        prefix="case" if entry is not None else None)


@require_POST
@staff_required(Permission.ASSIGN_CASES)
def incoming_assign(request: HttpRequest, entry_id: int) -> HttpResponse:
    municipality = request.municipality
    entry = entry_or_404(request, entry_id)
    form = forms.AssignForm(request.POST, departments=list_departments(municipality),
                            staff=selectors.active_staff(municipality), prefix="assign")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.assign_entry(entry, acting_user=request.user,
                                  to_department=data["department"], to_user=data["user"],
                                  instructions=data["instructions"], due_date=data["due_date"],
                                  co_departments=list(data["co_departments"]))
        except services.EzdError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Assigned."))
    else:
        form_errors_to_messages(request, form)
    return redirect("ezd:incoming-detail", municipality.slug, entry.pk)


@require_POST
@staff_required(Permission.REGISTER_CORRESPONDENCE)
def incoming_annul(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = entry_or_404(request, entry_id)
    form = forms.AnnulForm(request.POST)
    if form.is_valid():
        try:
            services.annul_incoming(entry, acting_user=request.user,
                                    reason=form.cleaned_data["reason"])
        except services.EzdError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The entry was annulled."))
    else:
        messages.error(request, _("Give the reason for annulment."))
    return redirect("ezd:incoming-detail", request.municipality.slug, entry.pk)


@require_POST
@staff_required(Permission.HANDLE_CASES, Permission.REGISTER_CORRESPONDENCE)
def incoming_open_case(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = entry_or_404(request, entry_id)
    return open_case_from_form(request, entry)


def open_case_from_form(request, entry=None):
    """Open a case from the posted form (of an incoming item's page, or the new-case page)."""
    municipality = request.municipality
    form = open_case_form(request, entry, data=request.POST)
    if form.is_valid():
        data = form.cleaned_data
        department = data["department"]
        if not has_permission(request.user, municipality, Permission.REGISTER_CORRESPONDENCE) \
                and department.pk not in selectors.department_ids_of(request.user, municipality) \
                and not selectors.sees_all_cases(request.user, municipality):
            form.add_error("department", _("You may open cases only in your departments."))
        else:
            try:
                case = services.open_case(
                    department.unit, acting_user=request.user, department=department,
                    jrwa_symbol=data["jrwa_class"].symbol, title=data["title"], incoming=entry,
                    handler=data["handler"], description=data["description"],
                    deadline=data["deadline"])
            except services.EzdError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Case %(mark)s opened.") % {"mark": case.mark})
                return redirect("ezd:case-detail", municipality.slug, case.pk)
    if entry is not None:
        return _incoming_page(request, entry, case_form=form)
    return render(request, "cases/case_form.html", {"form": form}, status=400)


# --- Routing rules ------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@staff_required(Permission.ASSIGN_CASES)
def routing_rules(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    unit = selectors.default_unit(request.user, municipality)
    form = forms.RoutingRuleForm(request.POST or None, departments=list_departments(municipality),
                                 staff=selectors.active_staff(municipality))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.create_routing_rule(unit, acting_user=request.user, **{
                **data, "match_channel": data["match_channel"] or ""})
        except services.EzdError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Rule saved."))
            return redirect("ezd:routing-rules", municipality.slug)
    return render(request, "cases/routing_rules.html", {
        "rules": selectors.routing_rules(municipality),
        "form": form,
    }, status=400 if form.errors else 200)


@require_POST
@staff_required(Permission.ASSIGN_CASES)
def routing_rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = selectors.access_routing_rule_by_id(request.municipality, rule_id)
    if rule is None:
        raise Http404
    services.set_routing_rule_active(rule, acting_user=request.user,
                                     is_active=not rule.is_active)
    return redirect("ezd:routing-rules", request.municipality.slug)
