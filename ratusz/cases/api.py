"""API of the EZD: the incoming register and cases (contract of the EZD issue). Its
request and answer bodies are in `api_schemas`.

Request bodies are strict: a key an operation does not know is refused (422 naming it),
every text has its limit (the model's) and may carry no control character or
bidirectional override, every list and id is bounded; the services check the same and the
dates' plausible range themselves. An `Idempotency-Key` belongs to the token (or user)
that sent it and to one body: a repeat returns the first entry (200), the same key with
another body is a conflict (409)."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import Query, Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import access_staff_by_id, token_permissions
from ratusz.cases import search, selectors, services
from ratusz.cases.api_schemas import (
    SYMBOL,
    ApprovalIn,
    AssignIn,
    AssignmentOut,
    CaseIn,
    CaseOut,
    CloseIn,
    DecisionIn,
    IncomingIn,
    IncomingOut,
    LetterIn,
    LetterOut,
    RecordEntryOut,
    SendIn,
    StatusIn,
)
from ratusz.core.api import BoundedPagination, require_permission
from ratusz.core.idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyConflict,
    caller_of,
    fingerprint,
    scoped_key,
)

router = Router(tags=["ezd"])

class ProblemError(HttpError):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(status, message)
        self.code = code


def _ezd_error(error: services.EzdError) -> HttpError:
    """The refusal as problem+json; its detail in English, the language of the API."""
    status = 404 if error.code.endswith("_not_found") else 422
    with translation.override("en"):
        return ProblemError(status, error.code, str(error.message))


@router.get("/incoming", response=list[IncomingOut],
            summary="The incoming register (RPW), newest first")
@paginate(BoundedPagination, page_size=50)
def list_incoming(request: HttpRequest):
    require_permission(request, Permission.VIEW_REGISTERS)
    return selectors.incoming_register(request.auth.municipality).order_by(
        "-registered_at", "-pk")


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


@router.post("/cases", response={201: CaseOut, 200: CaseOut}, summary="Open a case")
def open_case(request: HttpRequest, payload: CaseIn):
    """With an `Idempotency-Key`, a repeat of the same request answers 200 with the case
    the first one opened; the same key with another body answers 409."""
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
    raw_key = _idempotency_key(request)
    try:
        case, opened = services.open_case_once(
            unit, idempotency_key=scoped_key(caller_of(request), raw_key),
            fingerprint=fingerprint(payload.model_dump(mode="json")),
            acting_user=request.auth.user, department=department,
            jrwa_symbol=payload.jrwa_symbol.strip(), title=payload.title, incoming=incoming,
            handler=handler, description=payload.description, deadline=payload.deadline,
            parties=[services.PartyData(**{**p.to_sender().__dict__, "role": p.role})
                     for p in payload.parties],
        )
    except IdempotencyConflict as conflict:
        raise ProblemError(409, "idempotency_conflict", "Idempotency-Key: this key was used "
                           "before with another request body.") from conflict
    except services.EzdError as error:
        raise _ezd_error(error) from error
    return Status(201 if opened else 200, case)


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
