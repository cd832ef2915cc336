"""Bearer-token authentication of the REST API: the token decides the caller, its gmina and
what it may do for the rest of the request."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from ratusz.accounts import selectors, services
from ratusz.core.api import enter_api_municipality


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the token decides the gmina of the request."""

    def authenticate(self, request: HttpRequest, token: str):
        api_token = selectors.authenticate_api_token(token)
        if api_token is None:
            return None
        request.api_token = api_token
        # The gmina first: what the token's person may do is read inside the token's gmina
        # (the database wall is closed to a request that has none).
        enter_api_municipality(request, api_token.municipality, permissions=frozenset())
        request.api_permissions = selectors.token_permissions(api_token)
        if api_token.user is not None:
            request.user = api_token.user
        services.note_api_token_used(api_token)
        return api_token
