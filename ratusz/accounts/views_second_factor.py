"""The staff's second-factor pages: enrol an authenticator, give a code, recovery codes."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from ratusz.accounts import second_factor
from ratusz.accounts.models import UserKind

ATTEMPTS_KEY = "ratusz_2fa_failures"


def _next(request: HttpRequest) -> str:
    value = request.POST.get("next") or request.GET.get("next") or ""
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}):
        return value
    user = request.user
    if user.kind == UserKind.STAFF:
        return reverse("staff:dashboard", args=[user.municipality.slug])
    return reverse("core:platform-home")


def _staff_only(request: HttpRequest):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    if request.user.kind != UserKind.STAFF:
        return redirect("core:platform-home")
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Ask for the code from the authenticator app (or a recovery code)."""
    refused = _staff_only(request)
    if refused:
        return refused
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if second_factor.confirmed_totp(user) is None:
        return redirect(f"{reverse('accounts:two-factor-setup')}?next={_next(request)}")
    error = ""
    if request.method == "POST" and second_factor.guessing_blocked(request, user):
        return render(request, "accounts/two_factor/verify.html", {
            "error": _("Too many wrong codes were given for this account from here. Wait "
                       "15 minutes, or sign in from the browser you usually use."),
            "next": _next(request)}, status=429)
    if request.method == "POST":
        device = second_factor.verify(user, request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            request.session.pop(ATTEMPTS_KEY, None)
            second_factor.forget_wrong_codes(request, user)
            second_factor.record_second_factor(user, device=device)
            if device.name == second_factor.RECOVERY_NAME:
                messages.warning(request, _("You used a recovery code; %(count)d are left.")
                                 % {"count": second_factor.remaining_recovery_codes(user)})
            response = redirect(_next(request))
            second_factor.remember_device(response, request, user)
            return response
        failures = request.session.get(ATTEMPTS_KEY, 0) + 1
        request.session[ATTEMPTS_KEY] = failures
        second_factor.count_wrong_code(request, user)
        second_factor.record_second_factor(user)
        if failures >= settings.RATUSZ_2FA_MAX_ATTEMPTS:
            logout(request)
            messages.error(request, _("Too many wrong codes. You have been signed out; sign "
                                      "in again."))
            return redirect("accounts:login")
        error = _("This code is not right. Enter the 6 digits your authenticator app shows "
                  "now, or one of your recovery codes.")
    return render(request, "accounts/two_factor/verify.html", {
        "error": error, "next": _next(request),
    }, status=400 if error else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator: QR code and key, then a code to confirm it."""
    refused = _staff_only(request)
    if refused:
        return refused
    user = request.user
    if second_factor.confirmed_totp(user) is not None:
        return redirect(f"{reverse('accounts:two-factor')}?next={_next(request)}")
    device = second_factor.pending_totp(user)
    error = ""
    if request.method == "POST":
        codes = second_factor.confirm_enrolment(user, device, request.POST.get("code", ""))
        if codes is not None:
            otp_login(request, device)
            return render(request, "accounts/two_factor/recovery_codes.html", {
                "codes": codes, "next": _next(request), "first_time": True})
        error = _("This code is not right. Check that the app shows the account "
                  "“Ratusz” and enter the 6 digits it shows now.")
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    qr = segno.make(device.config_url, error="m")
    return render(request, "accounts/two_factor/setup.html", {
        "qr": qr.svg_data_uri(scale=5, border=2),
        "key_groups": [key[i:i + 4] for i in range(0, len(key), 4)],
        "error": error, "next": _next(request),
    }, status=400 if error else 200)


@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """See how many recovery codes are left and make new ones (old ones stop working)."""
    refused = _staff_only(request)
    if refused:
        return refused
    if not request.user.is_verified():
        return redirect(f"{reverse('accounts:two-factor')}?next={request.path}")
    if request.method == "POST":
        codes = second_factor.replace_recovery_codes(request.user)
        return render(request, "accounts/two_factor/recovery_codes.html", {
            "codes": codes, "next": _next(request), "first_time": False})
    return render(request, "accounts/two_factor/recovery_status.html", {
        "remaining": second_factor.remaining_recovery_codes(request.user),
    })


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    return render(request, "accounts/locked_out.html", {
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}, status=429)
