"""API of the EZD: the incoming register and cases (contract of the EZD issue).

Request bodies are strict: a key an operation does not know is refused (422 naming it),
every text has its limit (the model's) and may carry no control character or
bidirectional override, every list and id is bounded; the services check the same and the
dates' plausible range themselves. An `Idempotency-Key` belongs to the token (or user)
that sent it and to one body: a repeat returns the first entry (200), the same key with
another body is a conflict (409)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import AfterValidator, ConfigDict

from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import access_staff_by_id, token_permissions
from ratusz.cases import search, selectors, services
from ratusz.cases.models import (
    AccessLevel,
    Case,
    CaseParty,
    Channel,
    IncomingEntry,
    IncomingSender,
    OutgoingLetter,
    PartyKind,
)
from ratusz.cases.services.checks import REASON_LIMIT, TEXT_CAP, limit_of
from ratusz.core.api import BoundedPagination, require_permission
from ratusz.core.idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyConflict,
    caller_of,
    fingerprint,
    scoped_key,
)
from ratusz.core.models import Department
from ratusz.core.text import describe, first_unsafe_character

router = Router(tags=["ezd"])

MAX_ID = 2**63 - 1
#: Senders of one entry, parties of one case, departments of one assignment.
MAX_PEOPLE = 100
MAX_APPROVERS = 10
SYMBOL = Department._meta.get_field("symbol").max_length


def _refuse_unsafe(value: str) -> str:
    character = first_unsafe_character(value)
    if character is not None:
        raise ValueError(f"the text contains an invisible control character "
                         f"({describe(character)}) that cannot be accepted")
    return value


#: Text from a caller: no control character (XML 1.0) and no bidirectional override.
SafeText = Annotated[str, AfterValidator(_refuse_unsafe)]
Symbol = Annotated[str, Field(max_length=SYMBOL)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class StrictSchema(Schema):
    """A request body that refuses keys it does not know (422 naming the key)."""

    model_config = ConfigDict(extra="forbid")


class ProblemError(HttpError):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(status, message)
        self.code = code


def _ezd_error(error: services.EzdError) -> HttpError:
    """The refusal as problem+json; its detail in English, the language of the API."""
    status = 404 if error.code.endswith("_not_found") else 422
    with translation.override("en"):
        return ProblemError(status, error.code, str(error.message))


def _limit(model, name: str) -> int:
    return limit_of(model, name)


class SenderIn(StrictSchema):
    name: SafeText = Field("", max_length=_limit(IncomingSender, "organisation_name"),
                           description="Full name of a person or an organisation")
    kind: PartyKind | None = None
    first_name: SafeText = Field("", max_length=_limit(IncomingSender, "first_name"))
    last_name: SafeText = Field("", max_length=_limit(IncomingSender, "last_name"))
    organisation_name: SafeText = Field("", max_length=_limit(IncomingSender,
                                                              "organisation_name"))
    city: SafeText = Field("", max_length=_limit(IncomingSender, "city"))
    postal_code: SafeText = Field("", max_length=_limit(IncomingSender, "postal_code"))
    street: SafeText = Field("", max_length=_limit(IncomingSender, "street"))
    building: SafeText = Field("", max_length=_limit(IncomingSender, "building"))
    flat: SafeText = Field("", max_length=_limit(IncomingSender, "flat"))
    country: SafeText = Field("Polska", max_length=_limit(IncomingSender, "country"))
    email: SafeText = Field("", max_length=_limit(IncomingSender, "email"))

    def to_sender(self) -> services.SenderData:
        kind = self.kind
        if kind is None:
            kind = PartyKind.PERSON if (self.first_name or self.last_name) else \
                PartyKind.ORGANISATION
        organisation = self.organisation_name or (self.name if kind == PartyKind.ORGANISATION
                                                  else "")
        first, last = self.first_name, self.last_name
        if kind == PartyKind.PERSON and not last and self.name:
            first, _, last = self.name.strip().rpartition(" ")
        return services.SenderData(
            kind=kind, organisation_name=organisation.strip(), first_name=first.strip(),
            last_name=last.strip(), city=self.city, postal_code=self.postal_code,
            street=self.street, building=self.building, flat=self.flat, country=self.country,
            email=self.email,
        )


class IncomingIn(StrictSchema):
    title: SafeText = Field(..., max_length=_limit(IncomingEntry, "title"))
    sender: SenderIn | None = None
    senders: list[SenderIn] = Field([], max_length=MAX_PEOPLE)
    received_on: date = Field(..., description="From 1990-01-01, not after today")
    channel: Channel
    letter_date: SafeText = Field("", max_length=10, description=(
        "YYYY-MM-DD, YYYY-MM or YYYY, from 1900, not after today; empty: the date "
        "received"))
    posted_on: date | None = Field(None, description="From 1990-01-01, not after the date "
                                                     "received")
    sender_reference: SafeText = Field("", max_length=_limit(IncomingEntry,
                                                             "sender_reference"))
    document_type: SafeText = Field("", max_length=_limit(IncomingEntry, "document_type"))
    access_level: AccessLevel = AccessLevel.PUBLIC
    attachments_count: int = Field(0, ge=0, le=10000)
    remarks: SafeText = Field("", max_length=_limit(IncomingEntry, "remarks"))
    is_unopened: bool = False
    unopened_reason: SafeText = Field("", max_length=_limit(IncomingEntry,
                                                            "unopened_reason"))


class SenderOut(Schema):
    kind: str
    name: str
    city: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class AssignmentOut(Schema):
    id: int
    department: str | None
    user_id: int | None
    is_leading: bool
    instructions: str
    due_date: date | None

    @staticmethod
    def resolve_department(obj) -> str | None:
        return obj.to_department.symbol if obj.to_department_id else None

    @staticmethod
    def resolve_user_id(obj) -> int | None:
        return obj.to_user_id


class IncomingOut(Schema):
    id: int
    number: str
    unit_id: int
    title: str
    status: str
    channel: str
    letter_date: str
    received_on: date
    registered_at: datetime
    sender_reference: str
    access_level: str
    attachments_count: int
    is_unopened: bool
    senders: list[SenderOut]
    assignments: list[AssignmentOut]

    @staticmethod
    def resolve_senders(obj):
        return list(obj.senders.all())

    @staticmethod
    def resolve_assignments(obj):
        return list(obj.assignments.filter(is_current=True).select_related("to_department"))


@router.post("/incoming", response={201: IncomingOut, 200: IncomingOut},
             summary="Register an item in the incoming register (RPW)")
def register_incoming(request: HttpRequest, payload: IncomingIn):
    require_permission(request, Permission.REGISTER_CORRESPONDENCE)
    municipality = request.auth.municipality
    senders = [s.to_sender() for s in ([payload.sender] if payload.sender else [])
               + payload.senders]
    unit = selectors.default_unit(request.auth.user, municipality)
    raw_key = _idempotency_key(request)
    try:
        entry, created = services.register_incoming(
            unit, acting_user=request.auth.user, title=payload.title, senders=senders,
            received_on=payload.received_on, channel=payload.channel,
            letter_date=payload.letter_date, posted_on=payload.posted_on,
            sender_reference=payload.sender_reference, document_type=payload.document_type,
            access_level=payload.access_level, attachments_count=payload.attachments_count,
            remarks=payload.remarks, is_unopened=payload.is_unopened,
            unopened_reason=payload.unopened_reason,
            idempotency_key=scoped_key(caller_of(request), raw_key),
            fingerprint=fingerprint(payload.model_dump(mode="json")),
        )
    except IdempotencyConflict as conflict:
        raise ProblemError(409, "idempotency_conflict", "Idempotency-Key: this key was used "
                           "before with another request body.") from conflict
    except services.EzdError as error:
        raise _ezd_error(error) from error
    return Status(201 if created else 200, entry)


def _idempotency_key(request: HttpRequest) -> str:
    raw = request.headers.get("Idempotency-Key", "")
    if len(raw) > MAX_KEY_LENGTH or not raw.isprintable():
        error = ProblemError(422, "idempotency_key_invalid", "Idempotency-Key: at most "
                             f"{MAX_KEY_LENGTH} printable characters.")
        error.errors = [{"loc": ["header", "Idempotency-Key"],
                         "msg": f"at most {MAX_KEY_LENGTH} printable characters"}]
        raise error
    return raw


@router.get("/incoming/{entry_id}", response=IncomingOut, summary="One incoming entry")
def get_incoming(request: HttpRequest, entry_id: int):
    require_permission(request, Permission.VIEW_REGISTERS)
    entry = selectors.access_incoming_by_id(request.auth.municipality, entry_id)
    if entry is None:
        raise Http404
    return entry


class AssignIn(StrictSchema):
    department: Symbol | None = None
    user_id: Id | None = None
    instructions: SafeText = Field("", max_length=TEXT_CAP)
    due_date: date | None = None
    co_departments: list[Symbol] = Field([], max_length=MAX_PEOPLE)


def _department(municipality, symbol: str):
    department = selectors.active_department_by_symbol(municipality, symbol)
    if department is None:
        raise ProblemError(422, "department_not_found",
                           f"There is no department with the symbol {symbol}.")
    return department


@router.post("/incoming/{entry_id}/assignments", response={201: AssignmentOut},
             summary="Assign an incoming entry (dekretacja)")
def assign_incoming(request: HttpRequest, entry_id: int, payload: AssignIn):
    require_permission(request, Permission.ASSIGN_CASES)
    municipality = request.auth.municipality
    entry = selectors.access_incoming_by_id(municipality, entry_id)
    if entry is None:
        raise Http404
    user = access_staff_by_id(municipality, payload.user_id) if payload.user_id else None
    if payload.user_id and user is None:
        raise ProblemError(422, "user_not_found", "There is no such staff member.")
    try:
        assignment = services.assign_entry(
            entry, acting_user=request.auth.user,
            to_department=_department(municipality, payload.department)
            if payload.department else None,
            to_user=user, instructions=payload.instructions, due_date=payload.due_date,
            co_departments=[_department(municipality, s) for s in payload.co_departments],
        )
    except services.EzdError as error:
        raise _ezd_error(error) from error
    return Status(201, assignment)


class PartyIn(SenderIn):
    role: SafeText = Field("strona", max_length=_limit(CaseParty, "role"))


class CaseIn(StrictSchema):
    title: SafeText = Field(..., max_length=_limit(Case, "title"))
    jrwa_symbol: str = Field(..., max_length=_limit(Case, "jrwa_symbol"))
    department: Symbol
    incoming_id: Id | None = None
    description: SafeText = Field("", max_length=_limit(Case, "description"))
    deadline: date | None = None
    handler_id: Id | None = None
    parties: list[PartyIn] = Field([], max_length=MAX_PEOPLE)


class CaseOut(Schema):
    id: int
    mark: str
    title: str
    description: str
    status: str
    department: str
    jrwa_symbol: str
    jrwa_title: str
    archival_category: str
    year: int
    opened_at: datetime
    deadline: date | None
    handler: str | None
    incoming_number: str | None
    settled_on: date | None
    retention_until: date | None
    parties: list[SenderOut]

    @staticmethod
    def resolve_department(obj) -> str:
        return obj.department.symbol

    @staticmethod
    def resolve_jrwa_title(obj) -> str:
        return obj.jrwa_class.title

    @staticmethod
    def resolve_archival_category(obj) -> str:
        return obj.archival_category or obj.jrwa_class.category

    @staticmethod
    def resolve_handler(obj) -> str | None:
        return obj.handler.get_full_name() if obj.handler_id else None

    @staticmethod
    def resolve_incoming_number(obj) -> str | None:
        return obj.incoming.number if obj.incoming_id else None

    @staticmethod
    def resolve_parties(obj):
        return list(obj.parties.all())


@router.post("/cases", response={201: CaseOut}, summary="Open a case")
def open_case(request: HttpRequest, payload: CaseIn):
    # The registry desk may open a case in any department; a case officer only in theirs.
    municipality = request.auth.municipality
    department = _department(municipality, payload.department)
    if not _may(request, Permission.REGISTER_CORRESPONDENCE):
        require_permission(request, Permission.HANDLE_CASES)
        user = request.auth.user
        if user is None or (department.pk not in selectors.department_ids_of(user, municipality)
                            and not selectors.sees_all_cases(user, municipality)):
            raise HttpError(403, "You may open cases only in your departments.")
    incoming = None
    if payload.incoming_id is not None:
        incoming = selectors.access_incoming_by_id(municipality, payload.incoming_id)
        if incoming is None:
            raise ProblemError(422, "incoming_not_found", "There is no such entry in the register.")
    handler = None
    if payload.handler_id:
        handler = access_staff_by_id(municipality, payload.handler_id)
        if handler is None:
            raise ProblemError(422, "user_not_found", "There is no such staff member.")
    unit = department.unit
    try:
        case = services.open_case(
            unit, acting_user=request.auth.user, department=department,
            jrwa_symbol=payload.jrwa_symbol.strip(), title=payload.title, incoming=incoming,
            handler=handler, description=payload.description, deadline=payload.deadline,
            parties=[services.PartyData(**{**p.to_sender().__dict__, "role": p.role})
                     for p in payload.parties],
        )
    except services.EzdError as error:
        raise _ezd_error(error) from error
    return Status(201, case)


def _may(request: HttpRequest, permission: str) -> bool:
    return permission in token_permissions(request.auth)


def _visible_case(request: HttpRequest, case_id: int):
    user = request.auth.user
    if user is None:
        raise Http404
    case = selectors.access_case_by_id(user, request.auth.municipality, case_id)
    if case is None:
        raise Http404
    return case


@router.get("/cases/{case_id}", response=CaseOut, summary="One case")
def get_case(request: HttpRequest, case_id: int):
    require_permission(request, Permission.VIEW_WORKSPACE)
    return _visible_case(request, case_id)


class RecordEntryOut(Schema):
    position: int
    occurred_at: datetime
    actor_name: str
    actor_position: str
    action: str
    description: str
    document: str
    hash: str

    @staticmethod
    def resolve_document(obj) -> str:
        return obj.document_label


@router.get("/cases/{case_id}/record", response=list[RecordEntryOut],
            summary="The case record (metryka sprawy)")
def get_case_record(request: HttpRequest, case_id: int):
    require_permission(request, Permission.VIEW_WORKSPACE)
    return list(selectors.case_record(_visible_case(request, case_id)))


@router.get("/cases", response=list[CaseOut], summary="Cases the caller may see; q searches")
@paginate(BoundedPagination)
def list_cases(request: HttpRequest, q: str = Query("", max_length=200),
               status: str = Query("", max_length=20),
               department: str = Query("", max_length=SYMBOL)):
    require_permission(request, Permission.VIEW_WORKSPACE)
    user = request.auth.user
    if user is None:
        raise HttpError(403, "A personal token is needed to list cases.")
    municipality = request.auth.municipality
    if q.strip():
        cases = search.search_cases(user, municipality, q)
    else:
        cases = selectors.visible_cases(user, municipality).order_by("-opened_at", "-id")
    cases = selectors.narrow_cases(cases, status=status, department_symbol=department)
    return cases.select_related("department", "jrwa_class", "handler", "incoming")


class StatusIn(StrictSchema):
    status: str = Field(..., max_length=20)
    note: SafeText = Field("", max_length=REASON_LIMIT)


@router.post("/cases/{case_id}/status", response=CaseOut, summary="Change a case's status")
def change_status(request: HttpRequest, case_id: int, payload: StatusIn):
    require_permission(request, Permission.HANDLE_CASES)
    case = _visible_case(request, case_id)
    if not selectors.can_handle(request.auth.user, case):
        raise HttpError(403, "You may not change this case.")
    try:
        services.change_status(case, acting_user=request.auth.user, status=payload.status,
                               note=payload.note)
    except services.EzdError as error:
        raise _ezd_error(error) from error
    return selectors.access_case_by_id(request.auth.user, case.municipality, case.pk)


class CloseIn(StrictSchema):
    settled_on: date | None = Field(None, description="Not after today")
    note: SafeText = Field("", max_length=REASON_LIMIT)


@router.post("/cases/{case_id}/close", response=CaseOut, summary="Close a case")
def close_case(request: HttpRequest, case_id: int, payload: CloseIn):
    require_permission(request, Permission.HANDLE_CASES)
    case = _visible_case(request, case_id)
    if not selectors.can_handle(request.auth.user, case):
        raise HttpError(403, "You may not change this case.")
    try:
        services.close_case(case, acting_user=request.auth.user, settled_on=payload.settled_on,
                            note=payload.note)
    except services.EzdError as error:
        raise _ezd_error(error) from error
    return selectors.access_case_by_id(request.auth.user, case.municipality, case.pk)


# --- Letters --------------------------------------------------------------------------------

class LetterIn(StrictSchema):
    subject: SafeText = Field(..., max_length=_limit(OutgoingLetter, "subject"))
    body: SafeText = Field(..., max_length=_limit(OutgoingLetter, "body"))
    addressee_name: SafeText = Field(..., max_length=_limit(OutgoingLetter, "addressee_name"))
    addressee_address: SafeText = Field("", max_length=_limit(OutgoingLetter,
                                                              "addressee_address"))
    addressee_city: SafeText = Field(..., max_length=_limit(OutgoingLetter, "addressee_city"))
    sending_method: str = Field("post", max_length=20)


class ApprovalStepOut(Schema):
    order: int
    round: int
    approver_id: int
    approver: str
    decision: str
    comment: str
    decided_at: datetime | None

    @staticmethod
    def resolve_approver(obj) -> str:
        return obj.approver.get_full_name()


class LetterOut(Schema):
    id: int
    subject: str
    body: str
    status: str
    addressee_name: str
    addressee_city: str
    sending_method: str
    letter_date: date | None
    sealed_pdf_version_id: int | None
    rkw_number: str | None
    steps: list[ApprovalStepOut]

    @staticmethod
    def resolve_sealed_pdf_version_id(obj) -> int | None:
        if obj.document_id is None:
            return None
        version = obj.document.current_version
        return version.pk if version else None

    @staticmethod
    def resolve_rkw_number(obj) -> str | None:
        entry = getattr(obj, "outgoing_entry", None)
        return entry.number if entry else None

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.select_related("approver").order_by("round", "order"))


def _handled_case(request: HttpRequest, case_id: int):
    require_permission(request, Permission.HANDLE_CASES)
    case = _visible_case(request, case_id)
    if not selectors.can_handle(request.auth.user, case):
        raise HttpError(403, "You may not change this case.")
    return case


def _letter(case, letter_id: int):
    letter = selectors.letter_of_case(case, letter_id)
    if letter is None:
        raise Http404
    return letter


@router.get("/cases/{case_id}/letters", response=list[LetterOut], summary="Letters of a case")
def list_letters(request: HttpRequest, case_id: int):
    require_permission(request, Permission.VIEW_WORKSPACE)
    return selectors.case_letters(_visible_case(request, case_id))


@router.post("/cases/{case_id}/letters", response={201: LetterOut}, summary="Draft a letter")
def draft_letter(request: HttpRequest, case_id: int, payload: LetterIn):
    case = _handled_case(request, case_id)
    try:
        letter = services.draft_letter(case, acting_user=request.auth.user, **payload.dict())
    except services.EzdError as error:
        raise _ezd_error(error) from error
    return Status(201, letter)


class ApprovalIn(StrictSchema):
    approver_ids: list[Id] = Field(..., max_length=MAX_APPROVERS)


@router.post("/cases/{case_id}/letters/{letter_id}/approval", response=LetterOut,
             summary="Send a letter for approval along a path of approvers")
def request_letter_approval(request: HttpRequest, case_id: int, letter_id: int,
                            payload: ApprovalIn):
    case = _handled_case(request, case_id)
    approvers = [access_staff_by_id(case.municipality, pk) for pk in payload.approver_ids]
    if any(approver is None for approver in approvers):
        raise ProblemError(422, "user_not_found", "There is no such staff member.")
    try:
        return services.request_approval(_letter(case, letter_id),
                                         acting_user=request.auth.user, approvers=approvers)
    except services.EzdError as error:
        raise _ezd_error(error) from error


class DecisionIn(StrictSchema):
    approve: bool
    comment: SafeText = Field("", max_length=REASON_LIMIT)


@router.post("/cases/{case_id}/letters/{letter_id}/decision", response=LetterOut,
             summary="Approve or return a letter (the current approver)")
def decide_letter(request: HttpRequest, case_id: int, letter_id: int, payload: DecisionIn):
    require_permission(request, Permission.APPROVE)
    case = _visible_case(request, case_id)
    try:
        return services.decide_approval(_letter(case, letter_id), acting_user=request.auth.user,
                                        approve=payload.approve, comment=payload.comment)
    except services.EzdError as error:
        raise _ezd_error(error) from error


@router.post("/cases/{case_id}/letters/{letter_id}/seal", response=LetterOut,
             summary="Seal an approved letter with the unit's e-seal (PAdES)")
def seal_letter(request: HttpRequest, case_id: int, letter_id: int):
    case = _handled_case(request, case_id)
    try:
        return services.seal_letter(_letter(case, letter_id), acting_user=request.auth.user)
    except services.EzdError as error:
        raise _ezd_error(error) from error


class SendIn(StrictSchema):
    sending_method: str | None = Field(None, max_length=20)


@router.post("/cases/{case_id}/letters/{letter_id}/send", response=LetterOut,
             summary="Send a sealed letter; it enters the outgoing register (RKW)")
def send_letter(request: HttpRequest, case_id: int, letter_id: int, payload: SendIn):
    case = _handled_case(request, case_id)
    letter = _letter(case, letter_id)
    try:
        services.send_letter(letter, acting_user=request.auth.user,
                             sending_method=payload.sending_method)
    except services.EzdError as error:
        raise _ezd_error(error) from error
    return _letter(case, letter_id)
