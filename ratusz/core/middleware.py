"""Request-wide concerns: request ids, metrics, security headers, and the tenant."""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
import uuid

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.locale import LocaleMiddleware
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve

from ratusz.core import metrics, selectors
from ratusz.core.logging import client_ip_var, request_id_var
from ratusz.core.models import Municipality
from ratusz.core.tenancy import _current, restore_database_tenant, set_database_tenant

logger = logging.getLogger("ratusz.request")

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_TENANT_PATH_RE = re.compile(r"^/g/(?P<slug>[^/]+)(?:/|$)")
#: Paths that belong to the platform, not to a gmina, even on a gmina's own host name.
PLATFORM_PATH_PREFIXES = (
    "/g/", "/api/", "/static/", "/media/", "/auth/", "/account/", "/i18n/",
    "/healthz", "/readyz", "/metrics", "/favicon.ico", "/robots.txt",
    "/payments/", "/partnerstwa/", "/exchange/", "/notifications/",
)


class RequestIdMiddleware:
    """Give every request an id (kept from a well-formed X-Request-ID) and log its end."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(request.META.get("REMOTE_ADDR") or None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            logger.info(
                "request.finished",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            return response
        finally:
            request_id_var.reset(token)
            client_ip_var.reset(ip_token)


class MetricsMiddleware:
    """Count requests and their latency per route for /metrics."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.route if match else "unresolved"
        metrics.REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        metrics.LATENCY.labels(request.method, route).observe(time.perf_counter() - started)
        return response


