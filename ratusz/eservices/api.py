"""API of the e-services: the catalogue, the cards with their forms, submissions and their
receipts (contract of the e-services issue).

A submission's body is strict: only `data` (unknown keys: 422 naming them); the answers
are checked against the service's form (its limits, formats, no control characters). An
`Idempotency-Key` belongs to the token that sent it and to one body: a retry returns the
first submission, the same key with another body is a conflict (409)."""

from __future__ import annotations

import copy
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from pydantic import ConfigDict

from ratusz.accounts.permissions import Permission
from ratusz.core.api import BoundedPagination, require_permission
from ratusz.core.idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyConflict,
    caller_of,
    fingerprint,
    scoped_key,
)
from ratusz.core.selectors import list_locality_names
from ratusz.eservices import forms_engine, receipts, selectors, services
from ratusz.eservices.errors import in_english
from ratusz.eservices.models import Service, Submission

router = Router(tags=["e-services"])


class ServiceOut(Schema):
    slug: str
    name: str
    category: str
    summary: str
    maturity_level: int
    requires_identification: bool
    allows_anonymous: bool
    fee_amount: Decimal | None
    deadline_days: int
    department: str
    url: str


class CardOut(ServiceOut):
    purpose: str
    who_may_apply: str
    required_documents: list[str]
    fee_description: str
    fee_account: str
    deadline_description: str
    legal_basis: list[str]
    jrwa_symbol: str
    form: dict


class SubmissionIn(Schema):
    """The answers of the form (`data`, by the form's JSON Schema); nothing else."""

    model_config = ConfigDict(extra="forbid")

    data: dict


class SubmissionOut(Schema):
    id: UUID
    service: str
    case_mark: str
    rpw_number: str
    status: str
    submitted_at: datetime
    deadline: date | None
    fee_amount: Decimal | None
    fee_status: str
    receipt_pdf_url: str
    receipt_xml_url: str
    status_url: str


def _form_for_api(service: Service) -> dict:
    form = service.current_form
    schema = forms_engine.normalise_schema(form.schema)
    localities = list_locality_names(service.municipality_id)
    for prop in _all_properties(schema):
        if prop.get("format") == "locality":
            prop["enum"] = localities
    return {"version": form.number, "title": form.title, "schema": schema,
            "layout": copy.deepcopy(form.layout)}


def _all_properties(schema: dict):
    for prop in schema.get("properties", {}).values():
        yield prop
        if forms_engine.is_group(prop):
            yield from prop.get("items", {}).get("properties", {}).values()


def _service_or_404(request: HttpRequest, slug: str) -> Service:
    service = selectors.published_service(request.municipality, slug)
    if service is None:
        raise Http404
    return service


def _summary(request: HttpRequest, service: Service) -> dict:
    return {
        "slug": service.slug, "name": service.name, "category": service.category,
        "summary": service.summary, "maturity_level": service.maturity_level,
        "requires_identification": service.requires_identification,
        "allows_anonymous": service.allows_anonymous, "fee_amount": service.fee_amount,
        "deadline_days": service.deadline_days, "department": service.department.symbol,
        "url": request.build_absolute_uri(
            f"/g/{request.municipality.slug}/e-urzad/uslugi/{service.slug}/"),
    }


def _card(request: HttpRequest, service: Service) -> dict:
    return {
        **_summary(request, service),
        "purpose": service.purpose, "who_may_apply": service.who_may_apply,
        "required_documents": service.required_documents,
        "fee_description": service.fee_description, "fee_account": service.fee_account,
        "deadline_description": service.deadline_description,
        "legal_basis": service.legal_basis, "jrwa_symbol": service.jrwa_symbol,
        "form": _form_for_api(service),
    }


def present_submission(request: HttpRequest, submission: Submission) -> dict:
    base = f"/api/v1/submissions/{submission.public_id}"
    return {
        "id": submission.public_id, "service": submission.service.slug,
        "case_mark": submission.case.mark, "rpw_number": submission.incoming.number,
        "status": "withdrawn" if submission.is_withdrawn else submission.case.status,
        "submitted_at": submission.submitted_at, "deadline": submission.case.deadline,
        "fee_amount": submission.fee_amount, "fee_status": submission.fee_status,
        "receipt_pdf_url": request.build_absolute_uri(f"{base}/receipt.pdf"),
        "receipt_xml_url": request.build_absolute_uri(f"{base}/receipt.xml"),
        "status_url": request.build_absolute_uri(base),
    }


@router.get("/services", response=list[ServiceOut])
@paginate(BoundedPagination, page_size=100)
def list_services(request: HttpRequest, q: str = Query("", max_length=200),
                  category: str = Query("", max_length=20)):
    """The gmina's published services (`{"items", "count"}`), optionally filtered: `q`
    searches as the e-office does (Polish word forms, form codes, plain words; the best
    match first)."""
    found = selectors.search_services(request.municipality, q, category=category) \
        if q.strip() else selectors.catalogue_services(request.municipality, category=category)
    return [_summary(request, service) for service in found]


