"""Which units' BIPs and websites a staff member may work on: the units of their role
assignments that carry the permission (an assignment without a unit: every unit). Used by
the BIP's staff views and by the e-services' "publish the reply in the BIP" button."""

from __future__ import annotations

from django.http import HttpRequest

from ratusz.accounts.models import RoleAssignment
from ratusz.accounts.permissions import ROLE_PERMISSIONS
from ratusz.accounts.selectors import has_permission


def unit_scope(request: HttpRequest, permission: str) -> set[int] | None:
    """The units whose BIP the user may work on with `permission`: None means all units
    of the gmina (an assignment without a unit), otherwise the ids of the named units."""
    cache = request.__dict__.setdefault("_bip_scope", {})
    if permission in cache:
        return cache[permission]
    scope: set[int] | None = set()
    if has_permission(request.user, request.municipality, permission):
        assignments = RoleAssignment.objects.for_municipality(request.municipality).filter(
            user=request.user).values_list("role", "unit_id")
        for role, unit_id in assignments:
            if permission not in ROLE_PERMISSIONS.get(role, frozenset()):
                continue
            if unit_id is None:
                scope = None
                break
            scope.add(unit_id)
    cache[permission] = scope
    return scope


def in_scope(scope: set[int] | None, unit_id: int) -> bool:
    return scope is None or unit_id in scope
