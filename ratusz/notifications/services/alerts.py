"""Writes of the alerts: composing a draft (with an idempotency key), changing it,
submitting it — a minor or moderate alert is published at once, a severe or extreme one
waits for a second person's approval or rejection — and its updates and cancellations.
Publishing queues the fan-out for after the commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ratusz.core.idempotency import check_repeat
from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit, snapshot
from ratusz.notifications import delivery
from ratusz.notifications.models import (
    ALERT_TOPICS,
    Alert,
    AlertStatus,
    Certainty,
    Channel,
    MsgType,
    Severity,
    Topic,
    Urgency,
)
from ratusz.notifications.services.checks import checked_text, text_problem
from ratusz.notifications.services.errors import NotificationError

# --- alerts -------------------------------------------------------------------------------

ALERT_FIELDS = ["status", "msg_type", "topic", "event", "headline", "severity", "urgency",
                "certainty", "onset", "expires", "references_id"]
#: The longest texts of an alert (the model's limits; the API and the forms use them too).
TEXT_LIMITS = {name: Alert._meta.get_field(name).max_length
               for name in ("event", "headline", "description", "instruction")}
REASON_LIMIT = 2000
#: An alert's dates lie at most a year back (an end also not past) and two years ahead.
EARLIEST = timedelta(days=366)
LATEST = timedelta(days=2 * 366)


@dataclass
class AlertData:
    event: str
    headline: str
    description: str
    severity: str
    urgency: str
    certainty: str
    instruction: str = ""
    topic: str = Topic.WEATHER
    onset: object = None
    expires: object = None
    localities: list | None = None
    channels: list | None = None


def validate_alert(municipality, data: AlertData) -> AlertData:
    """The alert data checked (NotificationError with every problem in `.errors`), with
    the default channels filled in."""
    errors = []
    labels = {"event": _("event"), "headline": _("headline"),
              "description": _("description"), "instruction": _("instruction")}
    for field, label in labels.items():
        value = getattr(data, field) or ""
        if field != "instruction" and not value.strip():
            errors.append((field, _("Fill in: %(label)s.") % {"label": label}))
            continue
        problem = text_problem(value, label, TEXT_LIMITS[field])
        if problem:
            errors.append((field, problem))
    for field, value, choices in (("severity", data.severity, Severity),
                                  ("urgency", data.urgency, Urgency),
                                  ("certainty", data.certainty, Certainty)):
        if value not in choices.values:
            errors.append((field, _("%(field)s must be one of: %(values)s.") % {
                "field": field, "values": ", ".join(choices.values)}))
    if data.topic not in [t.value for t in ALERT_TOPICS]:
        errors.append(("topic", _("Unknown topic.")))
    errors += _date_problems(data)
    for locality in data.localities or []:
        if locality.municipality_id != municipality.pk:
            errors.append(("area", _("Unknown locality.")))
    channels = data.channels if data.channels is not None else list(Channel.values)
    if not channels or any(c not in Channel.values for c in channels):
        errors.append(("channels", _("Choose the channels: e-mail, SMS, web push.")))
    if errors:
        field, message = errors[0]
        error = NotificationError("invalid_alert", message, field)
        error.errors = errors
        raise error
    data.channels = channels
    return data


def _date_problems(data: AlertData) -> list[tuple[str, str]]:
    """The dates made aware (a date without an offset is Polish time) and checked: within
    a plausible range, the end after the start and not yet past."""
    now = timezone.now()
    problems = []
    for field in ("onset", "expires"):
        value = getattr(data, field)
        if value is None:
            continue
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
            setattr(data, field, value)
        if not now - EARLIEST <= value <= now + LATEST:
            problems.append((field, _("The date must lie between a year ago and two years "
                                      "from now.")))
    if problems:
        return problems
    if data.onset and data.expires and data.onset >= data.expires:
        problems.append(("expires", _("The end must be after the start.")))
    if data.expires and data.expires <= now:
        problems.append(("expires", _("The end is already in the past.")))
    return problems


def _repeated(municipality, *, idempotency_key: str, fingerprint: str, legacy_key: str,
              acting_user) -> Alert | None:
    """The alert an earlier request with this key created, or None; IdempotencyConflict
    when that request had another body. `idempotency_key` is the caller's scoped key
    (`ratusz.core.idempotency.scoped_key`); `legacy_key`, the raw key, finds an alert
    stored before keys were scoped, for the same person only."""
    query = Q(idempotency_key=idempotency_key)
    if legacy_key:
        query |= Q(idempotency_key=legacy_key, idempotency_fingerprint="",
                   created_by=acting_user)
    found = Alert.objects.filter(query, municipality=municipality).first()
    if found is not None:
        check_repeat(found.idempotency_fingerprint, fingerprint)
    return found


def create_alert(municipality, data: AlertData, *, acting_user, msg_type: str = MsgType.ALERT,
                 references: Alert | None = None, idempotency_key: str = "",
                 fingerprint: str = "", legacy_key: str = "") -> tuple[Alert, bool]:
    """A draft alert. With an idempotency key a repeated call returns the first alert;
    with the key and another body (its `fingerprint` differs) it raises
    `ratusz.core.idempotency.IdempotencyConflict`."""
    if idempotency_key:
        found = _repeated(municipality, idempotency_key=idempotency_key,
                          fingerprint=fingerprint, legacy_key=legacy_key,
                          acting_user=acting_user)
        if found:
            return found, False
    data = validate_alert(municipality, data)
    if msg_type != MsgType.ALERT and (
            references is None or references.municipality_id != municipality.pk
            or references.status != AlertStatus.PUBLISHED):
        raise NotificationError("invalid_reference", _(
                "An update or a cancellation must refer to a published alert."), "references")
    try:
        with transaction.atomic(durable=True):
            alert = Alert.objects.create(
                municipality=municipality, msg_type=msg_type, references=references,
                topic=data.topic, event=data.event.strip(), headline=data.headline.strip(),
                description=data.description.strip(), instruction=data.instruction.strip(),
                urgency=data.urgency, severity=data.severity, certainty=data.certainty,
                onset=data.onset, expires=data.expires, channels=data.channels,
                idempotency_key=idempotency_key,
                idempotency_fingerprint=fingerprint if idempotency_key else "",
                created_by=acting_user)
            alert.localities.set(data.localities or [])
            record_audit(municipality=municipality, acting_user=acting_user,
                         action=AuditAction.CREATED, target=alert,
                         after=snapshot(alert, ALERT_FIELDS))
    except IntegrityError:
        # A concurrent request with the same key committed first.
        found = _repeated(municipality, idempotency_key=idempotency_key,
                          fingerprint=fingerprint, legacy_key="", acting_user=acting_user)
        if found is None:
            raise
        return found, False
    return alert, True


def update_draft(alert: Alert, data: AlertData, *, acting_user) -> Alert:
    """Change a draft (a rejected alert becomes a draft again)."""
    if alert.status not in (AlertStatus.DRAFT, AlertStatus.REJECTED):
        raise NotificationError("not_editable", _("Only a draft can be changed."))
    data = validate_alert(alert.municipality, data)
    with transaction.atomic(durable=True):
        before = snapshot(alert, ALERT_FIELDS)
        for field in ("topic", "event", "headline", "description", "instruction", "urgency",
                      "severity", "certainty", "onset", "expires", "channels"):
            value = getattr(data, field)
            setattr(alert, field, value.strip() if isinstance(value, str) else value)
        alert.status = AlertStatus.DRAFT
        alert.save()
        alert.localities.set(data.localities or [])
        record_audit(municipality=alert.municipality, acting_user=acting_user,
                     action=AuditAction.UPDATED, target=alert, before=before,
                     after=snapshot(alert, ALERT_FIELDS))
    return alert


def submit_alert(alert: Alert, *, acting_user) -> Alert:
    """Send now (minor and moderate) or ask for a second person's approval (severe and
    extreme)."""
    with transaction.atomic(durable=True):
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status not in (AlertStatus.DRAFT, AlertStatus.REJECTED):
            raise NotificationError("not_a_draft", _("This alert was already submitted."))
        alert.submitted_at = timezone.now()
        if alert.needs_approval:
            alert.status = AlertStatus.PENDING
            alert.save(update_fields=["status", "submitted_at"])
            record_audit(municipality=alert.municipality, acting_user=acting_user,
                         action=AuditAction.UPDATED, target=alert,
                         after={"status": AlertStatus.PENDING})
            return alert
        alert.save(update_fields=["submitted_at"])
        return _publish(alert, acting_user=acting_user)


def approve_alert(alert: Alert, *, acting_user) -> Alert:
    """A second person publishes a severe alert awaiting approval (never its author)."""
    with transaction.atomic(durable=True):
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status != AlertStatus.PENDING:
            raise NotificationError("not_pending", _("This alert is not awaiting approval."))
        if alert.created_by_id == getattr(acting_user, "pk", None):
            raise NotificationError("same_person", _(
                "A severe alert needs a second person: its author cannot approve it."))
        alert.decided_by, alert.decided_at = acting_user, timezone.now()
        alert.save(update_fields=["decided_by", "decided_at"])
        return _publish(alert, acting_user=acting_user)


def reject_alert(alert: Alert, *, acting_user, reason: str) -> Alert:
    """A second person sends a severe alert back to its author, saying why."""
    reason = (reason or "").strip()
    if not reason:
        raise NotificationError("reason_required", _("Say why the alert is rejected."),
                                "reason")
    checked_text(reason, field="reason", label=_("reason"), limit=REASON_LIMIT)
    with transaction.atomic(durable=True):
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status != AlertStatus.PENDING:
            raise NotificationError("not_pending", _("This alert is not awaiting approval."))
        alert.status = AlertStatus.REJECTED
        alert.decided_by, alert.decided_at = acting_user, timezone.now()
        alert.rejection_reason = reason
        alert.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
        record_audit(municipality=alert.municipality, acting_user=acting_user,
                     action=AuditAction.UPDATED, target=alert,
                     after={"status": AlertStatus.REJECTED, "reason": alert.rejection_reason})
    return alert


def _publish(alert: Alert, *, acting_user) -> Alert:
    alert.status = AlertStatus.PUBLISHED
    alert.published_at = timezone.now()
    alert.save(update_fields=["status", "published_at"])
    record_audit(municipality=alert.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=alert,
                 after={"status": AlertStatus.PUBLISHED,
                        "published_at": alert.published_at.isoformat()})
    delivery.start_fan_out(alert.pk)
    return alert


def follow_up(original: Alert, data: AlertData, *, acting_user, msg_type: str) -> Alert:
    """An update or a cancellation of a published alert, as its own draft."""
    if msg_type == MsgType.CANCEL:
        data.severity, data.urgency, data.certainty = (original.severity, Urgency.PAST,
                                                       Certainty.OBSERVED)
        data.topic = original.topic
        if data.localities is None:
            data.localities = list(original.localities.all())
    alert, _created = create_alert(original.municipality, data, acting_user=acting_user,
                                   msg_type=msg_type, references=original)
    return alert
