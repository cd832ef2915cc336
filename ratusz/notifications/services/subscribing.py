"""Writes of a subscription: subscribing with double opt-in and recorded consent, confirming
an address, a browser for web push, unsubscribing. Every function validates first and
writes in one transaction, so bad input leaves nothing behind; the confirmation messages
are queued in that transaction and sent once it commits."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import time, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ratusz.core.models import Locality
from ratusz.core.polish import gmina_names
from ratusz.notifications import webpush
from ratusz.notifications.models import (
    Channel,
    ConsentAction,
    ConsentRecord,
    Message,
    MessageKind,
    PushEndpoint,
    Subscriber,
    Subscription,
    Topic,
)
from ratusz.notifications.services.errors import NotificationError
from ratusz.notifications.services.messages import queue_message
from ratusz.notifications.sms import to_gsm7

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
    """The consent sentence with the gmina's name declined ("przez Gminę Jastków")."""
    return CONSENT_WORDING.format(gmina=gmina_names(municipality).accusative)


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
    with transaction.atomic(durable=True):
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
            # No savepoint: the error ends the whole transaction.
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
            queue_email_confirmation(subscriber)
        if send_phone_code:
            queue_phone_code(subscriber, _new_phone_code(subscriber))
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
    """The address of the signed link is confirmed (once; the consent records it)."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise NotificationError("link_expired", _(
            "This confirmation link has expired (it is valid for 7 days). Subscribe again "
            "to get a new one.")) from None
    except signing.BadSignature:
        raise NotificationError("link_invalid", _("This confirmation link is not valid."))\
            from None
    with transaction.atomic(durable=True):
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


@transaction.atomic(durable=True)
def resend_phone_code(subscriber: Subscriber) -> None:
    """A new code by SMS (the old one stops working), at most once a minute."""
    if subscriber.phone_code_sent_at and \
            timezone.now() - subscriber.phone_code_sent_at < timedelta(seconds=60):
        raise NotificationError("too_soon", _("Wait a minute before asking for a new code."))
    queue_phone_code(subscriber, _new_phone_code(subscriber))


def confirm_phone(subscriber: Subscriber, code: str, *, ip_address=None) -> Subscriber:
    """The phone is confirmed by the code we sent; a wrong code counts as an attempt (kept
    even though the error is raised)."""
    code = re.sub(r"\s", "", code or "")
    with transaction.atomic(durable=True):
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
    with transaction.atomic(durable=True):
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


def _parsed_push_subscription(data: dict) -> dict:
    try:
        return webpush.parse_subscription(data)
    except ValueError as error:
        raise NotificationError("invalid_push", str(error)) from None


def _save_push_endpoint(subscriber: Subscriber, parsed: dict) -> PushEndpoint:
    endpoint, _created = PushEndpoint.objects.update_or_create(
        municipality_id=subscriber.municipality_id, endpoint=parsed["endpoint"],
        defaults={"subscriber": subscriber, "p256dh": parsed["keys"]["p256dh"],
                  "auth": parsed["keys"]["auth"]})
    return endpoint


@transaction.atomic(durable=True)
def add_push_endpoint(subscriber: Subscriber, data: dict) -> PushEndpoint:
    """Keep the browser's push subscription (what `PushSubscription.toJSON()` gave)."""
    return _save_push_endpoint(subscriber, _parsed_push_subscription(data))


@transaction.atomic(durable=True)
def turn_on_push(subscriber: Subscriber, data: dict) -> PushEndpoint:
    """Notifications in this browser: its push subscription is kept and, when the
    subscriber had not chosen web push for any topic, every topic they chose gets it."""
    endpoint = _save_push_endpoint(subscriber, _parsed_push_subscription(data))
    topics = set(Subscription.objects.filter(subscriber=subscriber).values_list("topic",
                                                                               flat=True))
    if not Subscription.objects.filter(subscriber=subscriber, channel=Channel.PUSH).exists():
        Subscription.objects.bulk_create([
            Subscription(municipality_id=subscriber.municipality_id, subscriber=subscriber,
                         topic=topic, channel=Channel.PUSH) for topic in topics],
            ignore_conflicts=True)
    return endpoint


# --- confirmations go through the outbox too ------------------------------------------------

def queue_email_confirmation(subscriber: Subscriber) -> None:
    """The confirmation link by e-mail, in the caller's transaction."""
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
    """The confirmation code by SMS, in the caller's transaction."""
    text = to_gsm7(f"{subscriber.municipality.name}: kod potwierdzenia powiadomien SMS: "
                   f"{code}. Wazny 15 min.")
    queue_message(subscriber.municipality, key=f"verify-sms:{subscriber.pk}:"
                  f"{int(timezone.now().timestamp() * 1000)}",
                  kind=MessageKind.VERIFY, channel=Channel.SMS, recipient=subscriber.phone,
                  body=text, subscriber=subscriber, bypass_quiet_hours=True)
