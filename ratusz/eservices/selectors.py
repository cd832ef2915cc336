"""Reads of the e-services. Every query names the gmina; protected rows come through
`access_*` gates that answer None for missing, foreign and forbidden alike."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ratusz.accounts import identity
from ratusz.cases import selectors as ezd_selectors
from ratusz.core.models import Municipality
from ratusz.core.tenancy import tenant_context
from ratusz.eservices.models import (
    Category,
    Draft,
    FormStatus,
    FormVersion,
    Message,
    Service,
    Submission,
    SubmissionAttachment,
)


def published_services(municipality: Municipality | int, *, query: str = "",
                       category: str = "") -> QuerySet[Service]:
    """The gmina's published cards, optionally by category and by words (every word must
    appear in the name, summary, purpose or keywords)."""
    services = Service.objects.for_municipality(municipality).filter(
        is_published=True, current_form__isnull=False)
    if category and category in Category.values:
        services = services.filter(category=category)
    for word in query.lower().split()[:8]:
        services = services.filter(search_text__contains=word)
    return services.order_by("name")


def published_service(municipality: Municipality | int, slug: str) -> Service | None:
    return published_services(municipality).select_related(
        "current_form", "department").filter(slug=slug).first()


def all_services(municipality: Municipality | int) -> QuerySet[Service]:
    return Service.objects.for_municipality(municipality).select_related(
        "department", "current_form").order_by("name")


def access_service_by_id(municipality: Municipality | int, service_id: int) -> Service | None:
    return all_services(municipality).filter(pk=service_id).first()


def category_counts(municipality: Municipality | int) -> dict[str, int]:
    counts = {}
    for category in published_services(municipality).values_list("category", flat=True):
        counts[category] = counts.get(category, 0) + 1
    return counts


def _submissions(municipality: Municipality | int) -> QuerySet[Submission]:
    return Submission.objects.for_municipality(municipality).select_related(
        "service", "case", "incoming", "form_version")


def submissions_of_resident(municipality: Municipality | int, resident) -> QuerySet[Submission]:
    return _submissions(municipality).filter(resident=resident).order_by("-submitted_at")


def all_submissions_of_resident(resident) -> QuerySet[Submission]:
    """A resident's matters in every gmina (the query is limited to the resident)."""
    return Submission.objects.filter(resident=resident).select_related(
        "service", "case", "municipality").order_by("-submitted_at")


def access_own_submission(municipality: Municipality | int, resident, public_id
                          ) -> Submission | None:
    return submissions_of_resident(municipality, resident).filter(public_id=public_id).first()


def find_by_case_mark(municipality: Municipality | int, case_mark: str) -> Submission | None:
    return _submissions(municipality).filter(case__mark=case_mark.strip()).first()


def visible_submissions(user, municipality: Municipality) -> QuerySet[Submission]:
    """The submissions this staff member may see: exactly those whose case they see in the
    EZD (`cases.selectors.visible_cases`: the department wall holds here too)."""
    return _submissions(municipality).filter(
        case__in=ezd_selectors.visible_cases(user, municipality).values("pk"))


def department_submissions(user, municipality: Municipality, *, department_ids=None,
                           waiting_for_fee: bool = False) -> QuerySet[Submission]:
    """The staff queue: submissions whose case `user` sees, optionally of some
    departments' services and only those awaiting the fee."""
    submissions = visible_submissions(user, municipality).select_related("case__department")
    if department_ids is not None:
        submissions = submissions.filter(service__department_id__in=department_ids)
    if waiting_for_fee:
        submissions = submissions.filter(fee_status="awaiting")
    return submissions.order_by("-submitted_at")


def access_submission_by_id(user, municipality: Municipality, submission_id: int
                            ) -> Submission | None:
    """A submission for a staff page, if `user` sees its case; missing, foreign and
    behind the department wall look the same (None)."""
    return visible_submissions(user, municipality).filter(pk=submission_id).first()


