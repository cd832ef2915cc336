"""Writes of the notification system: subscribing with double opt-in and recorded consent,
unsubscribing, composing / approving / publishing alerts, and queueing messages in the
outbox. Every function validates first and writes in one transaction, so bad input leaves
nothing behind."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import time, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ratusz.core.models import AuditAction, Locality
from ratusz.core.services import record_audit, snapshot
from ratusz.notifications.models import (
    ALERT_TOPICS,
    Alert,
    AlertStatus,
    Certainty,
    Channel,
    ConsentAction,
    ConsentRecord,
    Message,
    MessageKind,
    MsgType,
    PushEndpoint,
    Severity,
    Subscriber,
    Subscription,
    Topic,
    Urgency,
)

logger = logging.getLogger("ratusz.notifications")

CONSENT_VERSION = "2026-12"
#: The wording shown next to the consent box; stored with every consent record.
CONSENT_WORDING = (
    "Zgadzam się na przetwarzanie mojego adresu e-mail i/lub numeru telefonu przez "
    "{gmina} w celu wysyłania mi wybranych powiadomień (ostrzeżeń, komunikatów i wiadomości "
    "o moich sprawach) wybranymi kanałami. Zgodę mogę wycofać w każdej chwili jednym "
    "kliknięciem w każdej wiadomości albo na stronie ustawień powiadomień; wycofanie nie "
    "wpływa na zgodność z prawem wcześniejszego przetwarzania (art. 7 ust. 3 RODO)."
)
CONFIRM_SALT = "ratusz.notifications.confirm-email"
CONFIRM_MAX_AGE = 7 * 24 * 3600
PHONE_CODE_TTL = timedelta(minutes=15)
PHONE_CODE_ATTEMPTS = 5


class NotificationError(Exception):
    def __init__(self, code: str, message: str, field: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


# --- addresses ----------------------------------------------------------------------------

def normalise_phone(raw: str) -> str:
    """A Polish mobile number as MSISDN digits (48 + 9 digits); NotificationError if not."""
    digits = re.sub(r"[\s\-().]", "", raw or "")
    if digits.startswith("+"):
        digits = digits[1:]
    elif digits.startswith("00"):
        digits = digits[2:]
    if len(digits) == 9:
        digits = "48" + digits
    if not re.fullmatch(r"48[4-8]\d{8}", digits):
        raise NotificationError(
            "invalid_phone",
            _("Enter a Polish mobile number: 9 digits, e.g. 512 345 678."), "phone")
    return digits


def normalise_email(raw: str) -> str:
    email = (raw or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise NotificationError("invalid_email",
                                _("Enter a valid e-mail address, e.g. jan@example.pl."),
                                "email") from None
    local, _sep, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _phone_digest(subscriber: Subscriber, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{subscriber.public_id}:{code}".encode(), hashlib.sha256).hexdigest()


# --- subscribing --------------------------------------------------------------------------

@dataclass
class Choice:
    """What a person asks for: pairs of (topic, channel), localities (empty = everywhere)."""

    pairs: set[tuple[str, str]]
    localities: list[Locality]
    email: str = ""
    phone: str = ""
    quiet_from: time | None = None
    quiet_until: time | None = None


def consent_wording(municipality) -> str:
    return CONSENT_WORDING.format(gmina=municipality.official_name or municipality.name)


def validate_choice(municipality, choice: Choice, *, user=None) -> Choice:
    valid_topics = {t.value for t in Topic}
    valid_channels = {c.value for c in Channel}
    for topic, channel in choice.pairs:
        if topic not in valid_topics or channel not in valid_channels:
            raise NotificationError("invalid_choice", _("Unknown topic or channel."))
    if not choice.pairs:
        raise NotificationError("nothing_chosen",
                                _("Choose at least one topic and one channel."), "topics")
    channels = {channel for _t, channel in choice.pairs}
    email = normalise_email(choice.email) if choice.email else ""
    phone = normalise_phone(choice.phone) if choice.phone else ""
    if Channel.EMAIL in channels and not email:
        raise NotificationError("email_required",
                                _("Give an e-mail address to get e-mails."), "email")
    if Channel.SMS in channels and not phone:
        raise NotificationError("phone_required",
                                _("Give a mobile number to get text messages."), "phone")
    if any(t == Topic.CASES for t, _c in choice.pairs) and user is None:
        raise NotificationError(
            "sign_in_for_cases",
            _("News of your cases needs signing in: your cases are tied to your account."),
            "topics")
    for locality in choice.localities:
        if locality.municipality_id != municipality.pk:
            raise NotificationError("invalid_locality", _("Unknown locality."), "localities")
    if (choice.quiet_from is None) != (choice.quiet_until is None):
        raise NotificationError("quiet_hours",
                                _("Give both the start and the end of quiet hours."),
                                "quiet_from")
    return Choice(choice.pairs, choice.localities, email, phone, choice.quiet_from,
                  choice.quiet_until)


def _find_subscriber(municipality, *, user, email, phone) -> Subscriber | None:
    queryset = Subscriber.objects.filter(municipality=municipality)
    if user is not None:
        found = queryset.filter(user=user).first()
        if found:
            return found
    if email:
        found = queryset.filter(email=email).first()
        if found and (found.user_id is None or user is None or found.user_id == user.pk):
            return found
    if phone:
        found = queryset.filter(phone=phone).first()
        if found and (found.user_id is None or user is None or found.user_id == user.pk):
            return found
    return None


def subscribe(municipality, choice: Choice, *, user=None, ip_address=None,
              via: str = "web", subscriber: Subscriber | None = None) -> Subscriber:
    """Create or change a subscription set. New or changed addresses must be confirmed
    (double opt-in: a link by e-mail, a code by SMS) before anything but the confirmation
    is sent to them. Records the consent with its wording."""
    choice = validate_choice(municipality, choice, user=user)
    with transaction.atomic():
        if subscriber is None:
            subscriber = _find_subscriber(municipality, user=user, email=choice.email,
                                          phone=choice.phone)
        created = subscriber is None
        if created:
            subscriber = Subscriber(municipality=municipality, user=user)
        send_email_confirmation = send_phone_code = False
        if choice.email and choice.email != subscriber.email:
            subscriber.email, subscriber.email_confirmed_at = choice.email, None
        if subscriber.email and not subscriber.email_confirmed_at and any(
                c == Channel.EMAIL for _t, c in choice.pairs):
            send_email_confirmation = True
        if choice.phone and choice.phone != subscriber.phone:
            subscriber.phone, subscriber.phone_confirmed_at = choice.phone, None
        if subscriber.phone and not subscriber.phone_confirmed_at and any(
                c == Channel.SMS for _t, c in choice.pairs):
            send_phone_code = True
        subscriber.quiet_from, subscriber.quiet_until = choice.quiet_from, choice.quiet_until
        subscriber.updated_at = timezone.now()
        try:
            with transaction.atomic():
                subscriber.save()
        except IntegrityError:
            raise NotificationError(
                "address_taken",
                _("This address already receives notifications from this gmina. Use the "
                  "settings link from any message you got."), "email") from None
        subscriber.localities.set(choice.localities)
        current = {(s.topic, s.channel): s.pk
                   for s in Subscription.objects.filter(subscriber=subscriber)}
        Subscription.objects.filter(pk__in=[pk for pair, pk in current.items()
                                            if pair not in choice.pairs]).delete()
        existing = set(current)
        Subscription.objects.bulk_create([
            Subscription(municipality=municipality, subscriber=subscriber, topic=topic,
                         channel=channel)
            for topic, channel in sorted(choice.pairs - existing)])
        _consent(subscriber, ConsentAction.GIVEN if created else ConsentAction.CHANGED,
                 ip_address=ip_address, via=via)
        if send_email_confirmation:
            transaction.on_commit(lambda: queue_email_confirmation(subscriber))
        if send_phone_code:
            code = _new_phone_code(subscriber)
            transaction.on_commit(lambda: queue_phone_code(subscriber, code))
    return subscriber


def _consent(subscriber: Subscriber, action: str, *, ip_address=None, via="web",
             scope_extra: dict | None = None) -> None:
    scope = {
        "pairs": sorted([t, c] for t, c in subscriber.subscriptions.values_list(
            "topic", "channel")),
        "localities": sorted(subscriber.localities.values_list("name", flat=True)),
        "email": bool(subscriber.email), "phone": bool(subscriber.phone),
    }
    scope.update(scope_extra or {})
    ConsentRecord.objects.create(
        municipality_id=subscriber.municipality_id, subscriber=subscriber,
        subscriber_ref=subscriber.public_id, action=action,
        wording=consent_wording(subscriber.municipality), wording_version=CONSENT_VERSION,
        scope=scope, ip_address=ip_address, via=via)


def confirmation_token(subscriber: Subscriber) -> str:
    return signing.dumps({"s": str(subscriber.public_id), "e": subscriber.email},
                         salt=CONFIRM_SALT)


def confirm_email(municipality, token: str, *, ip_address=None) -> Subscriber:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise NotificationError("link_expired", _(
            "This confirmation link has expired (it is valid for 7 days). Subscribe again "
            "to get a new one.")) from None
    except signing.BadSignature:
        raise NotificationError("link_invalid", _("This confirmation link is not valid."))\
            from None
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().filter(
            municipality=municipality, public_id=data["s"]).first()
        if subscriber is None or subscriber.email != data["e"]:
            raise NotificationError("link_invalid", _(
                "This confirmation link is no longer valid: the subscription was changed "
                "or removed."))
        if subscriber.email_confirmed_at is None:
            subscriber.email_confirmed_at = timezone.now()
            subscriber.save(update_fields=["email_confirmed_at"])
            _consent(subscriber, ConsentAction.CONFIRMED, ip_address=ip_address,
                     via="email-link", scope_extra={"confirmed": "email"})
    return subscriber


def _new_phone_code(subscriber: Subscriber) -> str:
    code = f"{secrets.randbelow(1_000_000):06d}"
    subscriber.phone_code_digest = _phone_digest(subscriber, code)
    subscriber.phone_code_sent_at = timezone.now()
    subscriber.phone_code_attempts = 0
    subscriber.save(update_fields=["phone_code_digest", "phone_code_sent_at",
                                   "phone_code_attempts"])
    return code


def resend_phone_code(subscriber: Subscriber) -> None:
    if subscriber.phone_code_sent_at and \
            timezone.now() - subscriber.phone_code_sent_at < timedelta(seconds=60):
        raise NotificationError("too_soon", _("Wait a minute before asking for a new code."))
    code = _new_phone_code(subscriber)
    queue_phone_code(subscriber, code)


def confirm_phone(subscriber: Subscriber, code: str, *, ip_address=None) -> Subscriber:
    code = re.sub(r"\s", "", code or "")
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.phone_confirmed_at:
            return subscriber
        if not subscriber.phone_code_digest or subscriber.phone_code_sent_at is None or \
                timezone.now() - subscriber.phone_code_sent_at > PHONE_CODE_TTL:
            raise NotificationError("code_expired", _(
                "The code has expired (it is valid for 15 minutes). Ask for a new one."),
                "code")
        if subscriber.phone_code_attempts >= PHONE_CODE_ATTEMPTS:
            raise NotificationError("too_many_attempts", _(
                "Too many wrong codes. Ask for a new one."), "code")
        if not hmac.compare_digest(subscriber.phone_code_digest,
                                   _phone_digest(subscriber, code)):
            subscriber.phone_code_attempts += 1
            subscriber.save(update_fields=["phone_code_attempts"])
            wrong = NotificationError("wrong_code", _("Wrong code. Check the text message."),
                                      "code")
        else:
            wrong = None
            subscriber.phone_confirmed_at = timezone.now()
            subscriber.phone_code_digest = ""
            subscriber.save(update_fields=["phone_confirmed_at", "phone_code_digest"])
            _consent(subscriber, ConsentAction.CONFIRMED, ip_address=ip_address,
                     via="sms-code", scope_extra={"confirmed": "phone"})
    if wrong:
        raise wrong
    return subscriber


def unsubscribe(subscriber: Subscriber, *, channel: str | None = None, ip_address=None,
                via: str = "web") -> bool:
    """Withdraw consent for one channel (one-click from a message) or for everything.
    With nothing left the subscriber and its addresses are deleted (the consent register
    keeps the withdrawal). Returns True when the subscriber is gone."""
    with transaction.atomic():
        subscriptions = Subscription.objects.filter(subscriber=subscriber)
        if channel:
            subscriptions = subscriptions.filter(channel=channel)
        subscriptions.delete()
        if channel == Channel.PUSH or channel is None:
            PushEndpoint.objects.filter(subscriber=subscriber).delete()
        _consent(subscriber, ConsentAction.WITHDRAWN, ip_address=ip_address, via=via,
                 scope_extra={"channel": channel or "all"})
        # Nothing queued for the withdrawn channel may still go out.
        pending = Message.objects.filter(subscriber=subscriber, status="queued")
        if channel:
            pending = pending.filter(channel=channel)
        pending.update(status="failed", error="unsubscribed")
        if not Subscription.objects.filter(subscriber=subscriber).exists():
            subscriber.delete()
            return True
    return False


def add_push_endpoint(subscriber: Subscriber, data: dict) -> PushEndpoint:
    from ratusz.notifications import webpush

    try:
        parsed = webpush.parse_subscription(data)
    except ValueError as error:
        raise NotificationError("invalid_push", str(error)) from None
    endpoint, _created = PushEndpoint.objects.update_or_create(
        municipality_id=subscriber.municipality_id, endpoint=parsed["endpoint"],
        defaults={"subscriber": subscriber, "p256dh": parsed["keys"]["p256dh"],
                  "auth": parsed["keys"]["auth"]})
    return endpoint


# --- confirmations go through the outbox too ------------------------------------------------

def _preferences_url(subscriber: Subscriber) -> str:
    from django.urls import reverse

    return settings.RATUSZ_PUBLIC_URL.rstrip("/") + reverse(
        "notifications:preferences",
        kwargs={"municipality_slug": subscriber.municipality.slug, "token": subscriber.token})


def queue_email_confirmation(subscriber: Subscriber) -> None:
    from django.urls import reverse

    link = settings.RATUSZ_PUBLIC_URL.rstrip("/") + reverse(
        "notifications:confirm-email",
        kwargs={"municipality_slug": subscriber.municipality.slug,
                "token": confirmation_token(subscriber)})
    gmina = subscriber.municipality.name
    body = (
        f"Dzień dobry,\n\nktoś (zapewne Ty) zapisał ten adres na powiadomienia gminy {gmina} "
        f"w serwisie Ratusz.\n\nAby je otrzymywać, potwierdź adres (link ważny 7 dni):\n"
        f"{link}\n\nJeśli to nie Ty, zignoruj tę wiadomość: bez potwierdzenia nie wyślemy "
        f"nic więcej.\n\n--\n{subscriber.municipality.official_name}\n")
    queue_message(subscriber.municipality, key=f"verify-email:{subscriber.pk}:"
                  f"{int(timezone.now().timestamp() * 1000)}",
                  kind=MessageKind.VERIFY, channel=Channel.EMAIL, recipient=subscriber.email,
                  subject=f"Potwierdź zapis na powiadomienia: {gmina}", body=body,
                  subscriber=subscriber, bypass_quiet_hours=True)


def queue_phone_code(subscriber: Subscriber, code: str) -> None:
    from ratusz.notifications.sms import to_gsm7

    text = to_gsm7(f"{subscriber.municipality.name}: kod potwierdzenia powiadomien SMS: "
                   f"{code}. Wazny 15 min.")
    queue_message(subscriber.municipality, key=f"verify-sms:{subscriber.pk}:"
                  f"{int(timezone.now().timestamp() * 1000)}",
                  kind=MessageKind.VERIFY, channel=Channel.SMS, recipient=subscriber.phone,
                  body=text, subscriber=subscriber, bypass_quiet_hours=True)


def queue_message(municipality, *, key: str, kind: str, channel: str, recipient: str,
                  body: str, subject: str = "", subscriber: Subscriber | None = None,
                  bypass_quiet_hours: bool = False) -> Message | None:
    """Put one message in the outbox (idempotent on `key`) and wake a worker after
    commit. Returns None when that key was queued before."""
    from ratusz.notifications import delivery

    not_before = None
    if subscriber is not None and not bypass_quiet_hours:
        not_before = delivery.after_quiet_hours(subscriber, timezone.now())
    with transaction.atomic():
        message, created = Message.objects.get_or_create(key=key, defaults={
            "municipality": municipality, "kind": kind, "channel": channel,
            "recipient": recipient, "subject": subject, "body": body,
            "subscriber": subscriber, "not_before": not_before})
        if created and delivery._inline():
            delivery.wake(channel, [message.pk])
        elif created:
            transaction.on_commit(lambda: delivery.wake(channel, [message.pk]))
    return message if created else None


# --- alerts -------------------------------------------------------------------------------

ALERT_FIELDS = ["status", "msg_type", "topic", "event", "headline", "severity", "urgency",
                "certainty", "onset", "expires", "references_id"]


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


def _validate_alert(municipality, data: AlertData) -> AlertData:
    errors = []

    def need(value, field, label, limit):
        if not (value or "").strip():
            errors.append((field, _("Fill in: %(label)s.") % {"label": label}))
        elif len(value) > limit:
            errors.append((field, _("%(label)s may have at most %(n)d characters.")
                           % {"label": label, "n": limit}))

    need(data.event, "event", _("event"), 120)
    need(data.headline, "headline", _("headline"), 160)
    need(data.description, "description", _("description"), 4000)
    if len(data.instruction or "") > 2000:
        errors.append(("instruction", _("The instruction may have at most 2000 characters.")))
    for field, value, choices in (("severity", data.severity, Severity),
                                  ("urgency", data.urgency, Urgency),
                                  ("certainty", data.certainty, Certainty)):
        if value not in choices.values:
            errors.append((field, _("%(field)s must be one of: %(values)s.") % {
                "field": field, "values": ", ".join(choices.values)}))
    if data.topic not in [t.value for t in ALERT_TOPICS]:
        errors.append(("topic", _("Unknown topic.")))
    if data.onset and data.expires and data.onset >= data.expires:
        errors.append(("expires", _("The end must be after the start.")))
    if data.expires and data.expires <= timezone.now():
        errors.append(("expires", _("The end is already in the past.")))
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


def create_alert(municipality, data: AlertData, *, acting_user, msg_type: str = MsgType.ALERT,
                 references: Alert | None = None, idempotency_key: str = "") -> tuple[Alert,
                                                                                      bool]:
    """A draft alert. With an idempotency key a repeated call returns the first alert."""
    if idempotency_key:
        found = Alert.objects.filter(municipality=municipality,
                                     idempotency_key=idempotency_key).first()
        if found:
            return found, False
    data = _validate_alert(municipality, data)
    if msg_type != MsgType.ALERT and (
            references is None or references.municipality_id != municipality.pk
            or references.status != AlertStatus.PUBLISHED):
        raise NotificationError("invalid_reference", _(
                "An update or a cancellation must refer to a published alert."), "references")
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                municipality=municipality, msg_type=msg_type, references=references,
                topic=data.topic, event=data.event.strip(), headline=data.headline.strip(),
                description=data.description.strip(), instruction=data.instruction.strip(),
                urgency=data.urgency, severity=data.severity, certainty=data.certainty,
                onset=data.onset, expires=data.expires, channels=data.channels,
                idempotency_key=idempotency_key, created_by=acting_user)
            alert.localities.set(data.localities or [])
            record_audit(municipality=municipality, acting_user=acting_user,
                         action=AuditAction.CREATED, target=alert,
                         after=snapshot(alert, ALERT_FIELDS))
    except IntegrityError:
        found = Alert.objects.filter(municipality=municipality,
                                     idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return found, False
    return alert, True


def update_draft(alert: Alert, data: AlertData, *, acting_user) -> Alert:
    if alert.status not in (AlertStatus.DRAFT, AlertStatus.REJECTED):
        raise NotificationError("not_editable", _("Only a draft can be changed."))
    data = _validate_alert(alert.municipality, data)
    with transaction.atomic():
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
    with transaction.atomic():
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
    with transaction.atomic():
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
    reason = (reason or "").strip()
    if not reason:
        raise NotificationError("reason_required", _("Say why the alert is rejected."),
                                "reason")
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status != AlertStatus.PENDING:
            raise NotificationError("not_pending", _("This alert is not awaiting approval."))
        alert.status = AlertStatus.REJECTED
        alert.decided_by, alert.decided_at = acting_user, timezone.now()
        alert.rejection_reason = reason[:2000]
        alert.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
        record_audit(municipality=alert.municipality, acting_user=acting_user,
                     action=AuditAction.UPDATED, target=alert,
                     after={"status": AlertStatus.REJECTED, "reason": alert.rejection_reason})
    return alert


def _publish(alert: Alert, *, acting_user) -> Alert:
    from ratusz.notifications import delivery

    alert.status = AlertStatus.PUBLISHED
    alert.published_at = timezone.now()
    alert.save(update_fields=["status", "published_at"])
    record_audit(municipality=alert.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=alert,
                 after={"status": AlertStatus.PUBLISHED,
                        "published_at": alert.published_at.isoformat()})
    alert_id = alert.pk
    transaction.on_commit(lambda: delivery.start_fan_out(alert_id))
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
