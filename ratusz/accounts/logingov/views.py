"""login.gov.pl endpoints: start, the assertion consumer (ACS), metadata, single logout."""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ratusz.accounts import identity
from ratusz.accounts.logingov import protocol, sessions
from ratusz.accounts.logingov.config import NotConfigured, SpConfig, config_by_key, config_for
from ratusz.core.selectors import get_active_municipality_by_slug

logger = logging.getLogger("ratusz.security.logingov")
PENDING = "logingov_pending"
LOGOUT_PENDING = "logingov_logout"
#: How long a sign-in started here may take at the node.
PENDING_SECONDS = 15 * 60

#: What a resident reads when the sign-in is refused (codes from protocol.SamlError).
REFUSALS = {
    "no_pending": gettext_lazy("This sign-in was not started here, has already been used, "
                               "or was started in another browser window."),
    "expired_start": gettext_lazy("The sign-in took too long and has expired."),
    "status": gettext_lazy("login.gov.pl did not confirm your identity (the sign-in was "
                           "cancelled or refused)."),
    "expired": gettext_lazy("The confirmation from login.gov.pl has expired."),
    "not_yet_valid": gettext_lazy("The confirmation from login.gov.pl is not valid yet "
                                  "(the clocks disagree)."),
    "bad_signature": gettext_lazy("The confirmation does not carry a valid signature of "
                                  "login.gov.pl."),
    "unsigned": gettext_lazy("The confirmation is not signed by login.gov.pl."),
    "decryption": gettext_lazy("The confirmation was not encrypted for this service."),
    "unencrypted": gettext_lazy("The confirmation came unencrypted."),
    "wrong_audience": gettext_lazy("The confirmation was issued for another service."),
    "wrong_destination": gettext_lazy("The confirmation was addressed to another service."),
    "wrong_issuer": gettext_lazy("The confirmation comes from an unknown issuer."),
    "in_response_to": gettext_lazy("The confirmation answers another sign-in."),
    "replayed": gettext_lazy("This confirmation has already been used."),
    "loa_too_low": gettext_lazy("The means of identification you used is too weak for "
                                "this service."),
    "missing_attributes": gettext_lazy("login.gov.pl did not give your name, date of birth "
                                       "and PESEL."),
    "malformed": gettext_lazy("The answer of login.gov.pl cannot be read."),
    "node_unreachable": gettext_lazy("login.gov.pl cannot be reached now."),
    "node_error": gettext_lazy("login.gov.pl answered with an error."),
    "invalid_pesel": gettext_lazy("The PESEL number given by login.gov.pl is not valid."),
    "not_configured": gettext_lazy("Signing in through login.gov.pl is not available here."),
}


