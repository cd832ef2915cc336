"""Which units' BIPs and websites the signed-in staff member may work on, worked out
once per request (``selectors.unit_scope``: the units of their role assignments that
carry the permission; an assignment without a unit: every unit)."""

from __future__ import annotations

from django.http import HttpRequest

from ratusz.bulletin import selectors


def unit_scope(request: HttpRequest, permission: str) -> set[int] | None:
    """selectors.unit_scope for the request's user and gmina, kept on the request."""
    cache = request.__dict__.setdefault("_bip_scope", {})
    if permission not in cache:
        cache[permission] = selectors.unit_scope(request.user, request.municipality,
                                                 permission)
    return cache[permission]
