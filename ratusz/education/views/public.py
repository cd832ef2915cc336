"""The parents' pages under /g/<slug>/edukacja/: the recruitments and their rules, the
application (a resident identified through login.gov.pl), and the parent's own
application with its status, explanation, confirmation of will and appeal."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ratusz.accounts import identity
from ratusz.accounts.access import resident_required
from ratusz.education import forms, selectors, services
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    ApplicationStatus,
    CampaignKind,
    CampaignStatus,
    CriterionStage,
)

APPLYING = (CampaignStatus.OPEN, CampaignStatus.SUPPLEMENTARY)


def recruitment(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    """The gmina's recruitments; a signed-in resident also sees what they filed."""
    municipality = request.municipality
    mine = None
    if request.user.is_authenticated and request.user.is_resident:
        mine = Paginator(selectors.resident_applications(municipality, request.user), 20
                         ).get_page(request.GET.get("strona"))
    return render(request, "education/recruitment.html", {
        "campaigns": selectors.public_campaigns(municipality), "mine": mine})


def campaign(request: HttpRequest, municipality_slug: str, campaign_id: int) -> HttpResponse:
    """The timetable, the institutions with their places, the criteria with their points
    and documents, and, once posted, the lowest points that admitted (no names: the lists
    with names are posted at the institutions, art. 158)."""
    item = selectors.access_public_campaign(request.municipality, campaign_id)
    if item is None:
        raise Http404
    criteria = selectors.criteria(item)
    return render(request, "education/campaign.html", {
        "campaign": item, "offers": selectors.offers(item),
        "free": services.capacities(item, services.round_of(item)),
        "statutory": [c for c in criteria if c.stage == CriterionStage.STATUTORY],
        "council": [c for c in criteria if c.stage == CriterionStage.COUNCIL],
        "lowest": selectors.lowest_admitted(item), "applying": item.status in APPLYING})


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, municipality_slug: str, campaign_id: int) -> HttpResponse:
    """The application form: only for a parent identified through login.gov.pl."""
    municipality = request.municipality
    item = selectors.access_public_campaign(municipality, campaign_id)
    if item is None:
        raise Http404
    if not identity.is_identified_session(request):
        return render(request, "education/sign_in_needed.html", {"campaign": item},
                      status=403 if request.user.is_authenticated else 200)
    if item.status not in APPLYING:
        messages.error(request, _("Applications to this recruitment are not accepted now."))
        return redirect("education:campaign", municipality.slug, item.pk)
    localities = selectors.localities(municipality)
    form = forms.ApplicationForm(request.POST or None, localities=localities,
                                 allow_registration=item.kind == CampaignKind.SCHOOL_FIRST_GRADE,
                                 initial={
        "guardian_name": request.user.get_full_name(), "email": request.user.email,
        "is_resident": True})
    offers = selectors.offers(item)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            application = services.submit_application(
                item, forms.application_data(form, request.POST), guardian=request.user,
                acting_user=request.user, uploads=forms.uploads(request.FILES))
        except EducationError as refusal:
            error = str(refusal.message)
        else:
            messages.success(request, _("The application has been filed. The commission "
                                        "of the first-choice institution will verify it."))
            return redirect("education:application", municipality.slug,
                            application.public_id)
    return render(request, "education/apply.html", {
        "campaign": item, "form": form, "offers": offers, "error": error,
        **forms.choices_context(item, selectors.criteria(item),
                                request.POST if request.method == "POST" else None)},
        status=422 if error or form.errors else 200)


ACTIONS = {"documents", "confirm", "justification", "appeal", "withdraw"}


@never_cache
@resident_required
@require_http_methods(["GET", "POST"])
def application(request: HttpRequest, municipality_slug: str, application_ref) -> HttpResponse:
    """The parent's own application: its status, what was declared and verified, the
    explanation of the result, and the next step the parent may take."""
    item = selectors.access_resident_application(request.municipality, request.user,
                                                 application_ref)
    if item is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS:
            raise Http404
        try:
            _act(request, item, action)
        except EducationError as refusal:
            messages.error(request, str(refusal.message))
        return redirect("education:application", municipality_slug, item.public_id)
    return render(request, "education/application.html", {
        "application": item, **selectors.application_details(item),
        "explanation": selectors.explanation(item),
        "refusing": services.refusing_offers(item),
        "can_confirm": item.status == ApplicationStatus.QUALIFIED,
        "can_add": item.status in (ApplicationStatus.SUBMITTED,
                                   ApplicationStatus.DOCUMENTS_REQUESTED)})


def _act(request: HttpRequest, item, action: str) -> None:
    user = request.user
    if action == "documents":
        services.add_documents(item, acting_user=user, uploads=forms.uploads(request.FILES))
        messages.success(request, _("The files have been added to the application."))
    elif action == "confirm":
        services.confirm_will(item, acting_user=user)
        messages.success(request, _("You have confirmed the will to take the place."))
    elif action == "withdraw":
        services.withdraw_application(item, acting_user=user)
        messages.success(request, _("The application has been withdrawn."))
    elif action == "justification":
        offer = {o.pk: o for o in services.refusing_offers(item)}.get(
            _number(request.POST.get("offer")))
        if offer is None:
            raise EducationError("nothing_to_justify", _("This institution did not refuse "
                                                         "the child: there is nothing to "
                                                         "justify."))
        services.request_justification(item, acting_user=user, offer=offer)
        messages.success(request, _("The commission has been asked for the justification."))
    else:
        justification = {j.pk: j for j in selectors.application_details(item)[
            "justifications"]}.get(_number(request.POST.get("justification")))
        if justification is None:
            raise Http404
        appeal = services.file_appeal(justification, acting_user=user,
                                      text=request.POST.get("text", ""))
        messages.success(request, _("The appeal has been registered as case %(mark)s; the "
                                    "director decides by %(date)s.")
                         % {"mark": appeal.case.mark,
                            "date": appeal.decide_by.strftime("%d.%m.%Y")})


def _number(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None