def may_act_on(user, submission: Submission) -> bool:
    """May change the matter (messages, the fee, the BIP reply): the rule of its case
    (`cases.selectors.can_handle`)."""
    return ezd_selectors.can_handle(user, submission.case)


def open_matters_filter() -> Q:
    return Q(withdrawn_at__isnull=True) & ~Q(case__status__in=["settled", "closed"])



def submission_by_public_id(municipality: Municipality | int, public_id
                            ) -> Submission | None:
    """A submission of the gmina by its public id (the caller decides who may see it)."""
    return (Submission.objects.for_municipality(municipality)
            .select_related("service", "case", "incoming", "form_version", "municipality")
            .filter(public_id=public_id).first())


def matter_messages(submission: Submission) -> QuerySet[Message]:
    """The messages of a matter, both ways, oldest first."""
    return (Message.objects.for_municipality(submission.municipality_id)
            .filter(submission=submission).select_related("document", "author"))


def submission_attachments(submission: Submission) -> QuerySet[SubmissionAttachment]:
    return (SubmissionAttachment.objects.for_municipality(submission.municipality_id)
            .filter(submission=submission).select_related("document"))



def form_versions(service: Service) -> QuerySet[FormVersion]:
    """Every version of the service's form, the newest first."""
    return (FormVersion.objects.for_municipality(service.municipality_id)
            .filter(service=service).order_by("-number"))


def form_draft(service: Service) -> FormVersion | None:
    """The draft of the service's next form version, if one is open."""
    return form_versions(service).filter(status=FormStatus.DRAFT).first()


# --- Drafts of residents -------------------------------------------------------------------

def draft_of(municipality: Municipality | int, service: Service, resident) -> Draft | None:
    """The resident's saved answers to this service's form, if any."""
    return (Draft.objects.for_municipality(municipality)
            .filter(service=service, resident=resident).first())


def drafts_of_resident(municipality: Municipality | int, resident) -> QuerySet[Draft]:
    return (Draft.objects.for_municipality(municipality).filter(resident=resident)
            .select_related("service").order_by("-updated_at"))


def prefill_values(resident) -> dict:
    """What the resident's account offers to fill a form in with."""
    profile = getattr(resident, "resident_profile", None)
    values = {"first_name": resident.first_name, "last_name": resident.last_name,
              "email": resident.email}
    if profile is not None:
        values.update({"phone": profile.phone, "street": profile.street,
                       "building": profile.building, "flat": profile.flat,
                       "postal_code": profile.postal_code, "city": profile.city})
        if profile.is_identified:
            # Confirmed by login.gov.pl: the resident's own PESEL, shown to them only.
            values["pesel"] = identity.profile_pesel(profile)
    return values


# --- System work keyed by ids that come from services (tasks, after-commit hooks) ----------

def submission_for_receipt(submission_id: int) -> Submission | None:
    """A submission with what its receipt shows, whatever its gmina (the receipt worker
    then works inside that gmina)."""
    with tenant_context(None, all_municipalities=True):
        return Submission.objects.select_related(
            "service", "form_version", "incoming__unit", "case", "municipality").filter(
            pk=submission_id).first()


def submission_id_of_case(municipality_id: int, case_id: int) -> int | None:
    """The submission that opened this case, if the case came from the e-office."""
    with tenant_context(None, all_municipalities=True):
        return (Submission.objects.for_municipality(municipality_id).filter(case_id=case_id)
                .values_list("pk", flat=True).first())


# --- Receipts whose message was lost (the receipt sweep) -----------------------------------

def submissions_awaiting_receipt(municipality: Municipality, *, submitted_before,
                                 limit: int) -> list[int]:
    """Ids of the gmina's submissions filed before `submitted_before` (an aware datetime)
    that still have no receipt, the oldest first, at most `limit`."""
    with tenant_context(municipality):
        return list(Submission.objects.for_municipality(municipality)
                    .filter(receipt_created_at__isnull=True, submitted_at__lt=submitted_before)
                    .order_by("submitted_at", "pk").values_list("pk", flat=True)[:limit])
