"""The API base: the request's gmina from its authenticated caller, permission checks,
problem+json errors (RFC 9457). Authentication itself is the accounts app's
(`ratusz.accounts.api_auth`)."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, JsonResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import PageNumberPagination

from ratusz.core.middleware import enter_database_tenant
from ratusz.core.tenancy import _current

logger = logging.getLogger("ratusz.api")

PROBLEM_JSON = "application/problem+json"


def enter_api_municipality(request: HttpRequest, municipality, *,
                           permissions: frozenset[str]) -> None:
    """Make the authenticated caller's gmina the gmina of this request (the tenant context
    and the database wall, restored by `TenantMiddleware` at the end) and remember what
    the caller may do. Called by the authentication class (`accounts.api_auth`)."""
    request.municipality = municipality
    request.api_permissions = permissions
    _current.set(municipality)
    enter_database_tenant(request, str(municipality.pk))


def require_permission(request: HttpRequest, permission: str) -> None:
    """Refuse (403) a caller without this permission."""
    if permission not in getattr(request, "api_permissions", frozenset()):
        raise HttpError(403, "This token does not allow this action.")


def problem_response(request: HttpRequest, status: int, title: str, detail: str = "",
                     **extra) -> JsonResponse:
    """An RFC 9457 problem document, outside of a router (middleware, error handlers)."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.path
    body.update(extra)
    return JsonResponse(body, status=status, content_type=PROBLEM_JSON)


#: The largest page number and page size any list accepts: beyond, 422 (a huge page number
#: would overflow the database's offset).
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 200


class BoundedPagination(PageNumberPagination):
    """Page-number pagination whose parameters are bounded in the schema."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)


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


PROBLEM_SCHEMA = {
    "title": "Problem", "type": "object", "required": ["type", "title", "status"],
    "description": "An error, as RFC 9457 describes it.",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "instance": {"type": "string"}, "code": {"type": "string"},
        "errors": {"type": "array", "items": {}},
    },
}
ERROR_DESCRIPTIONS = {
    400: "The request body is not well-formed.",
    401: "No valid bearer token of a gmina.",
    403: "The token does not allow this.",
    404: "No such object in the token's gmina (or no such address).",
    409: "A conflict: the state of the object, or an Idempotency-Key used with another body.",
    422: "A parameter or the body did not validate (the fields are named in `errors`).",
    429: "Too many requests; try again later.",
}


class RatuszAPI(NinjaAPI):
    """django-ninja with every operation's error answers documented as problem+json."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = \
            PROBLEM_SCHEMA
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                for status in _error_statuses(path, method, operation):
                    operation.setdefault("responses", {}).setdefault(str(status), {
                        "description": ERROR_DESCRIPTIONS[status],
                        "content": {PROBLEM_JSON: {"schema": {
                            "$ref": "#/components/schemas/Problem"}}}})
        return schema


def _error_statuses(path: str, method: str, operation: dict) -> list[int]:
    """What any operation may answer: every one is authenticated, permission-checked and
    validated; a path with an id may miss; a write may conflict or get a broken body."""
    statuses = [401, 403, 422, 429]
    if "{" in path:
        statuses.append(404)
    if method in ("post", "put", "patch", "delete"):
        statuses += [400, 409]
    return sorted(statuses)


def build_api(auth) -> NinjaAPI:
    """The `/api/v1/` application: `auth` authenticates every call (the accounts app's
    bearer tokens); errors are problem+json and documented on every operation."""
    api = RatuszAPI(
        title="Ratusz API",
        version="1",
        description="The REST API of Ratusz. Every token belongs to one gmina.",
        urls_namespace="api-v1",
        auth=auth,
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
