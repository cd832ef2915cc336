"""Public pages of the platform and of a gmina, and the operations endpoints."""

from __future__ import annotations

import hmac
import logging
import os
import sys
from pathlib import Path

from django import db
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ratusz.core import selectors
from ratusz.core.routers import replica_metrics

logger = logging.getLogger("ratusz.ops")


@require_GET
def platform_home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/platform_home.html",
                  {"municipalities": selectors.list_active_municipalities()})


@require_GET
def municipality_home(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    municipality = request.municipality
    departments = selectors.list_departments(municipality)
    return render(request, "core/municipality_home.html", {
        "units": selectors.list_units(municipality),
        "departments": departments,
    })


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive (no dependency is asked)."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        return f"{type(error).__name__}"
    return None


def _check_broker() -> str | None:
    if not settings.REDIS_URL:
        queue = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        try:
            queue.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            return type(error).__name__
        return None if os.access(queue, os.W_OK) else "queue folder not writable"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2,
                                      socket_timeout=2)
        client.ping()
    except Exception as error:  # noqa: BLE001
        return type(error).__name__
    return None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """The database and the task broker answer."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    ready = all(problem is None for problem in checks.values())
    if not ready:
        logger.warning("readiness.failed", extra={"checks": checks})
    return JsonResponse(
        {"status": "ok" if ready else "unavailable",
         "checks": {name: problem or "ok" for name, problem in checks.items()}},
        status=200 if ready else 503,
    )


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics, for allowed addresses or the metrics token only (404 otherwise)."""
    from django.http import Http404
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    allowed = request.META.get("REMOTE_ADDR") in settings.METRICS_ALLOWED_IPS
    expected = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if expected and hmac.compare_digest(header, f"Bearer {expected}"):
        allowed = True
    if not allowed:
        raise Http404
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    body = generate_latest(registry) + replica_metrics().encode()
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "core/csrf_failure.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "core/404.html", status=404)


#: Seconds a client is asked to wait when the database cannot be reached.
UNAVAILABLE_RETRY_AFTER = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 with Retry-After when the crash is the database out of reach (a
    restart, a failover): the client may try again, nothing it sent was half-saved. Plain
    pages drawn without the database (no context processors)."""
    if isinstance(sys.exc_info()[1], (db.OperationalError, db.InterfaceError)):
        response = HttpResponse(render_to_string("core/503.html"), status=503)
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        return response
    return HttpResponse(render_to_string("core/500.html"), status=500)
