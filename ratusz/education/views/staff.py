"""The education department's and the commissions' pages in the staff workspace: the
campaigns, their set-up and steps, the applications with their verification, the lists
of each institution (printable), justifications and appeals."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.education import forms, selectors, services
from ratusz.education.errors import EducationError
from ratusz.education.models import ApplicationStatus, CampaignKind, ListKind

VIEW = Permission.VIEW_EDUCATION
MANAGE = Permission.MANAGE_EDUCATION


def _campaign(request: HttpRequest, campaign_id: int):
    item = selectors.access_campaign_by_id(request.municipality, campaign_id)
    if item is None:
        raise Http404
    return item


def _scope(request: HttpRequest):
    return selectors.commission_scope(request.municipality, request.user)


def _department_only(request: HttpRequest) -> bool:
    """A commission (an officer of one institution) does not set up or run the campaign:
    the education department does. Says so and answers True when refused."""
    if _scope(request) is None:
        return False
    messages.error(request, _("Only the education department sets up and runs the "
                              "recruitment; a commission acts for its own institution."))
    return True


def _refused(request: HttpRequest, refusal: EducationError) -> None:
    messages.error(request, str(refusal.message))


def _form_errors(request: HttpRequest, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@staff_required(VIEW)
def campaigns(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    form = forms.CampaignForm(departments=selectors.departments(municipality))
    return render(request, "education/staff/campaigns.html", {
        "campaigns": selectors.campaigns(municipality), "form": form})


@staff_required(MANAGE)
@require_POST
def campaign_create(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    form = forms.CampaignForm(request.POST, departments=selectors.departments(municipality))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("education-staff:campaigns", municipality.slug)
    data = form.cleaned_data
    try:
        item = services.create_campaign(
            municipality, acting_user=request.user, year=data["year"], kind=data["kind"],
            name=data["name"], dates=form.dates(), max_preferences=data["max_preferences"],
            statutory_points=data["statutory_points"], timetable_act=data["timetable_act"],
            criteria_act=data["criteria_act"],
            appeals_department=selectors.access_department_by_id(
                municipality, data["appeals_department"]),
            appeals_jrwa_symbol=data["appeals_jrwa_symbol"])
    except EducationError as refusal:
        _refused(request, refusal)
        return redirect("education-staff:campaigns", municipality.slug)
    messages.success(request, _("The recruitment has been created."))
    return redirect("education-staff:campaign", municipality.slug, item.pk)


@staff_required(VIEW)
def campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The whole campaign: timetable, institutions with places and demand, criteria,
    counts by status, the steps, what waits for the commission."""
    municipality = request.municipality
    item = _campaign(request, campaign_id)
    offers = selectors.offers(item)
    scope = _scope(request)
    return render(request, "education/staff/campaign.html", {
        "is_department": scope is None,
        "campaign": item, "offers": offers, "criteria": selectors.criteria(item),
        "free": services.capacities(item, services.round_of(item)),
        "demand": selectors.offer_demand(item), "counts": selectors.status_counts(item),
        "statuses": ApplicationStatus.choices, "run": selectors.allocation(item),
        "justifications": selectors.pending_justifications(item),
        "appeals": selectors.pending_appeals(item),
        "offer_form": forms.OfferForm(units=selectors.education_units(municipality)),
        "criterion_form": forms.CriterionForm(),
        "continuation_form": forms.ContinuationForm(offers=[
            offer for offer in offers if selectors.in_scope(scope, offer.institution_id)]),
        "step_form": forms.StepForm()})


@staff_required(MANAGE)
@require_POST
def campaign_offer(request: HttpRequest, campaign_id: int) -> HttpResponse:
    municipality = request.municipality
    item = _campaign(request, campaign_id)
    if _department_only(request):
        return redirect("education-staff:campaign", municipality.slug, item.pk)
    form = forms.OfferForm(request.POST, units=selectors.education_units(municipality))
    if form.is_valid():
        unit = selectors.access_unit_by_id(municipality, form.cleaned_data["unit"])
        try:
            institution = services.ensure_institution(unit, acting_user=request.user,
                                                      kind=form.cleaned_data["kind"])
            services.add_offer(item, acting_user=request.user, institution=institution,
                               places=form.cleaned_data["places"],
                               groups=form.cleaned_data["groups"])
            messages.success(request, _("The institution takes part with its places."))
        except EducationError as refusal:
            _refused(request, refusal)
    else:
        _form_errors(request, form)
    return redirect("education-staff:campaign", municipality.slug, item.pk)


@staff_required(MANAGE)
@require_POST
def campaign_criterion(request: HttpRequest, campaign_id: int) -> HttpResponse:
    item = _campaign(request, campaign_id)
    if _department_only(request):
        return redirect("education-staff:campaign", request.municipality.slug, item.pk)
    form = forms.CriterionForm(request.POST)
    if form.is_valid():
        try:
            services.add_criterion(item, acting_user=request.user, **form.cleaned_data)
            messages.success(request, _("The criterion has been added."))
        except EducationError as refusal:
            _refused(request, refusal)
    else:
        _form_errors(request, form)
    return redirect("education-staff:campaign", request.municipality.slug, item.pk)