@router.get("/services/{slug}", response=CardOut)
def get_service(request: HttpRequest, slug: str):
    """A service card with its form: `form.schema` (JSON Schema) and `form.layout`."""
    return _card(request, _service_or_404(request, slug))


def _resident(request: HttpRequest):
    require_permission(request, Permission.RESIDENT_SELF)
    user = request.auth.user
    if user is None or not user.is_resident:
        raise HttpError(403, "Only a resident's token can file a submission.")
    return user


@router.post("/services/{slug}/submissions", response={201: SubmissionOut})
def create_submission(request: HttpRequest, slug: str, payload: SubmissionIn,
                      response: HttpResponse):
    """File the form of a service as the resident of the token. With `Idempotency-Key`, a
    retry returns the first submission (and the header `Idempotent-Replayed: true`).
    Invalid answers: 422 with `errors` naming each field."""
    resident = _resident(request)
    service = _service_or_404(request, slug)
    raw_key = _idempotency_key(request)
    answers, files, errors = services.decode_api_attachments(service.current_form.schema,
                                                             payload.data)
    if errors:
        raise Rejected(errors)
    try:
        submission, created = services.submit(
            service, data=answers, files=files, resident=resident,
            idempotency_key=scoped_key(caller_of(request), raw_key),
            fingerprint=fingerprint(payload.data), strict=True)
    except IdempotencyConflict:
        raise HttpError(409, "Idempotency-Key: this key was used before with another "
                             "request body.") from None
    except services.SubmissionRejected as rejection:
        raise Rejected(rejection.errors) from None
    except services.EserviceError as error:
        status = 404 if error.code.endswith("not_found") else \
            403 if error.code == "identification_required" else 422
        raise HttpError(status, in_english(error.message)) from None
    if not created:
        response["Idempotent-Replayed"] = "true"
    response["Location"] = f"/api/v1/submissions/{submission.public_id}"
    return Status(201, present_submission(request, submission))


def _idempotency_key(request: HttpRequest) -> str:
    raw = request.headers.get("Idempotency-Key", "")
    if len(raw) > MAX_KEY_LENGTH or not raw.isprintable():
        error = HttpError(422, f"Idempotency-Key: at most {MAX_KEY_LENGTH} printable "
                               "characters.")
        error.errors = [{"loc": ["header", "Idempotency-Key"],
                         "msg": f"at most {MAX_KEY_LENGTH} printable characters"}]
        raise error
    return raw


class Rejected(HttpError):
    """422 naming each field's problem, in English like the rest of the API."""

    def __init__(self, errors: dict):
        super().__init__(422, "The form has errors.")
        self.errors = {path: in_english(message) for path, message in errors.items()}


def _own_submission(request: HttpRequest, submission_id: UUID) -> Submission:
    resident = _resident(request)
    submission = selectors.access_own_submission(request.municipality, resident,
                                                 submission_id)
    if submission is None:
        raise Http404
    return submission


@router.get("/submissions", response=list[SubmissionOut])
@paginate(BoundedPagination, page_size=50)
def list_submissions(request: HttpRequest):
    """The token's resident's submissions in this gmina, newest first."""
    resident = _resident(request)
    return [present_submission(request, submission) for submission in
            selectors.submissions_of_resident(request.municipality, resident)]


@router.get("/submissions/{submission_id}", response=SubmissionOut)
def get_submission(request: HttpRequest, submission_id: UUID):
    return present_submission(request, _own_submission(request, submission_id))


def _file_answer(content_type: str, description: str) -> dict:
    """The OpenAPI description of an answer that is a file, not JSON."""
    return {"responses": {"200": {"description": description, "content": {
        content_type: {"schema": {"type": "string", "format": "binary"}}}}}}


@router.get("/submissions/{submission_id}/receipt.pdf",
            openapi_extra=_file_answer("application/pdf", "The receipt, a PDF sealed by the "
                                                          "gmina (PAdES)."))
def receipt_pdf(request: HttpRequest, submission_id: UUID):
    """The receipt as a PDF sealed by the gmina (PAdES)."""
    submission = _own_submission(request, submission_id)
    response = HttpResponse(receipts.read_receipt(submission, "pdf"),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="UPP-{submission.public_id}.pdf"'
    return response


@router.get("/submissions/{submission_id}/receipt.xml",
            openapi_extra=_file_answer("application/xml", "The receipt, an XML document "
                                                          "with an enveloped XAdES seal."))
def receipt_xml(request: HttpRequest, submission_id: UUID):
    """The receipt as XML with an enveloped XAdES signature of the gmina."""
    submission = _own_submission(request, submission_id)
    response = HttpResponse(receipts.read_receipt(submission, "xml"),
                            content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="UPP-{submission.public_id}.xml"'
    return response
