"""The staff's second factor: TOTP (RFC 6238, django-otp) plus one-time recovery codes.

After the password a staff member's session is not yet *verified*; the middleware lets
it reach only the second-factor pages and sign-out until a code is given. A staff member
without an authenticator is enrolled at that point (QR code, then recovery codes).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ratusz.accounts.models import UserKind
from ratusz.core import ratelimit
from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit

RECOVERY_CODES = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery"
OPEN_PREFIXES = ("/auth/", "/static/", "/i18n/", "/healthz", "/readyz", "/metrics")


def needs_second_factor(user) -> bool:
    return bool(settings.RATUSZ_STAFF_2FA_REQUIRED and user.is_authenticated
                and user.kind == UserKind.STAFF and not user.is_verified())


class SecondFactorMiddleware:
    """Staff sessions without a confirmed second factor reach only the 2FA pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and needs_second_factor(user) and \
                not request.path.startswith(OPEN_PREFIXES):
            if request.path.startswith("/api/"):
                return self.get_response(request)  # tokens, not sessions
            return redirect(f"{reverse('accounts:two-factor')}?next={request.path}")
        return self.get_response(request)


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp(user) -> TOTPDevice:
    """The device being enrolled (made once, so reloading the page keeps the secret)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=TOTP_NAME).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def new_recovery_codes(user) -> list[str]:
    """Replace the recovery codes; returns the new ones (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME,
                                                   defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return [f"{code[:4]}-{code[4:]}" for code in codes]


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count()


def verify(user, code: str):
    """The device that accepts this code (TOTP, or a recovery code, which is used up)."""
    code = "".join(code.split()).replace("-", "")
    if not code.isdigit():
        return None
    if len(code) == 6:
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    elif len(code) == 8:
        for device in StaticDevice.objects.filter(user=user, name=RECOVERY_NAME):
            if device.verify_token(code):
                return device
    return None


# --- Guessing codes: slowed down without locking the owner out (docs/security.md) ---------
#
# django-otp's own throttle sits on the device, that is on the person: a guesser who knows
# the password could keep the owner's authenticator refusing every code. It is switched
# off (OTP_*_THROTTLE_FACTOR = 0) and replaced by limits on the *client*:
# - a browser that completed a sign-in of this person before carries a signed device
#   cookie; its wrong codes count against that cookie only (DEVICE_LIMIT per window);
# - any other client counts per person and address (CLIENT_LIMIT per window) and, all
#   together, per person (UNTRUSTED_LIMIT per hour). Reaching the last one stops guessing
#   from new places for the hour, while the owner's own browser still signs in.

DEVICE_COOKIE = "ratusz_device"
DEVICE_COOKIE_AGE = 180 * 24 * 3600
WINDOW = 15 * 60
DEVICE_LIMIT = 10
CLIENT_LIMIT = 5
UNTRUSTED_LIMIT = 20
UNTRUSTED_WINDOW = 3600


def trusted_device(request, user) -> str | None:
    """The id of this browser's device cookie when it was issued to `user`, else None."""
    value = request.COOKIES.get(DEVICE_COOKIE)
    if not value:
        return None
    try:
        user_id, device_id = signing.loads(value, salt="ratusz.second-factor.device",
                                           max_age=DEVICE_COOKIE_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return device_id if user_id == user.pk else None


def remember_device(response, request, user) -> None:
    """After a good code: this browser is now a known device of `user`."""
    device_id = trusted_device(request, user) or secrets.token_urlsafe(16)
    response.set_cookie(
        DEVICE_COOKIE, signing.dumps([user.pk, device_id], salt="ratusz.second-factor.device"),
        max_age=DEVICE_COOKIE_AGE, secure=settings.SESSION_COOKIE_SECURE, httponly=True,
        samesite="Lax")


def _counters(request, user) -> list[tuple[str, str, int, int]]:
    device = trusted_device(request, user)
    if device is not None:
        return [("2fa-device", f"{user.pk}:{device}", DEVICE_LIMIT, WINDOW)]
    address = ratelimit.client_address(request)
    return [("2fa-client", f"{user.pk}:{address}", CLIENT_LIMIT, WINDOW),
            ("2fa-untrusted", str(user.pk), UNTRUSTED_LIMIT, UNTRUSTED_WINDOW)]


def guessing_blocked(request, user) -> bool:
    """Whether codes from this client for this person are refused for now."""
    return any(ratelimit.reached(scope, key, limit=limit, window_seconds=window)
               for scope, key, limit, window in _counters(request, user))


def count_wrong_code(request, user) -> None:
    for scope, key, _limit, window in _counters(request, user):
        ratelimit.record(scope, key, window_seconds=window)


def forget_wrong_codes(request, user) -> None:
    """A good code clears this client's own counts (not the person-wide one)."""
    scope, key, _limit, window = _counters(request, user)[0]
    ratelimit.forget(scope, key, window_seconds=window)


@transaction.atomic(durable=True)
def record_second_factor(user, *, device=None) -> None:
    """Audit a code given at sign-in: the device that accepted it, or a wrong one."""
    if device is not None:
        record_audit(municipality=user.municipality, acting_user=user,
                     action=AuditAction.SIGNED_IN, target=user,
                     after={"second_factor": device.name})
    else:
        record_audit(municipality=user.municipality, acting_user=user,
                     action=AuditAction.SIGN_IN_FAILED, target=user,
                     after={"second_factor": "wrong code"})


@transaction.atomic(durable=True)
def replace_recovery_codes(user) -> list[str]:
    """New recovery codes at the person's own request (the old ones stop working)."""
    codes = new_recovery_codes(user)
    record_audit(municipality=user.municipality, acting_user=user,
                 action=AuditAction.UPDATED, target=user,
                 after={"second_factor": "new recovery codes"})
    return codes


@transaction.atomic(durable=True)
def confirm_enrolment(user, device: TOTPDevice, code: str) -> list[str] | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6 and device.verify_token(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = new_recovery_codes(user)
    record_audit(municipality=user.municipality, acting_user=user,
                 action=AuditAction.UPDATED, target=user,
                 after={"second_factor": "enrolled"})
    return codes


@transaction.atomic(durable=True)
def reset(user, *, acting_user) -> None:
    """A tenant administrator takes a lost authenticator away; the next sign-in enrols."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record_audit(municipality=user.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=user,
                 after={"second_factor": "reset"})
