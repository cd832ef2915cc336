"""API of the notification system (contract of issue 6): alerts by a staff token."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from ratusz.accounts.permissions import Permission
from ratusz.core.api import require_permission
from ratusz.core.models import Locality
from ratusz.notifications import feeds, selectors, services
from ratusz.notifications.models import Alert, AlertStatus, MsgType, Topic

router = Router(tags=["notifications"])


class AlertIn(Schema):
    event: str = Field(..., description="What happens, e.g. 'Przerwa w dostawie wody'")
    headline: str
    description: str
    severity: str = Field(..., description="CAP: Extreme, Severe, Moderate, Minor, Unknown")
    urgency: str = Field(..., description="CAP: Immediate, Expected, Future, Past, Unknown")
    certainty: str = Field(..., description="CAP: Observed, Likely, Possible, Unlikely, "
                                            "Unknown")
    instruction: str = ""
    topic: str = Field(Topic.WEATHER.value, description="weather, water, power, roads, waste, "
                                                        "events, council, health, schools")
    area: list[str] = Field(default_factory=list, description="Locality names or TERYT SIMC "
                                                              "codes; empty = the whole gmina")
    onset: datetime | None = None
    expiry: datetime | None = Field(None, description="End of validity (CAP expires)")
    expires: datetime | None = Field(None, description="Synonym of expiry")
    channels: list[str] | None = Field(None, description="email, sms, push (default all)")
    references: int | None = Field(None, description="id of the alert this updates/cancels")
    msg_type: str = Field(MsgType.ALERT.value, description="Alert, Update or Cancel")


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


def _error(error: services.NotificationError, status: int = 422) -> HttpError:
    detail = error.message
    if getattr(error, "errors", None):
        detail = " ".join(f"{field}: {message}" for field, message in error.errors)
    return HttpError(status, detail)


def _localities(municipality, area: list[str]) -> list[Locality]:
    found, missing = [], []
    for item in area:
        item = (item or "").strip()
        locality = selectors.locality_by_name_or_simc(municipality, item)
        (found.append(locality) if locality else missing.append(item))
    if missing:
        raise HttpError(422, f"area: unknown localities: {', '.join(missing)}")
    return found


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
        raise HttpError(422, "msg_type: must be Alert, Update or Cancel")
    key = request.headers.get("Idempotency-Key", "")[:80]
    try:
        alert, created = services.create_alert(
            municipality, data, acting_user=user, msg_type=payload.msg_type,
            references=references, idempotency_key=key)
        if created:
            alert = services.submit_alert(alert, acting_user=user)
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


class RejectIn(Schema):
    reason: str


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
