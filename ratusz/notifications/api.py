"""API of the notification system (contract of issue 6): alerts by a staff token.

Request bodies are strict: a key an operation does not know is refused (422 naming it),
every text and list has a limit and dates a plausible range (the services check the
range). An Idempotency-Key belongs to the token that sent it and to one body: a repeat
returns the first alert, the same key with another body is a conflict (409)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, StringConstraints

from ratusz.accounts.permissions import Permission
from ratusz.core.api import require_permission
from ratusz.core.idempotency import (
    MAX_KEY_LENGTH,
    IdempotencyConflict,
    caller_of,
    fingerprint,
    scoped_key,
)
from ratusz.core.models import Locality
from ratusz.notifications import feeds, selectors, services
from ratusz.notifications.models import Alert, AlertStatus, Channel, MsgType, Topic

router = Router(tags=["notifications"])

LIMITS = services.TEXT_LIMITS
#: Enough for every locality of the largest gmina, named once.
MAX_AREA = 500
MAX_ID = 2**63 - 1
LocalityName = Annotated[str, StringConstraints(
    max_length=Locality._meta.get_field("name").max_length)]
ChannelName = Annotated[str, StringConstraints(max_length=10)]


class StrictSchema(Schema):
    """A request body that refuses keys it does not know (422 naming the key)."""

    model_config = ConfigDict(extra="forbid")


class AlertIn(StrictSchema):
    event: str = Field(..., max_length=LIMITS["event"],
                       description="What happens, e.g. 'Przerwa w dostawie wody'")
    headline: str = Field(..., max_length=LIMITS["headline"])
    description: str = Field(..., max_length=LIMITS["description"])
    severity: str = Field(..., max_length=10,
                          description="CAP: Extreme, Severe, Moderate, Minor, Unknown")
    urgency: str = Field(..., max_length=10,
                         description="CAP: Immediate, Expected, Future, Past, Unknown")
    certainty: str = Field(..., max_length=10,
                           description="CAP: Observed, Likely, Possible, Unlikely, Unknown")
    instruction: str = Field("", max_length=LIMITS["instruction"])
    topic: str = Field(Topic.WEATHER.value, max_length=20,
                       description="weather, water, power, roads, waste, events, council, "
                                   "health, schools")
    area: list[LocalityName] = Field(default_factory=list, max_length=MAX_AREA,
                                     description="Locality names or TERYT SIMC codes; "
                                                 "empty = the whole gmina")
    onset: datetime | None = Field(None, description="Start; at most a year back and two "
                                                     "years ahead. Without an offset: "
                                                     "Polish time")
    expiry: datetime | None = Field(None, description="End of validity (CAP expires): "
                                                      "not past, at most two years ahead")
    expires: datetime | None = Field(None, description="Synonym of expiry")
    channels: list[ChannelName] | None = Field(None, max_length=len(Channel),
                                               description="email, sms, push (default all)")
    references: int | None = Field(None, ge=1, le=MAX_ID,
                                   description="id of the alert this updates/cancels")
    msg_type: str = Field(MsgType.ALERT.value, max_length=8,
                          description="Alert, Update or Cancel")


class AlertOut(Schema):
    id: int
    status: str
    msg_type: str
    identifier: str
    event: str
    headline: str
    severity: str
    urgency: str
    certainty: str
    topic: str
    area: list[str]
    onset: datetime | None
    expires: datetime | None
    published_at: datetime | None
    needs_approval: bool
    cap_url: str | None
    messages: dict[str, int]

    @staticmethod
    def resolve_area(obj) -> list[str]:
        return [loc.name for loc in selectors.alert_localities(obj.municipality_id, obj)]

    @staticmethod
    def resolve_cap_url(obj) -> str | None:
        return feeds.cap_url(obj) if obj.status == AlertStatus.PUBLISHED else None

    @staticmethod
    def resolve_messages(obj) -> dict[str, int]:
        return selectors.message_counts(obj.municipality_id, obj)


def _unprocessable(problems: list[tuple[str, str]], detail: str = "") -> HttpError:
    """422 naming each field, like the schema's own errors."""
    error = HttpError(422, detail or " ".join(f"{field}: {message}"
                                              for field, message in problems))
    error.errors = [{"loc": ["body", "payload", field], "msg": message}
                    for field, message in problems]
    return error


