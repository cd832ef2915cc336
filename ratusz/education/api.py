"""The education app's REST operations under /api/v1/ (contract of the education issue).

- `GET /recruitment/campaigns` (education.view): the gmina's campaigns, paginated.
- `POST /recruitment/campaigns/{id}/allocate` (education.manage): runs the allocation of
  the campaign's current round; the same input with the same seed is the same run (200),
  a new run answers 201. A state that forbids it is a 409 naming why.
- `GET /recruitment/campaigns/{id}/allocation` (education.view): the whole input and
  result of the latest run, `{"seed", "institutions", "candidates", "assignments"}`, so
  anyone can run it again; candidate ids are opaque (no PESEL, no names).
- `POST /education/absences` (a parent's resident token) `{"child", "date", "meals"}`:
  201 (a repeat answers 201 with `Idempotent-Replayed: true`); 422 after the
  institution's cut-off (named), for a day outside the child's place or a closed day; 404
  for a child that is not the caller's.
- `GET /education/children` (a resident token): the caller's children with their
  institution and this month's `fee_preview` (grosze) from the attendance so far.
- `GET /library/search?q=&municipality=<slug>` (public, no token): the records of the
  gmina's school libraries matching every word of `q`, with `title`, `author`, `isbn`,
  `library`, `available`; paginated (`page`, `page_size`)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ConfigDict

from ratusz.accounts.permissions import Permission
from ratusz.core import selectors as core_selectors
from ratusz.core.api import BoundedPagination, enter_api_municipality, require_permission
from ratusz.core.middleware import host_municipality_slug
from ratusz.education import selectors, selectors_library, services
from ratusz.education.errors import EducationError

router = Router(tags=["education"])


class ProblemError(HttpError):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(status, message)
        self.code = code


def _problem(error: EducationError, status: int = 409) -> HttpError:
    with translation.override("en"):
        return ProblemError(status, error.code, str(error.message))


class CampaignOut(Schema):
    id: int
    year: int
    kind: str
    status: str
    name: str


class AllocationRunOut(Schema):
    id: int
    round: str
    seed: int
    inputs_digest: str
    algorithm: str
    created_at: datetime
    placed: int
    unplaced: int


class InstitutionOut(Schema):
    id: int
    name: str
    capacity: int


class CandidateOut(Schema):
    id: str
    preferences: list[int]
    scores: dict[str, int]
    tie_break: int
    resident: bool


class AllocationOut(Schema):
    seed: int
    institutions: list[InstitutionOut]
    candidates: list[CandidateOut]
    assignments: dict[str, int | None]


def _campaign(request: HttpRequest, campaign_id: int):
    campaign = selectors.access_campaign_by_id(request.auth.municipality, campaign_id)
    if campaign is None:
        raise Http404
    return campaign


@router.get("/recruitment/campaigns", response=list[CampaignOut],
            summary="Recruitment campaigns of the gmina")
@paginate(BoundedPagination)
def list_campaigns(request: HttpRequest):
    require_permission(request, Permission.VIEW_EDUCATION)
    return selectors.campaigns(request.auth.municipality)


@router.post("/recruitment/campaigns/{campaign_id}/allocate",
             response={201: AllocationRunOut, 200: AllocationRunOut},
             summary="Run the allocation of the campaign's current round (idempotent)")
def allocate(request: HttpRequest, campaign_id: int):
    require_permission(request, Permission.MANAGE_EDUCATION)
    campaign = _campaign(request, campaign_id)
    try:
        run, created = services.allocate_campaign(campaign, acting_user=request.auth.user)
    except EducationError as error:
        raise _problem(error) from error
    assignments = run.data["assignments"]
    placed = sum(1 for value in assignments.values() if value is not None)
    return Status(201 if created else 200, {
        "id": run.pk, "round": run.round, "seed": run.seed,
        "inputs_digest": run.inputs_digest, "algorithm": run.algorithm,
        "created_at": run.created_at, "placed": placed,
        "unplaced": len(assignments) - placed})


@router.get("/recruitment/campaigns/{campaign_id}/allocation", response=AllocationOut,
            summary="The whole input and result of the latest allocation")
def allocation(request: HttpRequest, campaign_id: int):
    require_permission(request, Permission.VIEW_EDUCATION)
    run = selectors.allocation(_campaign(request, campaign_id))
    if run is None:
        raise Http404
    return run.data


# --- Attendance, meals and fees ---

class AbsenceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    child: int
    date: date
    meals: bool = True


class AbsenceOut(Schema):
    id: int
    child: int
    date: date
    meals_cancelled: bool
    reported_at: datetime


class ChildOut(Schema):
    id: int
    first_name: str
    institution: str
    institution_id: int
    group: str
    declared_from: str
    declared_until: str
    fee_preview: int


def _resident(request: HttpRequest):
    require_permission(request, Permission.RESIDENT_SELF)
    user = request.auth.user
    if user is None or not user.is_resident:
        raise HttpError(403, "Only a resident's token can act for a child.")
    return user


@router.post("/education/absences", response={201: AbsenceOut},
             summary="Report a child's absence (and cancel its meals) before the cut-off",
             openapi_extra={"responses": {"404": {
                 "description": "No such child of the caller's (or not theirs).",
                 "content": {"application/problem+json": {"schema": {
                     "$ref": "#/components/schemas/Problem"}}}}}})
def report_absence(request: HttpRequest, payload: AbsenceIn, response: HttpResponse):
    user = _resident(request)
    agreement = selectors.access_resident_agreement(request.auth.municipality, user,
                                                    payload.child, payload.date)
    if agreement is None:
        raise Http404
    try:
        absence, created = services.report_absence(agreement, user=user, day=payload.date,
                                                   meals=payload.meals)
    except EducationError as error:
        raise _problem(error, 422) from error
    if not created:
        response["Idempotent-Replayed"] = "true"
    return Status(201, {"id": absence.pk, "child": agreement.child_id, "date": absence.day,
                        "meals_cancelled": absence.meals_cancelled,
                        "reported_at": absence.reported_at})


@router.get("/education/children", response=list[ChildOut],
            summary="The caller's children with this month's fee so far")
def my_children(request: HttpRequest):
    user = _resident(request)
    return [{"id": agreement.child_id, "first_name": agreement.child.first_name,
             "institution": agreement.institution.name,
             "institution_id": agreement.institution_id, "group": agreement.group,
             "declared_from": agreement.declared_from.strftime("%H:%M"),
             "declared_until": agreement.declared_until.strftime("%H:%M"),
             "fee_preview": services.fee_preview(agreement).total}
            for agreement in selectors.resident_agreements(request.auth.municipality, user)]
# --- School libraries ---

class LibraryRecordOut(Schema):
    id: int
    title: str
    author: str
    isbn: str
    year: int | None
    library: str
    library_id: int
    available: bool
    available_copies: int

    @staticmethod
    def resolve_library(item) -> str:
        return item.library.name

    @staticmethod
    def resolve_available(item) -> bool:
        return item.available_copies > 0


@router.get("/library/search", auth=None, response=list[LibraryRecordOut],
            summary="Search the gmina's school library catalogues (public, no token)",
            description="The gmina is named by `municipality` (its slug, as in /g/<slug>/), "
                        "else by the gmina's own host name. Every word of `q` must occur in "
                        "the title, author, ISBN or subjects (case and Polish diacritics "
                        "ignored). `available` is true when a copy is on the shelf now.",
            openapi_extra={"responses": {"404": {
                "description": "No such gmina (`municipality` unknown, or none named).",
                "content": {"application/problem+json": {"schema": {
                    "$ref": "#/components/schemas/Problem"}}}}}})
@paginate(BoundedPagination)
def library_search(request: HttpRequest, q: str = Query(..., max_length=200),
                   municipality: str = Query("", max_length=100)):
    slug = municipality or host_municipality_slug(request.get_host()) or ""
    found = core_selectors.get_active_municipality_by_slug(slug) if slug else None
    if found is None:
        raise Http404
    enter_api_municipality(request, found, permissions=frozenset())
    return selectors_library.catalogue_search(found, q)
