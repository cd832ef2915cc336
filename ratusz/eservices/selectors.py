"""Reads of the e-services. Every query names the gmina; protected rows come through
`access_*` gates that answer None for missing, foreign and forbidden alike."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from stdnum.pl import pesel as stdnum_pesel

from ratusz.accounts import identity
from ratusz.cases import selectors as ezd_selectors
from ratusz.core.models import Municipality
from ratusz.core.polish import fold, sort_key, tax_authority, term_in, terms, tokens
from ratusz.core.selectors import list_locality_names
from ratusz.core.tenancy import tenant_context
from ratusz.eservices.library import (
    FOR_BUSINESSES,
    LIFE_SITUATIONS,
    POPULAR,
    form_codes,
    search_words,
)
from ratusz.eservices.models import (
    Category,
    Draft,
    FormStatus,
    FormVersion,
    Message,
    PendingSubmission,
    Service,
    Submission,
    SubmissionAttachment,
)


def published_services(municipality: Municipality | int, *, category: str = ""
                       ) -> QuerySet[Service]:
    """The gmina's published cards, optionally of one category (`search_services` finds
    them by words)."""
    services = Service.objects.for_municipality(municipality).filter(
        is_published=True, current_form__isnull=False)
    if category and category in Category.values:
        services = services.filter(category=category)
    return services.order_by("name")


def catalogue_services(municipality: Municipality | int, *, category: str = "",
                       situation: str = "") -> list[Service]:
    """The gmina's published cards in Polish alphabetical order, optionally of one
    category or one life situation (`library.LIFE_SITUATIONS`)."""
    services = published_services(municipality, category=category).select_related(
        "department")
    if situation:
        wanted = next((item["services"] for item in LIFE_SITUATIONS
                       if item["slug"] == situation), ())
        services = services.filter(library_slug__in=wanted)
    return sorted(services, key=lambda service: sort_key(service.name))


#: Words a search passes over ("podatek od domu" is "podatek" and "domu").
STOPWORDS = frozenset({"a", "albo", "czy", "dla", "do", "i", "jak", "lub", "mi", "moj", "moja",
                       "moje", "na", "nad", "o", "od", "oraz", "po", "pod", "przez", "przy",
                       "sie", "u", "w", "we", "z", "za", "ze"})
#: A form code as typed: "in1", "IN-1", "in 1".
TYPED_CODE = re.compile(r"(?<![\w-])([^\W\d_]{1,4})[\s\-–]?(\d{1,2})(?![\w-])")
#: How much a query word found in each part of a card counts.
FOUND_IN_CODE, FOUND_IN_NAME, FOUND_IN_WORDS, FOUND_ELSEWHERE = 20, 5, 3, 1
#: A business's service comes after a resident's one that matches as well.
FOR_BUSINESSES_PENALTY = 6
MOST_USED_DAYS = 365


def search_services(municipality: Municipality, query: str, *, category: str = ""
                    ) -> list[Service]:
    """The gmina's published services that have every word of the query (a stopword
    aside) — as written, in another form (Polish stemming), without Polish letters, as a
    form code ("in1", "IN-1", "in 1") or among the plain words people use for the service
    ("podatek od domu") — the best match first: a form code, then words in the name, then
    in the keywords and plain words; a business's service after a resident's; then the
    most used."""
    services = list(published_services(municipality, category=category)
                    .select_related("department"))
    codes = {code for service in services
             for code in form_codes(service.name, *service.keywords)}

    def joined(match: re.Match) -> str:
        code = f"{fold(match.group(1))}{match.group(2)}"
        return code if code in codes else match.group(0)

    found = [term for term in terms(TYPED_CODE.sub(joined, query or "").split()[:8])
             if term.exact[0] not in STOPWORDS]
    if not found:
        return []
    used = _use_counts(municipality)
    ranked = []
    for service in services:
        if not all(term_in(term, service.search_text) for term in found):
            continue
        own_codes = form_codes(service.name, *service.keywords)
        name_tokens = tokens(service.name)
        word_tokens = tokens(" ".join([*service.keywords,
                                       *search_words(service.library_slug)]))
        score = sum(FOUND_IN_CODE if term.exact[0] in own_codes else
                    FOUND_IN_NAME if term_in(term, name_tokens) else
                    FOUND_IN_WORDS if term_in(term, word_tokens) else FOUND_ELSEWHERE
                    for term in found)
        if service.library_slug in FOR_BUSINESSES:
            score -= FOR_BUSINESSES_PENALTY
        ranked.append(((-score, -used.get(service.pk, 0), sort_key(service.name)), service))
    return [service for _key, service in sorted(ranked, key=lambda item: item[0])]


def _use_counts(municipality: Municipality | int) -> dict[int, int]:
    """Submissions per service in the last year."""
    since = timezone.now() - timedelta(days=MOST_USED_DAYS)
    return dict(Submission.objects.for_municipality(municipality)
                .filter(submitted_at__gte=since).values("service")
                .annotate(count=Count("pk")).values_list("service", "count"))


def most_used_services(municipality: Municipality, *, limit: int = 6) -> list[Service]:
    """The services the gmina's residents use most (submissions of the last year), topped
    up with what residents use most everywhere (`library.POPULAR`)."""
    used = _use_counts(municipality)
    services = list(published_services(municipality))
    popular = {slug: index for index, slug in enumerate(POPULAR)}
    candidates = [service for service in services
                  if used.get(service.pk) or service.library_slug in popular]
    candidates.sort(key=lambda service: (-used.get(service.pk, 0),
                                         popular.get(service.library_slug, len(popular)),
                                         sort_key(service.name)))
    return candidates[:limit]


def life_situations(municipality: Municipality) -> list[dict]:
    """The life situations of the library with the gmina's published services of each
    (those without any left out)."""
    by_library = {service.library_slug: service for service in published_services(
        municipality) if service.library_slug}
    situations = []
    for situation in LIFE_SITUATIONS:
        found = [by_library[slug] for slug in situation["services"] if slug in by_library]
        if found:
            situations.append({**situation, "services": found})
    return situations


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


def normalise_case_mark(case_mark: str) -> str:
    """A case mark as typed ("fn. 3120.1.2026 ") as the office writes it ("FN.3120.1.2026"):
    marks have no spaces and their letters are capitals."""
    return "".join((case_mark or "").split()).upper()


def find_by_case_mark(municipality: Municipality | int, case_mark: str) -> Submission | None:
    """The submission of the case with this mark, however its letters and spaces were
    typed."""
    mark = normalise_case_mark(case_mark)
    if not mark:
        return None
    return _submissions(municipality).filter(case__mark__iexact=mark).first()


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


def prefill_values(municipality: Municipality, resident=None) -> dict:
    """What a form can be filled in with before the person types: what the gmina is (its
    tax authority, country, voivodeship, county) and, for a resident, what the account
    knows (the name, the PESEL confirmed by login.gov.pl and the birth date in it, the
    address and phone of the profile)."""
    values = {"tax_authority": tax_authority(municipality), "country": "Polska",
              "voivodeship": municipality.voivodeship, "county": municipality.county,
              "commune": municipality.name}
    if resident is None:
        return values
    profile = getattr(resident, "resident_profile", None)
    values.update({"first_name": resident.first_name, "last_name": resident.last_name,
                   "email": resident.email})
    if profile is not None:
        values.update({"phone": profile.phone, "street": profile.street,
                       "building": profile.building, "flat": profile.flat,
                       "postal_code": profile.postal_code, "city": profile.city})
        if profile.birth_date:
            values["birth_date"] = profile.birth_date.isoformat()
        if profile.is_identified:
            # Confirmed by login.gov.pl: the resident's own PESEL, shown to them only.
            values["pesel"] = identity.profile_pesel(profile)
            if values["pesel"] and stdnum_pesel.is_valid(values["pesel"]):
                values["birth_date"] = stdnum_pesel.get_birth_date(values["pesel"]).isoformat()
    return values


def locality_names(municipality: Municipality | int) -> list[str]:
    """The gmina's localities in Polish alphabetical order (Ługów after the names in L,
    Sługocin before Snopków)."""
    return sorted(list_locality_names(municipality), key=sort_key)


def pending_submission(municipality: Municipality | int, public_id: str
                       ) -> PendingSubmission | None:
    """A submission without sign-in still waiting for its e-mail link, by its public id."""
    try:
        wanted = uuid.UUID(str(public_id))
    except ValueError:
        return None
    return (PendingSubmission.objects.for_municipality(municipality)
            .select_related("service").filter(public_id=wanted, submission__isnull=True)
            .first())


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
