"""Cases: the list (with search), a new case, the case page and the actions on a case."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.cases import forms, search, selectors, services
from ratusz.cases.models import CaseStatus, LetterStatus
from ratusz.cases.views.common import (
    CappedPaginator,
    case_action,
    case_or_404,
    form_errors_to_messages,
)
from ratusz.cases.views.registry import open_case_form, open_case_from_form
from ratusz.core.selectors import list_departments
from ratusz.core.services import record_personal_data_access


@staff_required(Permission.VIEW_WORKSPACE)
def case_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    query = request.GET.get("q", "").strip()
    if query:
        cases = search.search_cases(request.user, municipality, query)
    else:
        cases = selectors.visible_cases(request.user, municipality).order_by("-opened_at",
                                                                              "-id")
    status = request.GET.get("status", "")
    department = request.GET.get("department", "")
    cases = selectors.narrow_cases(
        cases, status=status if status in CaseStatus.values else "",
        open_only=status == "open",
        department_id=int(department) if department.isdigit() else None,
        overdue=bool(request.GET.get("overdue")))
    page = CappedPaginator(cases.select_related("department", "handler"), 50).get_page(
        request.GET.get("page"))
    return render(request, "cases/case_list.html", {
        "page": page, "query": query, "status": status, "department": department,
        "departments": list_departments(municipality), "statuses": CaseStatus.choices,
        "today": timezone.localdate(), "overdue": bool(request.GET.get("overdue")),
    })


@require_http_methods(["GET", "POST"])
@staff_required(Permission.HANDLE_CASES, Permission.REGISTER_CORRESPONDENCE)
def case_new(request: HttpRequest) -> HttpResponse:
    """A case on the office's own initiative: the case officer's, and the registry
    clerk's who opens it for a department (without naming themselves its handler)."""
    if request.method == "POST":
        return open_case_from_form(request)
    handles = has_permission(request.user, request.municipality, Permission.HANDLE_CASES)
    departments = selectors.department_ids_of(request.user, request.municipality)
    form = open_case_form(request, initial={
        "handler": request.user.pk if handles else None,
        "department": next(iter(departments), None) if len(departments) == 1 else None})
    return render(request, "cases/case_form.html", {"form": form})


@staff_required(Permission.VIEW_WORKSPACE)
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    municipality = request.municipality
    case = case_or_404(request, case_id)
    letters = selectors.case_letters(case)
    for letter in letters:
        step = selectors.pending_step(letter) \
            if letter.status == LetterStatus.AWAITING_APPROVAL else None
        letter.my_turn = step is not None and step.approver_id == request.user.pk
        letter.pending_approver = step.approver if step else None
    staff = selectors.active_staff(municipality)
    parties = selectors.case_parties(case)
    links_out, links_in = selectors.case_links(case)
    people = [party.display_name for party in parties if party.kind == "person"]
    if people:
        record_personal_data_access(
            municipality=municipality, staff=request.user, context="case_parties",
            subject_label=f"{case.mark}: " + ", ".join(people),
            fields=["name", "address"], path=request.path)
    return render(request, "cases/case_detail.html", {
        "case": case,
        "can_handle": selectors.can_handle(request.user, case),
        "record": selectors.case_record(case),
        "documents": selectors.case_documents(case),
        "letters": letters,
        "parties": parties,
        "links_out": links_out,
        "links_in": links_in,
        "status_form": forms.StatusForm(),
        "handler_form": forms.HandlerForm(staff=staff, initial={"handler": case.handler_id}),
        "note_form": forms.NoteForm(),
        "document_form": forms.DocumentForm(),
        "approval_form": forms.ApprovalRequestForm(
            approvers=selectors.approvers(municipality),
            initial={"step_1": getattr(selectors.default_approver(case), "pk", None)}),
        "decision_form": forms.DecisionForm(),
        "close_form": forms.CloseForm(),
        "reopen_form": forms.ReasonForm(),
        "transfer_form": forms.TransferForm(departments=list_departments(municipality).exclude(
            pk=case.department_id)),
        "link_form": forms.LinkCaseForm(prefix="link"),
        "party_form": forms.PartyForm(prefix="party"),
        "today": timezone.localdate(),
    })


@case_action
def case_status(request, case):
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        services.change_status(case, acting_user=request.user,
                               status=form.cleaned_data["status"], note=form.cleaned_data["note"])
        messages.success(request, _("Status changed."))
    else:
        form_errors_to_messages(request, form)


@case_action
def case_handler(request, case):
    form = forms.HandlerForm(request.POST, staff=selectors.active_staff(request.municipality))
    if form.is_valid():
        services.assign_case(case, acting_user=request.user,
                             handler=form.cleaned_data["handler"])
        messages.success(request, _("Case handler changed."))
    else:
        form_errors_to_messages(request, form)


@case_action
def case_note(request, case):
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        services.add_note(case, acting_user=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Note added to the case record."))
    else:
        form_errors_to_messages(request, form)


@case_action
def case_document(request, case):
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.add_document(case, acting_user=request.user,
                                  title=form.cleaned_data["title"],
                                  kind=form.cleaned_data["kind"], name=upload.name,
                                  data=upload.read())
        except services.UploadRejected as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Document added."))
    else:
        form_errors_to_messages(request, form)


@case_action
def case_close(request, case):
    form = forms.CloseForm(request.POST)
    if form.is_valid():
        services.close_case(case, acting_user=request.user,
                            settled_on=form.cleaned_data["settled_on"],
                            note=form.cleaned_data["note"])
        messages.success(request, _("Case closed."))
    else:
        form_errors_to_messages(request, form)


@case_action
def case_reopen(request, case):
    form = forms.ReasonForm(request.POST)
    if form.is_valid():
        new_case = services.reopen_case(case, acting_user=request.user,
                                        reason=form.cleaned_data["reason"])
        messages.success(request, _("Case reopened as %(mark)s.") % {"mark": new_case.mark})
        return redirect("ezd:case-detail", request.municipality.slug, new_case.pk)
    form_errors_to_messages(request, form)


@case_action
def case_transfer(request, case):
    form = forms.TransferForm(request.POST, departments=list_departments(request.municipality))
    if form.is_valid():
        new_case = services.transfer_case(case, acting_user=request.user,
                                          to_department=form.cleaned_data["department"],
                                          reason=form.cleaned_data["reason"])
        messages.success(request, _("Case transferred as %(mark)s.") % {"mark": new_case.mark})
        return redirect("ezd:case-detail", request.municipality.slug, new_case.pk)
    form_errors_to_messages(request, form)


@case_action
def case_link(request, case):
    form = forms.LinkCaseForm(request.POST, prefix="link")
    if form.is_valid():
        other = selectors.visible_case_by_mark(request.user, request.municipality,
                                               form.cleaned_data["mark"])
        if other is None:
            messages.error(request, _("No case with this mark that you may see."))
        else:
            services.link_cases(case, other, acting_user=request.user)
            messages.success(request, _("Cases linked."))
    else:
        form_errors_to_messages(request, form)


@case_action
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
        form_errors_to_messages(request, form)
