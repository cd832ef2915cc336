"""The EZD workspace: the registry desk, the inbox, the case list and the case view."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission, list_staff
from ratusz.cases import forms, selectors, services
from ratusz.cases.models import (
    Assignment,
    CaseStatus,
    DocumentVersion,
    JrwaClass,
    LetterStatus,
    OutgoingLetter,
)
from ratusz.core.selectors import list_departments


def _upload_error(error) -> str:
    return getattr(error, "message", str(error))


def _staff(municipality):
    return list_staff(municipality).filter(is_active=True)


def _final_classes(unit):
    return JrwaClass.objects.for_municipality(unit.municipality_id).filter(
        version__unit=unit, version__is_current=True, is_final=True).order_by("symbol")


def _approvers(municipality):
    return [user for user in _staff(municipality)
            if has_permission(user, municipality, Permission.APPROVE)]


class CappedPaginator(Paginator):
    """Counts at most `selectors.COUNT_CAP` rows; pages beyond stay reachable by number."""

    @property
    def count(self) -> int:
        if not hasattr(self, "_capped"):
            self._capped = selectors.capped_count(self.object_list)
        return self._capped[0]

    @property
    def is_capped(self) -> bool:
        self.count  # noqa: B018 - fills the cache
        return self._capped[1]


# --- Inbox ------------------------------------------------------------------------------

@staff_required(Permission.VIEW_WORKSPACE)
def inbox(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    user = request.user
    visible = selectors.visible_cases(user, municipality).select_related("department",
                                                                          "handler")
    open_statuses = [s for s in CaseStatus.values if s != CaseStatus.CLOSED]
    department_ids = selectors.department_ids_of(user, municipality)
    awaiting_me = (OutgoingLetter.objects.for_municipality(municipality)
                   .filter(status=LetterStatus.AWAITING_APPROVAL,
                           steps__approver=user, steps__decision="pending")
                   .select_related("case").distinct())
    awaiting_me = [letter for letter in awaiting_me
                   if services.pending_step(letter).approver_id == user.pk]
    return render(request, "cases/inbox.html", {
        "entries": selectors.inbox_entries(user, municipality)[:100],
        "my_cases": visible.filter(handler=user, status__in=open_statuses).order_by(
            "deadline")[:100],
        "queue": visible.filter(department_id__in=department_ids, status__in=open_statuses,
                                ).exclude(handler=user).order_by("deadline")[:100],
        "awaiting_me": awaiting_me,
        "today": timezone.localdate(),
    })


# --- The registry desk --------------------------------------------------------------------

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
                idempotency_key=f"form:{data['form_token']}",
            )
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
                        problems.append(f"{upload.name}: {_upload_error(error)}")
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


def _entry_or_404(request, entry_id):
    entry = selectors.access_incoming_by_id(request.municipality, entry_id)
    if entry is None:
        raise Http404
    return entry


@staff_required(Permission.VIEW_REGISTERS)
def incoming_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    municipality = request.municipality
    entry = _entry_or_404(request, entry_id)
    departments = list_departments(municipality)
    unit = entry.unit
    return render(request, "cases/incoming_detail.html", {
        "entry": entry,
        "assignments": Assignment.objects.filter(entry=entry).select_related(
            "to_department", "to_user", "assigned_by").order_by("created_at"),
        "files": entry.documents.prefetch_related("versions"),
        "cases": entry.cases.all(),
        "assign_form": forms.AssignForm(departments=departments, staff=_staff(municipality),
                                        prefix="assign"),
        "annul_form": forms.AnnulForm(),
        "case_form": forms.OpenCaseForm(
            initial={"title": entry.title, "department": _leading_department(entry)},
            departments=departments, classes=_final_classes(unit), staff=_staff(municipality),
            prefix="case"),
        "can_assign": has_permission(request.user, municipality, Permission.ASSIGN_CASES),
        "can_register": has_permission(request.user, municipality,
                                       Permission.REGISTER_CORRESPONDENCE),
        "can_open": _may_open_cases(request),
    })


def _leading_department(entry):
    current = entry.assignments.filter(is_current=True, is_leading=True).first()
    return current.to_department_id if current else None


def _may_open_cases(request) -> bool:
    return any(has_permission(request.user, request.municipality, permission)
               for permission in (Permission.HANDLE_CASES, Permission.REGISTER_CORRESPONDENCE))


@require_POST
@staff_required(Permission.ASSIGN_CASES)
def incoming_assign(request: HttpRequest, entry_id: int) -> HttpResponse:
    municipality = request.municipality
    entry = _entry_or_404(request, entry_id)
    form = forms.AssignForm(request.POST, departments=list_departments(municipality),
                            staff=_staff(municipality), prefix="assign")
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
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("ezd:incoming-detail", municipality.slug, entry.pk)


@require_POST
@staff_required(Permission.REGISTER_CORRESPONDENCE)
def incoming_annul(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry_or_404(request, entry_id)
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
@staff_required(Permission.VIEW_WORKSPACE)
def incoming_open_case(request: HttpRequest, entry_id: int) -> HttpResponse:
    if not _may_open_cases(request):
        raise Http404
    entry = _entry_or_404(request, entry_id)
    return _open_case_from_form(request, entry)


def _open_case_from_form(request, entry=None):
    municipality = request.municipality
    departments = list_departments(municipality)
    unit = entry.unit if entry else selectors.default_unit(request.user, municipality)
    form = forms.OpenCaseForm(request.POST, departments=departments,
                              classes=_final_classes(unit), staff=_staff(municipality),
                              prefix="case" if entry is not None else None)
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
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("ezd:incoming-detail", municipality.slug, entry.pk)
    return render(request, "cases/case_form.html", {"form": form}, status=400)


# --- Cases --------------------------------------------------------------------------------

@staff_required(Permission.VIEW_WORKSPACE)
def case_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    query = request.GET.get("q", "").strip()
    if query:
        from ratusz.cases import search

        cases = search.search_cases(request.user, municipality, query)
    else:
        cases = selectors.visible_cases(request.user, municipality).order_by("-opened_at",
                                                                              "-id")
    status = request.GET.get("status", "")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    elif status == "open":
        cases = cases.exclude(status=CaseStatus.CLOSED)
    department = request.GET.get("department", "")
    if department.isdigit():
        cases = cases.filter(department_id=int(department))
    if request.GET.get("overdue"):
        cases = cases.filter(services.overdue_filter())
    page = CappedPaginator(cases.select_related("department", "handler"), 50).get_page(
        request.GET.get("page"))
    return render(request, "cases/case_list.html", {
        "page": page, "query": query, "status": status, "department": department,
        "departments": list_departments(municipality), "statuses": CaseStatus.choices,
        "today": timezone.localdate(), "overdue": bool(request.GET.get("overdue")),
    })


@require_http_methods(["GET", "POST"])
@staff_required(Permission.HANDLE_CASES)
def case_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _open_case_from_form(request)
    municipality = request.municipality
    unit = selectors.default_unit(request.user, municipality)
    form = forms.OpenCaseForm(departments=list_departments(municipality),
                              classes=_final_classes(unit), staff=_staff(municipality),
                              initial={"handler": request.user.pk})
    return render(request, "cases/case_form.html", {"form": form})


def _case_or_404(request, case_id):
    case = selectors.access_case_by_id(request.user, request.municipality, case_id)
    if case is None:
        raise Http404
    return case


@staff_required(Permission.VIEW_WORKSPACE)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    municipality = request.municipality
    case = _case_or_404(request, case_id)
    can_handle = selectors.can_handle(request.user, case)
    letters = list(case.letters.prefetch_related("steps__approver").order_by("created_at"))
    for letter in letters:
        step = services.pending_step(letter) if letter.status == LetterStatus.AWAITING_APPROVAL \
            else None
        letter.my_turn = step is not None and step.approver_id == request.user.pk
        letter.pending_approver = step.approver if step else None
    staff = _staff(municipality)
    parties = list(case.parties.all())
    people = [party.display_name for party in parties if party.kind == "person"]
    if people:
        from ratusz.core.services import record_personal_data_access

        record_personal_data_access(
            municipality=municipality, staff=request.user, context="case_parties",
            subject_label=f"{case.mark}: " + ", ".join(people),
            fields=["name", "address"], path=request.path)
    return render(request, "cases/case_detail.html", {
        "case": case,
        "can_handle": can_handle,
        "record": selectors.case_record(case),
        "documents": case.documents.prefetch_related("versions").order_by("created_at"),
        "letters": letters,
        "parties": parties,
        "links_out": case.links_out.select_related("to_case"),
        "links_in": case.links_in.select_related("from_case"),
        "status_form": forms.StatusForm(),
        "handler_form": forms.HandlerForm(staff=staff, initial={"handler": case.handler_id}),
        "note_form": forms.NoteForm(),
        "document_form": forms.DocumentForm(),
        "approval_form": forms.ApprovalRequestForm(approvers=staff.filter(
            pk__in=[u.pk for u in _approvers(municipality)])),
        "decision_form": forms.DecisionForm(),
        "close_form": forms.CloseForm(),
        "reopen_form": forms.ReasonForm(),
        "transfer_form": forms.TransferForm(departments=list_departments(municipality).exclude(
            pk=case.department_id)),
        "link_form": forms.LinkCaseForm(prefix="link"),
        "party_form": forms.PartyForm(prefix="party"),
        "today": timezone.localdate(),
    })


def _case_action(view):
    """POST-only action on a case the user may handle; errors become messages."""
    from functools import wraps

    @require_POST
    @staff_required(Permission.HANDLE_CASES)
    @wraps(view)
    def wrapper(request, case_id, *args, **kwargs):
        case = _case_or_404(request, case_id)
        if not selectors.can_handle(request.user, case):
            raise Http404
        try:
            result = view(request, case, *args, **kwargs)
        except services.EzdError as error:
            messages.error(request, error.message)
            result = None
        if result is not None:
            return result
        return redirect("ezd:case-detail", request.municipality.slug, case.pk)

    return wrapper


def _form_errors_to_messages(request, form):
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@_case_action
def case_status(request, case):
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        services.change_status(case, acting_user=request.user,
                               status=form.cleaned_data["status"], note=form.cleaned_data["note"])
        messages.success(request, _("Status changed."))
    else:
        _form_errors_to_messages(request, form)


@_case_action
def case_handler(request, case):
    form = forms.HandlerForm(request.POST, staff=_staff(request.municipality))
    if form.is_valid():
        services.assign_case(case, acting_user=request.user,
                             handler=form.cleaned_data["handler"])
        messages.success(request, _("Case handler changed."))
    else:
        _form_errors_to_messages(request, form)


@_case_action
def case_note(request, case):
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        services.add_note(case, acting_user=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Note added to the case record."))
    else:
        _form_errors_to_messages(request, form)


@_case_action
def case_document(request, case):
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        from ratusz.cases.documents import UploadRejected

        try:
            services.add_document(case, acting_user=request.user,
                                  title=form.cleaned_data["title"],
                                  kind=form.cleaned_data["kind"], name=upload.name,
                                  data=upload.read())
        except UploadRejected as error:
            messages.error(request, _upload_error(error))
        else:
            messages.success(request, _("Document added."))
    else:
        _form_errors_to_messages(request, form)


@_case_action
def case_close(request, case):
    form = forms.CloseForm(request.POST)
    if form.is_valid():
        services.close_case(case, acting_user=request.user,
                            settled_on=form.cleaned_data["settled_on"],
                            note=form.cleaned_data["note"])
        messages.success(request, _("Case closed."))
    else:
        _form_errors_to_messages(request, form)


@_case_action
def case_reopen(request, case):
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        new_case = services.reopen_case(case, acting_user=request.user,
                                        reason=form.cleaned_data["reason"])
        messages.success(request, _("Case reopened as %(mark)s.") % {"mark": new_case.mark})
        return redirect("ezd:case-detail", request.municipality.slug, new_case.pk)
    _form_errors_to_messages(request, form)


@_case_action
def case_transfer(request, case):
    form = forms.TransferForm(request.POST, departments=list_departments(request.municipality))
    if form.is_valid():
        new_case = services.transfer_case(case, acting_user=request.user,
                                          to_department=form.cleaned_data["department"],
                                          reason=form.cleaned_data["reason"])
        messages.success(request, _("Case transferred as %(mark)s.") % {"mark": new_case.mark})
        return redirect("ezd:case-detail", request.municipality.slug, new_case.pk)
    _form_errors_to_messages(request, form)


@_case_action
def case_link(request, case):
    form = forms.LinkCaseForm(request.POST, prefix="link")
    if form.is_valid():
        other = selectors.visible_cases(request.user, request.municipality).filter(
            mark=form.cleaned_data["mark"].strip()).first()
        if other is None:
            messages.error(request, _("No case with this mark that you may see."))
        else:
            services.link_cases(case, other, acting_user=request.user)
            messages.success(request, _("Cases linked."))
    else:
        _form_errors_to_messages(request, form)


@_case_action
def case_party(request, case):
    form = forms.PartyForm(request.POST, prefix="party")
    if form.is_valid():
        data = form.cleaned_data
        services.add_party(case, acting_user=request.user, party=services.PartyData(
            kind=data["kind"], first_name=data["first_name"], last_name=data["last_name"],
            organisation_name=data["organisation_name"], postal_code=data["postal_code"],
            city=data["city"], street=data["street"], building=data["building"],
            role=data["role"] or "strona"))
        messages.success(request, _("Party added."))
    else:
        _form_errors_to_messages(request, form)


# --- Routing rules ------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@staff_required(Permission.ASSIGN_CASES)
def routing_rules(request: HttpRequest) -> HttpResponse:
    from ratusz.cases.models import RoutingRule

    municipality = request.municipality
    unit = selectors.default_unit(request.user, municipality)
    form = forms.RoutingRuleForm(request.POST or None, departments=list_departments(municipality),
                                 staff=_staff(municipality))
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
        "rules": RoutingRule.objects.for_municipality(municipality).select_related(
            "to_department", "to_user", "unit").order_by("-is_active", "priority", "id"),
        "form": form,
    }, status=400 if form.errors else 200)


@require_POST
@staff_required(Permission.ASSIGN_CASES)
def routing_rule_toggle(request: HttpRequest, rule_id: int) -> HttpResponse:
    from ratusz.cases.models import RoutingRule

    rule = RoutingRule.objects.for_municipality(request.municipality).filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    services.set_routing_rule_active(rule, acting_user=request.user,
                                     is_active=not rule.is_active)
    return redirect("ezd:routing-rules", request.municipality.slug)


# --- Letters ------------------------------------------------------------------------------

def _letter_or_404(case, letter_id):
    letter = case.letters.filter(pk=letter_id).first()
    if letter is None:
        raise Http404
    return letter


@require_http_methods(["GET", "POST"])
@staff_required(Permission.HANDLE_CASES)
def letter_edit(request: HttpRequest, case_id: int, letter_id: int | None = None
                ) -> HttpResponse:
    municipality = request.municipality
    case = _case_or_404(request, case_id)
    if not selectors.can_handle(request.user, case):
        raise Http404
    letter = _letter_or_404(case, letter_id) if letter_id else None
    from ratusz.cases import letters as letter_templates

    template_key = request.GET.get("template", "reply")
    if letter is not None:
        initial = {name: getattr(letter, name) for name in services.LETTER_FIELDS}
    else:
        party = case.parties.first()
        address = " ".join(filter(None, [party.street, party.building])) if party else ""
        if party and party.flat:
            address += f"/{party.flat}"
        subject, body = letter_templates.fill_template(
            template_key if template_key in letter_templates.LETTER_TEMPLATES else "reply",
            case_mark=case.mark, addressee_name=party.display_name if party else "",
            municipality_name=municipality.official_name)
        initial = {"subject": subject, "body": body,
                   "addressee_name": party.display_name if party else "",
                   "addressee_address": address,
                   "addressee_city": f"{party.postal_code} {party.city}".strip() if party
                   else ""}
    form = forms.LetterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if letter is None:
                services.draft_letter(case, acting_user=request.user, template=template_key,
                                      **form.cleaned_data)
            else:
                services.update_letter(letter, acting_user=request.user, **form.cleaned_data)
        except services.EzdError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Letter saved."))
            return redirect("ezd:case-detail", municipality.slug, case.pk)
    return render(request, "cases/letter_form.html", {
        "form": form, "case": case, "letter": letter,
        "templates": letter_templates.LETTER_TEMPLATES, "template_key": template_key,
    }, status=400 if form.errors else 200)


@_case_action
def letter_request_approval(request, case, letter_id):
    letter = _letter_or_404(case, letter_id)
    form = forms.ApprovalRequestForm(request.POST, approvers=_staff(request.municipality))
    if form.is_valid():
        services.request_approval(letter, acting_user=request.user, approvers=form.approvers())
        messages.success(request, _("Sent for approval."))
    else:
        _form_errors_to_messages(request, form)


@require_POST
@staff_required(Permission.APPROVE)
def letter_decide(request: HttpRequest, case_id: int, letter_id: int) -> HttpResponse:
    case = _case_or_404(request, case_id)
    letter = _letter_or_404(case, letter_id)
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    try:
        services.decide_approval(letter, acting_user=request.user,
                                 approve="approve" in request.POST,
                                 comment=form.cleaned_data.get("comment", ""))
    except services.EzdError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("ezd:case-detail", request.municipality.slug, case.pk)


@_case_action
def letter_seal(request, case, letter_id):
    services.seal_letter(_letter_or_404(case, letter_id), acting_user=request.user)
    messages.success(request, _("The letter was sealed."))


@_case_action
def letter_send(request, case, letter_id):
    entry = services.send_letter(_letter_or_404(case, letter_id), acting_user=request.user)
    messages.success(request, _("Sent and registered as %(number)s.") % {"number": entry.number})


# --- Files and printouts -----------------------------------------------------------------

def _version_or_404(request, version_id):
    """A document version this person may open: of a case they see, or of a registered
    item they registered or that was assigned to them."""
    municipality = request.municipality
    version = (DocumentVersion.objects.for_municipality(municipality)
               .select_related("document", "document__case").filter(pk=version_id).first())
    if version is None:
        raise Http404
    document = version.document
    allowed = False
    if document.case_id and selectors.access_case_by_id(request.user, municipality,
                                                        document.case_id):
        allowed = True
    elif document.incoming_id:
        allowed = has_permission(request.user, municipality,
                                 Permission.REGISTER_CORRESPONDENCE) or \
            selectors.inbox_entries(request.user, municipality).filter(
                pk=document.incoming_id).exists()
    if not allowed:
        raise Http404
    return version


@staff_required(Permission.VIEW_WORKSPACE)
def document_download(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version_or_404(request, version_id)
    document = version.document
    if document.case_id and document.case.disposed_at is not None:
        return HttpResponse(_("The file was disposed of (brakowanie); its metadata and the "
                              "case record remain."), status=410, content_type="text/plain")
    try:
        handle = version.file.open("rb")
    except (FileNotFoundError, ValueError):
        return HttpResponse(_("The file is no longer stored."), status=410,
                            content_type="text/plain")
    response = FileResponse(handle, content_type=version.content_type,
                            as_attachment=request.GET.get("inline") != "1",
                            filename=version.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required(Permission.VIEW_WORKSPACE)
def document_preview(request: HttpRequest, version_id: int) -> HttpResponse:
    """The small PNG of the first page, made when the file was added (or, for files that
    arrived through a busy path such as e-service submissions, on this first view)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from ratusz.cases import documents

    version = _version_or_404(request, version_id)
    path = services.preview_path(version.file.name)
    if not default_storage.exists(path):
        with default_storage.open(version.file.name, "rb") as handle:
            preview = documents.make_preview(version.content_type, handle.read())
        if preview is None:
            raise Http404
        default_storage.save(path, ContentFile(preview))
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_required(Permission.VIEW_WORKSPACE)
def case_record_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    case = _case_or_404(request, case_id)
    html = render_to_string("cases/record_pdf.html", {
        "case": case, "record": selectors.case_record(case),
        "municipality": request.municipality, "printed_at": timezone.localtime(),
    })
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="metryka-{case.mark}.pdf"'
    return response
