"""The staff's second factor: TOTP (RFC 6238, django-otp) plus one-time recovery codes.

After the password a staff member's session is not yet *verified*; the middleware lets
it reach only the second-factor pages and sign-out until a code is given. A staff member
without an authenticator is enrolled at that point (QR code, then recovery codes).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ratusz.accounts.models import UserKind
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


@transaction.atomic
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


@transaction.atomic
def reset(user, *, acting_user) -> None:
    """A tenant administrator takes a lost authenticator away; the next sign-in enrols."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record_audit(municipality=user.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=user,
                 after={"second_factor": "reset"})