@staff_required(MANAGE)
@require_POST
def campaign_continuation(request: HttpRequest, campaign_id: int) -> HttpResponse:
    item = _campaign(request, campaign_id)
    scope = _scope(request)
    form = forms.ContinuationForm(request.POST, offers=[
        offer for offer in selectors.offers(item)
        if selectors.in_scope(scope, offer.institution_id)])
    if form.is_valid():
        data = form.cleaned_data
        offer = selectors.access_offer_by_id(item, data["offer"])
        try:
            services.record_continuation(
                item, acting_user=request.user, offer=offer, declared_on=data["declared_on"],
                child=services.ChildData(data["child_first_name"], data["child_last_name"],
                                         data["child_pesel"]))
            messages.success(request, _("The continuation declaration has been recorded."))
        except EducationError as refusal:
            _refused(request, refusal)
    else:
        _form_errors(request, form)
    return redirect("education-staff:campaign", request.municipality.slug, item.pk)


STEP_MESSAGES = {
    "open": gettext_lazy("The recruitment is open."),
    "lottery": gettext_lazy("The lottery has been drawn and its seed recorded."),
    "allocate": gettext_lazy("The allocation has run."),
    "publish_qualified": gettext_lazy("The lists of qualified candidates are published."),
    "publish_admitted": gettext_lazy("The lists of admitted candidates are published."),
    "supplementary": gettext_lazy("The supplementary round is open."),
    "close": gettext_lazy("The recruitment is closed."),
}


@staff_required(MANAGE)
@require_POST
def campaign_step(request: HttpRequest, campaign_id: int) -> HttpResponse:
    item = _campaign(request, campaign_id)
    form = forms.StepForm(request.POST)
    if not form.is_valid():
        raise Http404
    if _department_only(request):
        return redirect("education-staff:campaign", request.municipality.slug, item.pk)
    step, user = form.cleaned_data["step"], request.user
    posted_on = form.cleaned_data["posted_on"]
    try:
        if step == "open":
            services.open_campaign(item, acting_user=user)
        elif step == "lottery":
            services.draw_lottery(item, acting_user=user,
                                  witnesses=form.cleaned_data["witnesses"])
        elif step == "allocate":
            services.allocate_campaign(item, acting_user=user)
        elif step == "publish_qualified":
            services.publish_qualified_lists(item, acting_user=user, posted_on=posted_on)
        elif step == "publish_admitted":
            services.publish_admitted_lists(item, acting_user=user, posted_on=posted_on)
        elif step == "supplementary":
            services.open_supplementary_round(item, acting_user=user)
        else:
            services.close_campaign(item, acting_user=user)
        messages.success(request, STEP_MESSAGES[step])
    except EducationError as refusal:
        _refused(request, refusal)
    return redirect("education-staff:campaign", request.municipality.slug, item.pk)


@staff_required(VIEW)
def applications(request: HttpRequest, campaign_id: int) -> HttpResponse:
    item = _campaign(request, campaign_id)
    offer_id = request.GET.get("placowka", "")
    offer_id = int(offer_id) if offer_id.isdigit() and len(offer_id) < 12 else None
    status = request.GET.get("status", "")
    status = status if status in ApplicationStatus.values else ""
    scope = _scope(request)
    page = Paginator(selectors.campaign_applications(item, offer_id=offer_id, status=status,
                                                     scope=scope),
                     50).get_page(request.GET.get("strona"))
    return render(request, "education/staff/applications.html", {
        "campaign": item, "page": page, "offers": [
            offer for offer in selectors.offers(item)
            if selectors.in_scope(scope, offer.institution_id)],
        "offer_id": offer_id, "status": status, "statuses": ApplicationStatus.choices})


