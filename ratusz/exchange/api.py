"""The exchange app's REST operations under /api/v1/ (`registers.view`):

- `GET /exchange/letters/{letter_id}` – the delivery of an EZD letter sent by e-Doręczenia
  (the shape of the letters' `delivery` in the API contract);
- `GET /exchange/evidences/{evidence_id}` – an evidence's signed XML as the provider gave
  it (its signature verified before it was kept);
- `GET /exchange/addresses?q=` – public bodies' ADEs by name or address: the platform's
  gminy and units first, then the national address base (at most 20);
- `GET /exchange/incoming` – messages registered in the gmina's RPW, newest first, with
  their channel, the sender's ADE and the RPW number (paginated)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from ratusz.accounts.permissions import Permission
from ratusz.core.api import BoundedPagination, require_permission
from ratusz.exchange import selectors, services

router = Router(tags=["exchange"])


class EvidenceLink(Schema):
    kind: str = Field(description="BP.WX proof of sending, BP.OX proof of receipt, A.2 "
                                  "rejected, H.PN/H.EPO/H.DW of the hybrid service.")
    url: str


class DeliveryOut(Schema):
    status: str = Field(description="sent, delivered, deemed_delivered or failed.")
    sent_at: datetime | None
    received_at: datetime | None = Field(description="The legal time of receipt (art. 41).")
    channel: str = Field(description="e_delivery or hybrid.")
    reason: str
    evidences: list[EvidenceLink]


class IncomingOut(Schema):
    id: int
    channel: str
    sender_ade: str
    sender_name: str
    subject: str
    received_at: datetime | None
    entry_id: int | None
    entry_number: str
    is_a2a: bool


@router.get("/exchange/letters/{letter_id}", response=DeliveryOut,
            summary="The delivery of a letter sent by e-Doręczenia")
def letter_delivery(request: HttpRequest, letter_id: int):
    require_permission(request, Permission.VIEW_REGISTERS)
    message = selectors.outbound_of_letter(request.municipality, letter_id)
    if message is None:
        raise HttpError(404, "This letter was not sent through the exchange.")
    return selectors.letter_delivery(message)


@router.get("/exchange/evidences/{evidence_id}", summary="An evidence's signed XML")
def evidence_xml(request: HttpRequest, evidence_id: int):
    require_permission(request, Permission.VIEW_REGISTERS)
    evidence = selectors.access_evidence_by_id(request.municipality, evidence_id)
    if evidence is None:
        raise HttpError(404, "No such evidence.")
    response = HttpResponse(bytes(evidence.xml), content_type="application/xml")
    response["Content-Disposition"] = (f'attachment; filename="{evidence.kind}-'
                                       f'{evidence.pk}.xml"')
    return response


@router.get("/exchange/incoming", response=list[IncomingOut],
            summary="Messages registered in the RPW, newest first")
@paginate(BoundedPagination, page_size=50)
def incoming(request: HttpRequest):
    require_permission(request, Permission.VIEW_REGISTERS)
    return selectors.registered_inbound(request.municipality)


class AddressOut(Schema):
    ade: str
    name: str
    is_public_body: bool
    is_platform: bool = Field(description="A gmina or unit of this platform (A2A).")


@router.get("/exchange/addresses", response=list[AddressOut],
            summary="Look up a public body's address for e-Doręczenia")
def addresses(request: HttpRequest, q: str = Query(..., min_length=3, max_length=120)):
    require_permission(request, Permission.VIEW_REGISTERS)
    return services.look_up_addresses(q)
