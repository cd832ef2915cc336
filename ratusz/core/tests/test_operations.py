"""Health, readiness, metrics, request ids, structured logs and security headers."""

import json
import logging

import pytest

from ratusz.core.logging import RequestIdFilter, request_id_var


def test_healthz_answers_without_asking_anything(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_checks_the_database_and_the_broker(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_readyz_reports_an_unreachable_broker(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] != "ok"


def test_metrics_are_closed_by_default(client, db):
    assert client.get("/metrics").status_code == 404


def test_metrics_open_with_the_token_or_an_allowed_address(client, db, settings):
    settings.METRICS_TOKEN = "sekretny-token-metryk"
    client.get("/healthz")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer zly").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer sekretny-token-metryk")
    assert response.status_code == 200
    assert b"ratusz_http_requests_total" in response.content
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1"]
    assert client.get("/metrics").status_code == 200


def test_a_wellformed_request_id_is_kept_and_a_bad_one_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123-def-456")["X-Request-ID"] == \
        "abc-123-def-456"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert replaced != "<script>" and len(replaced) == 32


def test_logs_are_json_with_the_request_id(settings):
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(**{k: v for k, v in settings.LOGGING["formatters"]["json"].items()
                                 if k != "()"})
    record = logging.LogRecord("ratusz.test", logging.INFO, __file__, 1, "case.opened", None,
                               None)
    record.case_mark = "OR.0012.3.2026"
    token = request_id_var.set("req-abcdef12")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(formatter.format(record))
    assert line["event"] == "case.opened"
    assert line["request_id"] == "req-abcdef12"
    assert line["case_mark"] == "OR.0012.3.2026"
    assert line["level"] == "INFO"


@pytest.mark.parametrize("path", ["/", "/auth/login/", "/healthz"])
def test_security_headers_are_strict(client, db, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_forms_need_a_csrf_token(db, admin_a):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/auth/login/", {"username": admin_a.username,
                                            "password": "correct-horse-battery-staple"})
    assert response.status_code == 403
    assert "_auth_user_id" not in strict.session


@pytest.mark.parametrize("path", ["/g/alfa/", "/api/v1/cases"])
def test_a_database_out_of_reach_answers_503_with_retry_after(client, db, path,
                                                              monkeypatch):
    from django.db import OperationalError

    from ratusz.core import middleware

    def unreachable(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed")

    monkeypatch.setattr(middleware.TenantMiddleware, "__call__", unreachable)
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    if path.startswith("/api/"):
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["title"] == "Service unavailable"
    else:
        assert "chwilowo niedostępna" in response.content.decode()


def test_any_other_crash_is_still_a_500(client, db, monkeypatch):
    from ratusz.core import middleware

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(middleware.TenantMiddleware, "__call__", broken)
    client.raise_request_exception = False
    response = client.get("/g/alfa/")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")
