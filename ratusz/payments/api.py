"""API of the payments app (the contract of issue 16). Amounts are integer grosze.

- `GET /obligations`: with a resident's token, the caller's own (one item per
  instalment); with `payments.view`, `?payer=<PESEL or NIP>` (else the gmina's).
- `POST /obligations/import` (`payments.manage`): a JSON list of obligations.
- `POST /payments` (a resident's token) `{"obligations": [ids]}` → 201 with the gateway
  address; `GET /payments/{id}`.
- `POST /statements` (`payments.manage`): an MT940 file as the body (`text/plain`).
"""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ConfigDict

from ratusz.accounts.permissions import Permission
from ratusz.core.api import BoundedPagination, require_permission
from ratusz.payments import selectors, services
from ratusz.payments.errors import in_english, reason_texts
from ratusz.payments.models import Payment

router = Router(tags=["payments"])
MAX_IMPORT_LINES = 200_000


class ObligationOut(Schema):
    id: int
    kind: str
    title: str
    due_date: date
    amount: int
    paid: int
    outstanding: int
    interest: int
    status: str
    account: str
    period: str
    number: int
    reference: str


class RefusedLineOut(Schema):
    line: int
    external_id: str
    reason: str
    reasons: list[str]


class ImportOut(Schema):
    id: int
    lines: int
    created: int
    updated: int
    unchanged: int
    refused: int
    refused_lines: list[RefusedLineOut]


class PaymentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    obligations: list[int] = Field(..., min_length=1, max_length=50)


class PaymentOut(Schema):
    id: UUID
    amount: int
    status: str
    redirect_url: str
    obligations: list[int]


class StatementOut(Schema):
    id: int
    lines: int
    matched: int
    unmatched: int
    duplicates: int
    debits: int


def _is_resident_caller(request: HttpRequest) -> bool:
    user = request.auth.user
    return (Permission.RESIDENT_SELF in getattr(request, "api_permissions", ())
            and user is not None and user.is_resident)


class _Views:
    """Instalments as API items, computed only for the page asked for."""

    def __init__(self, instalments):
        self.instalments = instalments
        self.calculator = selectors.interest_calculator()

    def all(self):
        return self

    def count(self) -> int:
        return self.instalments.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window):
        return [_present(view) for view in selectors.views(
            self.instalments[window], calculator=self.calculator)]


def _present(view) -> dict:
    return {"id": view.id, "kind": view.kind, "title": view.title, "due_date": view.due_date,
            "amount": view.amount, "paid": view.paid, "outstanding": view.outstanding,
            "interest": view.interest, "status": view.status, "account": view.account,
            "period": view.instalment.obligation.period, "number": view.instalment.number,
            "reference": view.reference}


@router.get("/obligations", response=list[ObligationOut])
@paginate(BoundedPagination, page_size=100)
def list_obligations(request: HttpRequest, payer: str = Query("", max_length=40)):
    """One item per instalment, amounts in grosze; `status` is open, paid or overdue and
    `interest` the late-payment interest owed if paid today."""
    municipality = request.municipality
    if _is_resident_caller(request):
        return _Views(selectors.resident_instalments(municipality, request.auth.user))
    require_permission(request, Permission.VIEW_PAYMENTS)
    if payer:
        found = selectors.payer_by_identifier(municipality, payer)
        instalments = selectors.instalments_of(municipality)
        return _Views(instalments.filter(payer=found) if found else instalments.none())
    return _Views(selectors.instalments_of(municipality))


def _refused_line(entry: dict) -> dict:
    with translation.override("en"):
        reasons = reason_texts(entry["reasons"])
    return {"line": entry["line"], "external_id": entry["external_id"],
            "reason": " ".join(reasons), "reasons": reasons}


IMPORT_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "array", "maxItems": MAX_IMPORT_LINES,
    "items": {"type": "object", "description": "An obligation: external_id, kind, title, "
              "period, payer {kind, pesel|nip, name, …}, classification {dzial, rozdzial, "
              "paragraf}, instalments [{number, due_date, amount}] (amounts in grosze)."}}}}}}


@router.post("/obligations/import", response={200: ImportOut}, openapi_extra=IMPORT_BODY)
def import_obligations(request: HttpRequest):
    """Create or update obligations by `external_id`; each refused line is reported with
    its reasons and nothing of it is written."""
    require_permission(request, Permission.MANAGE_PAYMENTS)
    try:
        records = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, "The body is not JSON.") from None
    if not isinstance(records, list) or len(records) > MAX_IMPORT_LINES:
        error = HttpError(422, f"The body must be a JSON list of at most {MAX_IMPORT_LINES} "
                               "obligations.")
        error.errors = [{"loc": ["body"], "msg": "a JSON list of obligations"}]
        raise error
    try:
        run = services.import_obligations(request.municipality, records,
                                          acting_user=request.auth.user, channel="api")
    except services.PaymentsError as error:
        raise HttpError(409, in_english(error.message)) from None
    return {"id": run.pk, "lines": run.lines, "created": run.created, "updated": run.updated,
            "unchanged": run.unchanged, "refused": run.refused,
            "refused_lines": [_refused_line(entry) for entry in run.refused_lines]}


def _present_payment(payment: Payment) -> dict:
    return {"id": payment.public_id, "amount": payment.amount, "status": payment.status,
            "redirect_url": payment.redirect_url,
            "obligations": list(payment.items.values_list("instalment_id", flat=True))}


@router.post("/payments", response={201: PaymentOut})
def create_payment(request: HttpRequest, payload: PaymentIn):
    """Start paying the caller's own obligations online: send the payer to
    `redirect_url` (the gateway's page)."""
    if not _is_resident_caller(request):
        raise HttpError(403, "Only a resident's token can pay obligations.")
    try:
        payment = services.start_payment(request.municipality, user=request.auth.user,
                                         instalment_ids=payload.obligations)
    except services.PaymentsError as error:
        status = {"not_found": 404, "gateway_unavailable": 503, "no_gateway": 409}.get(
            error.code, 422)
        raise HttpError(status, in_english(error.message)) from None
    return Status(201, _present_payment(payment))


@router.get("/payments/{payment_id}", response=PaymentOut)
def get_payment(request: HttpRequest, payment_id: UUID):
    """A payment's state: pending, paid, failed or cancelled."""
    if _is_resident_caller(request):
        payment = selectors.access_payment(request.municipality, payment_id,
                                           user=request.auth.user)
    else:
        require_permission(request, Permission.VIEW_PAYMENTS)
        payment = selectors.access_payment(request.municipality, payment_id)
    if payment is None:
        raise Http404
    return _present_payment(payment)


STATEMENT_BODY = {"requestBody": {"required": True, "content": {"text/plain": {"schema": {
    "type": "string", "description": "An MT940 statement of the gmina's collection account."
}}}}}


@router.post("/statements", response={201: StatementOut}, openapi_extra=STATEMENT_BODY)
def import_statement(request: HttpRequest):
    """Import an MT940 statement: lines matched, unmatched (queued for a clerk) and
    duplicates (seen before; the same file again books nothing)."""
    require_permission(request, Permission.MANAGE_PAYMENTS)
    try:
        statement = services.import_statement(request.municipality, request.body,
                                              acting_user=request.auth.user, channel="api")
    except services.PaymentsError as error:
        exception = HttpError(422, in_english(error.message))
        exception.code = error.code
        raise exception from None
    return Status(201, {"id": statement.pk, "lines": statement.lines,
                        "matched": statement.matched, "unmatched": statement.unmatched,
                        "duplicates": statement.duplicates, "debits": statement.debits})