def _error(error: services.NotificationError, status: int = 422) -> HttpError:
    problems = getattr(error, "errors", None)
    if status == 422 and (problems or error.field):
        return _unprocessable(problems or [(error.field, error.message)],
                              "" if problems else error.message)
    return HttpError(status, error.message)


def _localities(municipality, area: list[str]) -> list[Locality]:
    found, missing = [], []
    for item in area:
        item = (item or "").strip()
        locality = selectors.locality_by_name_or_simc(municipality, item)
        (found.append(locality) if locality else missing.append(item))
    if missing:
        raise _unprocessable([("area", f"unknown localities: {', '.join(missing)}")])
    return found


def _idempotency_key(request: HttpRequest) -> str:
    raw = request.headers.get("Idempotency-Key", "")
    if len(raw) > MAX_KEY_LENGTH:
        error = HttpError(422, f"Idempotency-Key: at most {MAX_KEY_LENGTH} characters.")
        error.errors = [{"loc": ["header", "Idempotency-Key"],
                         "msg": f"at most {MAX_KEY_LENGTH} characters"}]
        raise error
    return raw


@router.post("/alerts", response={201: AlertOut, 200: AlertOut},
             summary="Compose and send an alert (Severe/Extreme wait for approval)")
def create_alert(request: HttpRequest, payload: AlertIn):
    require_permission(request, Permission.COMPOSE_ALERTS)
    municipality = request.auth.municipality
    user = request.auth.user
    data = services.AlertData(
        event=payload.event, headline=payload.headline, description=payload.description,
        severity=payload.severity, urgency=payload.urgency, certainty=payload.certainty,
        instruction=payload.instruction, topic=payload.topic,
        onset=payload.onset, expires=payload.expiry or payload.expires,
        localities=_localities(municipality, payload.area), channels=payload.channels)
    references = None
    if payload.references is not None:
        references = selectors.alert_by_id(municipality, payload.references)
    if payload.msg_type not in MsgType.values:
        raise _unprocessable([("msg_type", "must be Alert, Update or Cancel")])
    raw_key = _idempotency_key(request)
    try:
        alert, created = services.create_alert(
            municipality, data, acting_user=user, msg_type=payload.msg_type,
            references=references,
            idempotency_key=scoped_key(caller_of(request), raw_key),
            fingerprint=fingerprint(payload.model_dump(mode="json")),
            legacy_key=raw_key[:80])
        if created:
            alert = services.submit_alert(alert, acting_user=user)
    except IdempotencyConflict as conflict:
        raise HttpError(409, "Idempotency-Key: this key was used before with another "
                             "request body.") from conflict
    except services.NotificationError as error:
        raise _error(error) from error
    return Status(201 if created else 200, selectors.alert_by_id(municipality, alert.pk))


def _alert(request: HttpRequest, alert_id: int) -> Alert:
    alert = selectors.alert_by_id(request.auth.municipality, alert_id)
    if alert is None:
        raise HttpError(404, "No such alert.")
    return alert


@router.get("/alerts/{alert_id}", response=AlertOut, summary="One alert with its delivery")
def get_alert(request: HttpRequest, alert_id: int):
    require_permission(request, Permission.COMPOSE_ALERTS)
    return _alert(request, alert_id)


class RejectIn(StrictSchema):
    reason: str = Field(..., max_length=services.REASON_LIMIT)


@router.post("/alerts/{alert_id}/approve", response=AlertOut,
             summary="Approve a severe alert (a second person)")
def approve_alert(request: HttpRequest, alert_id: int):
    require_permission(request, Permission.APPROVE_ALERTS)
    try:
        alert = services.approve_alert(_alert(request, alert_id),
                                       acting_user=request.auth.user)
    except services.NotificationError as error:
        raise _error(error, 409) from error
    return alert


@router.post("/alerts/{alert_id}/reject", response=AlertOut, summary="Reject a severe alert")
def reject_alert(request: HttpRequest, alert_id: int, payload: RejectIn):
    require_permission(request, Permission.APPROVE_ALERTS)
    try:
        alert = services.reject_alert(_alert(request, alert_id),
                                      acting_user=request.auth.user, reason=payload.reason)
    except services.NotificationError as error:
        raise _error(error, 409) from error
    return alert