@staff_required(MANAGE)
@require_http_methods(["GET", "POST"])
def paper_application(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The commission enters a paper application with the day it came in; a commission
    of one institution enters those where it is the first choice."""
    municipality = request.municipality
    item = _campaign(request, campaign_id)
    scope = _scope(request)
    offers = selectors.offers(item)
    form = forms.PaperApplicationForm(
        request.POST or None, localities=selectors.localities(municipality),
        allow_registration=item.kind == CampaignKind.SCHOOL_FIRST_GRADE,
        initial={"is_resident": True})
    error = ""
    if request.method == "POST" and form.is_valid():
        data = forms.application_data(form, request.POST)
        institution_of = {offer.pk: offer.institution_id for offer in offers}
        if data.preferences and not selectors.in_scope(
                scope, institution_of.get(data.preferences[0])):
            error = _("A commission enters the applications where its institution is the "
                      "first choice.")
        else:
            try:
                application = services.submit_application(
                    item, data, guardian=None, acting_user=request.user,
                    uploads=forms.uploads(request.FILES),
                    received_on=form.cleaned_data["received_on"])
            except EducationError as refusal:
                error = str(refusal.message)
            else:
                messages.success(request, _("The paper application has been entered."))
                return redirect("education-staff:application", municipality.slug,
                                application.pk)
    return render(request, "education/staff/paper_application.html", {
        "campaign": item, "form": form, "offers": offers, "error": error,
        **forms.choices_context(item, selectors.criteria(item),
                                request.POST if request.method == "POST" else None)},
        status=422 if error or form.errors else 200)


@staff_required(VIEW)
def application(request: HttpRequest, application_id: int) -> HttpResponse:
    item = selectors.access_application_by_id(request.municipality, application_id,
                                              scope=_scope(request))
    if item is None:
        raise Http404
    return render(request, "education/staff/application.html", {
        "application": item, **selectors.application_details(item),
        "explanation": selectors.explanation(item), "decision_form": forms.DecisionForm()})


COMMISSION_ACTIONS = {"verify", "request_documents", "confirm", "justify", "decide"}


@staff_required(MANAGE)
@require_POST
def application_action(request: HttpRequest, application_id: int) -> HttpResponse:
    """The commission's and the director's acts on one application."""
    scope = _scope(request)
    item = selectors.access_application_by_id(request.municipality, application_id,
                                              scope=scope)
    action = request.POST.get("action", "")
    if item is None or action not in COMMISSION_ACTIONS:
        raise Http404
    details = selectors.application_details(item)
    user = request.user
    if not _acts_for(scope, item, action, details, request.POST):
        messages.error(request, _("This is for the commission (or the director) of another "
                                  "institution."))
        return redirect("education-staff:application", request.municipality.slug, item.pk)
    try:
        if action == "verify":
            confirmed = {d.pk for d in details["declared"]
                         if request.POST.get(f"confirm_{d.pk}") == "on"}
            services.verify_application(item, acting_user=user, confirmed=confirmed,
                                        is_resident=request.POST.get("is_resident") == "on",
                                        note=request.POST.get("note", ""))
            messages.success(request, _("The application has been verified."))
        elif action == "request_documents":
            services.request_documents(item, acting_user=user,
                                       note=request.POST.get("note", ""))
            messages.success(request, _("The parent has been asked for the documents."))
        elif action == "confirm":
            services.confirm_will(item, acting_user=user)
            messages.success(request, _("The confirmation of will has been recorded."))
        elif action == "justify":
            justification = {j.pk: j for j in details["justifications"]}.get(
                _number(request.POST.get("justification")))
            if justification is None:
                raise Http404
            services.give_justification(justification, acting_user=user,
                                        text=request.POST.get("text", ""))
            messages.success(request, _("The justification has been given."))
        else:
            appeal = {a.pk: a for a in details["appeals"]}.get(
                _number(request.POST.get("appeal")))
            form = forms.DecisionForm(request.POST)
            if appeal is None:
                raise Http404
            if not form.is_valid():
                _form_errors(request, form)
            else:
                services.decide_appeal(appeal, acting_user=user,
                                       upheld=form.cleaned_data["upheld"],
                                       reasoning=form.cleaned_data["reasoning"])
                messages.success(request, _("The director's decision has been recorded."))
    except EducationError as refusal:
        _refused(request, refusal)
    return redirect("education-staff:application", request.municipality.slug, item.pk)


def _acts_for(scope, item, action: str, details: dict, post) -> bool:
    """Whose act this is: the first choice's commission verifies and asks for documents;
    the commission where the child qualified records the confirmation; the commission
    (and the director) of the refusing institution answer the justification (and the
    appeal)."""
    if scope is None:
        return True
    if action in ("verify", "request_documents"):
        institution = selectors.first_choice(item)
    elif action == "confirm":
        institution = item.qualified_offer.institution_id if item.qualified_offer else None
    else:
        rows = details["justifications"] if action == "justify" else details["appeals"]
        key = "justification" if action == "justify" else "appeal"
        row = {r.pk: r for r in rows}.get(_number(post.get(key)))
        institution = row.offer.institution_id if row else None
    return selectors.in_scope(scope, institution)


def _number(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


@staff_required(VIEW)
@require_GET
def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    document = selectors.access_document(request.municipality, attachment_id,
                                         scope=_scope(request))
    if document is None or not default_storage.exists(document.file):
        raise Http404
    return FileResponse(default_storage.open(document.file, "rb"), as_attachment=True,
                        filename=document.name, content_type=document.content_type)


@staff_required(VIEW)
def institution_lists(request: HttpRequest, campaign_id: int, offer_id: int) -> HttpResponse:
    """An institution's posted lists, as the commission prints them for the notice board:
    names in alphabetical order, the result, the lowest points and the day of posting."""
    item = _campaign(request, campaign_id)
    offer = selectors.access_offer_by_id(item, offer_id)
    if offer is None or not selectors.in_scope(_scope(request), offer.institution_id):
        raise Http404
    lists = list(selectors.published_lists(item, offer))
    return render(request, "education/staff/lists.html", {
        "campaign": item, "offer": offer,
        "qualified": [lst for lst in lists if lst.kind == ListKind.QUALIFIED],
        "admitted": [lst for lst in lists if lst.kind == ListKind.ADMITTED]})