class ContentSecurityPolicyMiddleware:
    """A strict Content-Security-Policy on every response (no inline script or style)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


def host_municipality_slug(host: str) -> str | None:
    """The gmina slug of a host name `<slug>.<base domain>`, if the host is one."""
    base = settings.RATUSZ_BASE_DOMAIN
    host = host.split(":", 1)[0].lower()
    if not base or not host.endswith("." + base):
        return None
    label = host[: -len(base) - 1]
    return label if label and "." not in label else None


#: How long a process keeps a gmina looked up by its slug (a deactivated gmina stays
#: served this long by the other processes; this process forgets at once on save/delete).
MUNICIPALITY_CACHE_SECONDS = 5.0
_municipalities: dict[str, tuple[float, Municipality | None]] = {}
_municipalities_lock = threading.Lock()


def municipality_by_slug(slug: str) -> Municipality | None:
    """The active gmina of a slug, kept in this process for a few seconds. Every caller
    gets its own copy, so nothing cached on an instance crosses requests."""
    now = time.monotonic()
    found = _municipalities.get(slug)
    if found is None or found[0] <= now:
        municipality = selectors.get_active_municipality_by_slug(slug)
        if MUNICIPALITY_CACHE_SECONDS > 0:
            with _municipalities_lock:
                if len(_municipalities) > 10_000:  # unknown slugs are cached too
                    _municipalities.clear()
                _municipalities[slug] = (now + MUNICIPALITY_CACHE_SECONDS,
                                         copy.copy(municipality))  # never handed out
        return municipality
    return copy.copy(found[1]) if found[1] is not None else None


def forget_municipalities(**kwargs) -> None:
    with _municipalities_lock:
        _municipalities.clear()


post_save.connect(forget_municipalities, sender=Municipality,
                  dispatch_uid="ratusz.core.middleware.forget_municipalities.save")
post_delete.connect(forget_municipalities, sender=Municipality,
                    dispatch_uid="ratusz.core.middleware.forget_municipalities.delete")


def _pass(request):  # the get_response of the middlewares used only for their hooks
    raise AssertionError("not called")


class TenantMiddleware:
    """Find the gmina of the request and keep the whole request inside it.

    The gmina comes from the path prefix /g/<slug>/ (always works) or from the host
    name <slug>.<base domain>, whose paths are served as if they carried the prefix.
    An unknown gmina is a 404 in the gmina-less layout.

    Page cache fast path: an anonymous GET/HEAD of a gmina page whose view offers
    ``from_page_cache`` (the public BIP pages) is answered here when the page is in the
    cache, without the session, auth, 2FA and messages machinery below. What the skipped
    middlewares would do to such a response is done here with their own hooks: the
    language (LocaleMiddleware), the CSRF cookie (CsrfViewMiddleware), Content-Length
    (CommonMiddleware) and X-Frame-Options; the middlewares above this one (security
    headers, CSP, whitenoise, session, metrics, request id) run as for any response.
    A hit needs no database (an entry's view count goes to a per-process buffer).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.platform_prefixes = (*PLATFORM_PATH_PREFIXES, "/" + settings.ADMIN_URL)
        self.locale = LocaleMiddleware(_pass)
        self.csrf = CsrfViewMiddleware(_pass)
        self.common = CommonMiddleware(_pass)
        self.xframe = XFrameOptionsMiddleware(_pass)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.municipality = None
        host_slug = host_municipality_slug(request.get_host())
        if host_slug and not request.path_info.startswith(self.platform_prefixes):
            request.path_info = f"/g/{host_slug}{request.path_info}"
            request.path = f"{request.META.get('SCRIPT_NAME', '')}{request.path_info}"
        match = _TENANT_PATH_RE.match(request.path_info)
        if match:
            municipality = municipality_by_slug(match["slug"])
            if municipality is None:
                return unknown_municipality_response(request)
            request.municipality = municipality
        token = _current.set(request.municipality)
        try:
            if request.municipality is not None:
                if request.method in ("GET", "HEAD"):
                    response = self.answer_from_page_cache(request)
                    if response is not None:
                        return response
                enter_database_tenant(request, str(request.municipality.pk))
            return self.get_response(request)
        finally:
            _current.reset(token)
            leave_database_tenant(request)

    def answer_from_page_cache(self, request: HttpRequest) -> HttpResponse | None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        lookup = getattr(match.func, "from_page_cache", None)
        if lookup is None:
            return None
        self.locale.process_request(request)
        self.csrf.process_request(request)
        response = lookup(request, match.kwargs)
        if response is None:
            return None
        request.resolver_match = match
        response = self.xframe.process_response(request, response)
        response = self.csrf.process_response(request, response)
        response = self.common.process_response(request, response)
        return self.locale.process_response(request, response)


def enter_database_tenant(request: HttpRequest, value: str) -> None:
    """Set the database wall for the rest of this request; the first call remembers what
    to put back. Requests without a gmina never touch the setting (a health check asks
    the database nothing)."""
    previous = set_database_tenant(value)
    if not hasattr(request, "_previous_database_tenant"):
        request._previous_database_tenant = previous


def leave_database_tenant(request: HttpRequest) -> None:
    if hasattr(request, "_previous_database_tenant"):
        restore_database_tenant(request._previous_database_tenant)
        del request._previous_database_tenant


def unknown_municipality_response(request: HttpRequest) -> HttpResponse:
    response = TemplateResponse(
        request, "core/404_municipality.html", {"slug": request.path_info.split("/")[2]},
        status=404,
    )
    return response.render()


class ApiProblemMiddleware:
    """Every answer under /api/ is JSON: what Django or the router answer themselves (an
    unknown address, a method the operation does not have, a refused CSRF, a crash)
    becomes an RFC 9457 problem document instead of an HTML page."""

    TITLES = {400: "Bad request", 403: "Forbidden", 404: "Not found",
              405: "Method not allowed", 413: "Payload too large", 500: "Internal error",
              503: "Service unavailable"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        content_type = response.get("Content-Type", "")
        if "json" in content_type:
            return response
        from ratusz.core.api import problem_response

        problem = problem_response(
            request, response.status_code,
            self.TITLES.get(response.status_code, "Error"))
        for status, header in ((405, "Allow"), (503, "Retry-After")):
            if response.status_code == status and response.has_header(header):
                problem[header] = response[header]
        return problem


class TextInputMiddleware:
    """Refuse, before any view runs, text that XML, HTML and PDFs cannot carry: control
    characters XML 1.0 forbids and bidirectional overrides (`ratusz.core.text`), in the
    query string, form fields, uploaded files' names and JSON bodies. The answer names the
    field and the character: 422 problem+json for the API, a 400 page for people."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = self._first_unsafe(request)
        if found is None:
            return self.get_response(request)
        field, character = found
        from ratusz.core.text import describe

        code = describe(character)
        logger.warning("request.unsafe_text", extra={"field": field[:80], "character": code})
        if request.path.startswith("/api/"):
            from ratusz.core.api import problem_response

            return problem_response(
                request, 422, "Invalid request",
                f"The field '{field}' contains the control character {code}, which is not "
                "accepted.", errors=[{"loc": [field], "type": "control_character",
                                      "msg": f"control character {code}"}])
        from django.shortcuts import render

        return render(request, "core/unsafe_text.html", {"field": field, "code": code},
                      status=400)

    @staticmethod
    def _first_unsafe(request: HttpRequest) -> tuple[str, str] | None:
        from ratusz.core.text import first_unsafe_character

        def scan(pairs):
            for key, values in pairs:
                for value in values:
                    for text in (key, value):
                        if isinstance(text, str):
                            character = first_unsafe_character(text)
                            if character is not None:
                                return str(key), character
            return None

        found = scan(request.GET.lists())
        if found or request.method in ("GET", "HEAD", "OPTIONS"):
            return found
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            found = scan(request.POST.lists())
            if found:
                return found
            names = [(key, [upload.name for upload in uploads])
                     for key, uploads in request.FILES.lists()]
            return scan(names)
        if content_type.endswith("json"):
            import json

            try:
                data = json.loads(request.body or b"null")
            except (ValueError, UnicodeDecodeError):
                return None
            return _scan_json(data, "")
        return None


def _scan_json(data, path: str) -> tuple[str, str] | None:
    from ratusz.core.text import first_unsafe_character

    if isinstance(data, str):
        character = first_unsafe_character(data)
        return (path or "body", character) if character else None
    if isinstance(data, dict):
        for key, value in data.items():
            inner = f"{path}.{key}" if path else str(key)
            character = first_unsafe_character(str(key))
            if character:
                return inner, character
            found = _scan_json(value, inner)
            if found:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = _scan_json(value, f"{path}[{index}]")
            if found:
                return found
    return None
