"""The API base: bearer-token auth scoped to one gmina, problem+json errors (RFC 9457)."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from ratusz.core.middleware import enter_database_tenant
from ratusz.core.tenancy import _current

logger = logging.getLogger("ratusz.api")

PROBLEM_JSON = "application/problem+json"


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the token decides the gmina of the request."""

    def authenticate(self, request: HttpRequest, token: str):
        from ratusz.accounts.selectors import authenticate_api_token, token_touch_due

        api_token = authenticate_api_token(token)
        if api_token is None:
            return None
        request.api_token = api_token
        request.municipality = api_token.municipality
        _current.set(api_token.municipality)
        enter_database_tenant(request, str(api_token.municipality.pk))
        if api_token.user is not None:
            request.user = api_token.user
        if token_touch_due(api_token):
            type(api_token).objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        return api_token


def require_permission(request: HttpRequest, permission: str) -> None:
    """Refuse (403) a token without this permission."""
    from ratusz.accounts.selectors import token_permissions

    if permission not in token_permissions(request.auth):
        raise HttpError(403, "This token does not allow this action.")


def problem(api: NinjaAPI, request: HttpRequest, status: int, title: str, detail: str = "",
            **extra):
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update(extra)
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = PROBLEM_JSON
    return response


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Ratusz API",
        version="1",
        description="The REST API of Ratusz. Every token belongs to one gmina.",
        urls_namespace="api-v1",
        auth=BearerTokenAuth(),
        openapi_url="/openapi.json",
        docs_url="/docs",
    )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        response = problem(api, request, 401, "Unauthorized",
                           "A valid bearer token of a gmina is required.")
        response["WWW-Authenticate"] = 'Bearer realm="ratusz"'
        return response

    @api.exception_handler(ValidationError)
    def invalid(request, exc):
        return problem(api, request, 422, "Invalid request", "The request did not validate.",
                       errors=exc.errors)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem(api, request, 404, "Not found")

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        titles = {400: "Bad request", 403: "Forbidden", 404: "Not found", 409: "Conflict",
                  429: "Too many requests"}
        extra = {"code": exc.code} if getattr(exc, "code", None) else {}
        if getattr(exc, "errors", None):
            extra["errors"] = exc.errors
        return problem(api, request, exc.status_code,
                       titles.get(exc.status_code, "Error"), str(exc), **extra)

    return api