def _safe_next(request: HttpRequest, value: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return value
    return ""


def _post_page(request, cfg: SpConfig, *, action: str, fields: dict, title: str,
               button: str) -> HttpResponse:
    response = render(request, "accounts/logingov/post.html", {
        "action": action, "fields": fields, "title": title, "button": button,
    })
    # The strict policy allows posting forms only to ourselves; this page posts to the node.
    response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", f"form-action 'self' {cfg.idp_origin}")
    return response


def _refuse(request, code: str, detail: str = "", *, status: int = 400) -> HttpResponse:
    logger.warning("login.gov.pl sign-in refused: %s %s", code, detail,
                   extra={"saml_refusal": code})
    sessions.record_refusal(getattr(request, "municipality", None), code)
    return render(request, "accounts/logingov/refused.html", {
        "reason": REFUSALS.get(code, REFUSALS["malformed"]), "code": code,
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Send the browser to the node with a signed AuthnRequest (HTTP POST binding)."""
    slug = request.GET.get("gmina") or request.POST.get("gmina") or ""
    municipality = getattr(request, "municipality", None)
    if slug and municipality is None:
        municipality = get_active_municipality_by_slug(slug)
    try:
        cfg = config_for(municipality)
    except NotConfigured as error:
        return _refuse(request, "not_configured", str(error), status=503)
    request_id = protocol.new_id()
    relay = secrets.token_urlsafe(24)
    request.session[PENDING] = {
        "id": request_id, "relay": relay, "key": cfg.key, "at": time.time(),
        "next": _safe_next(request, request.GET.get("next") or request.POST.get("next", "")),
    }
    xml = protocol.authn_request(cfg, request_id)
    return _post_page(request, cfg, action=cfg.sso_url,
                      fields={"SAMLRequest": protocol.encode_for_post(xml),
                              "RelayState": relay},
                      title=_("Going to login.gov.pl"),
                      button=_("Continue to login.gov.pl"))


@csrf_exempt  # the node sends the browser here from its own site; the relay state binds it
@never_cache
@require_http_methods(["GET", "POST"])
def acs(request: HttpRequest) -> HttpResponse:
    """The assertion consumer: resolve the artifact, check, sign the resident in."""
    data = request.POST if request.method == "POST" else request.GET
    artifact, relay = data.get("SAMLart", ""), data.get("RelayState", "")
    pending = request.session.pop(PENDING, None)
    if not pending or not artifact or not secrets.compare_digest(
            str(pending.get("relay", "")), relay):
        return _refuse(request, "no_pending")
    if time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return _refuse(request, "expired_start")
    try:
        cfg = config_by_key(pending["key"])
        resolve_id, soap = protocol.resolve_artifact(cfg, artifact)
        person = protocol.read_artifact_response(
            cfg, soap, resolve_id=resolve_id, request_id=pending["id"],
            skew_seconds=settings.LOGIN_GOV_CLOCK_SKEW, seen=sessions.remember_message)
    except NotConfigured as error:
        return _refuse(request, "not_configured", str(error), status=503)
    except protocol.SamlError as error:
        status = 502 if error.code in ("node_unreachable", "node_error") else 400
        return _refuse(request, error.code, error.detail, status=status)
    current = request.user if request.user.is_authenticated else None
    if current is not None and not current.is_resident:
        logout(request)  # a staff or operator session never turns into a resident's
        current = None
    try:
        user, how = sessions.resident_signed_in(person, current_user=current)
    except identity.IdentityError as error:
        return _refuse(request, str(error))
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if person.session_index:
        if request.session.session_key is None:
            request.session.save()
        sessions.link_node_session(session_index=person.session_index,
                                   name_id=person.name_id, user=user,
                                   session_key=request.session.session_key)
    request.session[identity.SESSION_KEY] = {
        "method": "login.gov.pl", "loa": person.loa, "name_id": person.name_id,
        "session_index": person.session_index, "key": cfg.key, "at": int(time.time()),
    }
    if how == "linked":
        messages.success(request, _("Your account is now confirmed with login.gov.pl."))
    else:
        messages.success(request, _("You are signed in through login.gov.pl."))
    return redirect(pending.get("next") or reverse("resident:home"))


@require_GET
def metadata(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("gmina", "")
    municipality = get_active_municipality_by_slug(slug) if slug else None
    if slug and municipality is None:
        raise Http404
    try:
        cfg = config_for(municipality)
    except NotConfigured as error:
        raise Http404 from error
    return HttpResponse(protocol.metadata(cfg), content_type="application/samlmetadata+xml")


def single_logout(request: HttpRequest) -> HttpResponse | None:
    """Sign out here at once, then at the node (SAML single logout by HTTP POST). None when
    this session did not come from login.gov.pl."""
    facts = request.session.get(identity.SESSION_KEY)
    if not facts:
        return None
    logout(request)
    sessions.forget_node_session(facts.get("session_index", ""))
    try:
        cfg = config_by_key(facts.get("key", "platform"))
    except NotConfigured:
        return None
    request_id, xml = protocol.logout_request(cfg, facts.get("name_id", ""),
                                              facts.get("session_index", ""))
    # The node's answer comes back by a cross-site POST, which carries no (SameSite=Lax)
    # session cookie: what we expect travels signed in the RelayState instead.
    relay = signing.dumps({"id": request_id, "key": cfg.key}, salt=LOGOUT_PENDING)
    return _post_page(request, cfg, action=cfg.idp_slo_url,
                      fields={"SAMLRequest": protocol.encode_for_post(xml),
                              "RelayState": relay},
                      title=_("Signing out of login.gov.pl"),
                      button=_("Sign out of login.gov.pl too"))


@csrf_exempt  # the node posts the LogoutResponse here; it is signed and bound by its id
@never_cache
@require_POST
def slo(request: HttpRequest) -> HttpResponse:
    """The node's answer to our LogoutRequest, or the node's own LogoutRequest (the person
    signed out at login.gov.pl or in another service)."""
    if "SAMLRequest" in request.POST:
        return _node_logout(request)
    try:
        pending = signing.loads(request.POST.get("RelayState", ""), salt=LOGOUT_PENDING,
                                max_age=PENDING_SECONDS)
    except signing.BadSignature:
        pending = None
    try:
        xml = base64.b64decode(request.POST.get("SAMLResponse", ""), validate=True)
    except (binascii.Error, ValueError):
        xml = b""
    if not pending or not xml:
        return _refuse(request, "no_pending")
    try:
        protocol.read_logout_response(config_by_key(pending["key"]), xml,
                                      request_id=pending["id"], seen=sessions.remember_message)
    except NotConfigured as error:
        return _refuse(request, "not_configured", str(error), status=503)
    except protocol.SamlError as error:
        return _refuse(request, error.code, error.detail)
    messages.success(request, _("You are signed out, also of login.gov.pl."))
    return redirect("core:platform-home")


def _node_logout(request: HttpRequest) -> HttpResponse:
    """End the session the node's sign-in opened here, then answer the node."""
    try:
        xml = base64.b64decode(request.POST.get("SAMLRequest", ""), validate=True)
        cfg = config_for(None)
        request_id, name_id, session_index = protocol.read_logout_request(
            cfg, xml, skew_seconds=settings.LOGIN_GOV_CLOCK_SKEW)
    except (binascii.Error, ValueError):
        return _refuse(request, "malformed")
    except NotConfigured as error:
        return _refuse(request, "not_configured", str(error), status=503)
    except protocol.SamlError as error:
        return _refuse(request, error.code, error.detail)
    if not sessions.remember_message(request_id, timezone.now() + timezone.timedelta(hours=1)):
        return _refuse(request, "replayed", request_id)
    if sessions.end_node_session(session_index=session_index, name_id=name_id):
        logger.info("login.gov.pl ended a session (node-initiated single logout)")
    if request.session.get(identity.SESSION_KEY, {}).get("session_index") == session_index:
        logout(request)
    return _post_page(request, cfg, action=cfg.idp_slo_url,
                      fields={"SAMLResponse": protocol.encode_for_post(
                          protocol.logout_response(cfg, request_id)),
                          "RelayState": request.POST.get("RelayState", "")},
                      title=_("Signing out of login.gov.pl"),
                      button=_("Back to login.gov.pl"))
