"""API endpoints of accounts: who am I, the gmina's directory."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from ratusz.accounts import selectors
from ratusz.accounts.permissions import Permission
from ratusz.core import selectors as core_selectors
from ratusz.core.api import BoundedPagination, require_permission

router = Router(tags=["accounts"])


class MunicipalityOut(Schema):
    id: int
    slug: str
    name: str
    teryt: str
    #: The gmina's address for e-Doręczenia (ADE), or null when it has none yet.
    ade: str | None


class TokenOut(Schema):
    name: str
    prefix: str


class MeOut(Schema):
    id: int | None
    username: str | None
    kind: str
    display_name: str
    position: str
    roles: list[str]
    permissions: list[str]
    municipality: MunicipalityOut
    #: The gmina's address for e-Doręczenia (ADE), as in `municipality.ade`.
    ade: str | None
    token: TokenOut


@router.get("/me", response=MeOut, summary="The caller and its gmina")
def me(request: HttpRequest):
    token = request.auth
    user = token.user
    municipality = token.municipality
    return {
        "id": user.pk if user else None,
        "username": user.username if user else None,
        "kind": user.kind if user else "system",
        "display_name": user.display_name if user else token.name,
        "position": user.position if user else "",
        "roles": sorted(selectors.roles_of(user, municipality)) if user else [],
        "permissions": sorted(selectors.token_permissions(token)),
        "municipality": municipality,
        "ade": municipality.ade,
        "token": token,
    }


class DepartmentOut(Schema):
    id: int
    symbol: str
    name: str
    unit_id: int
    unit_name: str
    head_name: str | None

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_head_name(obj) -> str | None:
        return obj.head.display_name if obj.head else None


@router.get("/departments", response=list[DepartmentOut], summary="Departments of the gmina")
@paginate(BoundedPagination)
def list_departments(request: HttpRequest):
    require_permission(request, Permission.VIEW_DIRECTORY)
    return core_selectors.list_departments(request.auth.municipality)


class UnitOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    city: str


@router.get("/units", response=list[UnitOut], summary="Organisational units of the gmina")
@paginate(BoundedPagination)
def list_units(request: HttpRequest):
    require_permission(request, Permission.VIEW_DIRECTORY)
    return core_selectors.list_units(request.auth.municipality)
