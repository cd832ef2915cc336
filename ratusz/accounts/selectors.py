"""Reads of accounts: who may do what in which gmina, staff and resident look-ups."""

from __future__ import annotations

import hashlib
import hmac

from django.db.models import Prefetch, Q, QuerySet

from ratusz.accounts.models import (
    ApiToken,
    ResidentProfile,
    ResidentRelation,
    RoleAssignment,
    User,
    UserKind,
)
from ratusz.accounts.permissions import RESIDENT_PERMISSIONS, permissions_of_roles
from ratusz.core.models import AuditLog, Municipality, PersonalDataAccess
from ratusz.core.tenancy import tenant_context

TOKEN_PREFIX = "rtz"


def roles_of(user: User, municipality: Municipality) -> set[str]:
    """The roles a staff member holds in this gmina (none in any other)."""
    if not user.is_authenticated or user.kind != UserKind.STAFF or not user.is_active:
        return set()
    if user.municipality_id != municipality.pk:
        return set()
    cache = user.__dict__.setdefault("_ratusz_roles", {})
    if municipality.pk not in cache:
        cache[municipality.pk] = set(
            RoleAssignment.objects.for_municipality(municipality)
            .filter(user=user)
            .values_list("role", flat=True)
        )
    return cache[municipality.pk]


def permissions_of(user: User, municipality: Municipality) -> frozenset[str]:
    """Everything this user may do in this gmina."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.kind == UserKind.RESIDENT:
        return RESIDENT_PERMISSIONS
    return permissions_of_roles(roles_of(user, municipality))


def has_permission(user: User, municipality: Municipality, permission: str) -> bool:
    return permission in permissions_of(user, municipality)


def list_staff(municipality: Municipality) -> QuerySet[User]:
    return (
        User.objects.filter(kind=UserKind.STAFF, municipality=municipality)
        .prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.for_municipality(municipality).select_related(
                    "department"
                ),
            )
        )
        .order_by("last_name", "first_name", "username")
    )


def access_staff_by_id(municipality: Municipality, user_id: int) -> User | None:
    """A staff member of this gmina; others (any gmina, or residents) are not found."""
    return list_staff(municipality).filter(pk=user_id).first()


def list_residents(municipality: Municipality) -> QuerySet[User]:
    """Residents who have matters with this gmina."""
    resident_ids = ResidentRelation.objects.for_municipality(municipality).values("resident_id")
    return User.objects.filter(kind=UserKind.RESIDENT, pk__in=resident_ids).order_by(
        "last_name", "first_name"
    )


def access_resident_by_id(municipality: Municipality, user_id: int) -> User | None:
    return list_residents(municipality).select_related("resident_profile").filter(
        pk=user_id
    ).first()


def find_resident(municipality: Municipality, query: str) -> User | None:
    """A resident of this gmina by exact user name or e-mail address (any letter case)."""
    query = query.strip()
    if not query:
        return None
    return list_residents(municipality).filter(
        Q(username__iexact=query) | Q(email__iexact=query)).first()


def list_api_tokens(municipality: Municipality) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_municipality(municipality).select_related("user").order_by(
        "-created_at"
    )


def list_own_api_tokens(municipality: Municipality, user: User) -> QuerySet[ApiToken]:
    """The tokens acting as this person in this gmina, waiting ones first."""
    return (ApiToken.objects.for_municipality(municipality).filter(user=user)
            .select_related("issued_by").order_by("-confirmed_at", "-created_at"))


def pending_api_token_count(municipality: Municipality, user: User) -> int:
    return ApiToken.objects.for_municipality(municipality).filter(
        user=user, confirmed_at__isnull=True, revoked_at__isnull=True).count()


def resident_profile(user: User) -> ResidentProfile | None:
    return ResidentProfile.objects.filter(user=user).first()


def resident_municipalities(user: User) -> list[Municipality]:
    """The gminy a resident has matters with (the look-up spans gminy but is limited to the
    resident's own relations)."""
    with tenant_context(None, all_municipalities=True):
        return [relation.municipality for relation in ResidentRelation.objects.filter(
            resident=user).select_related("municipality")]


def role_assignments_of(municipality: Municipality, user: User) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.for_municipality(municipality).filter(
        user=user).select_related("department")


def access_role_assignment(municipality: Municipality, user_id: int,
                           assignment_id: int) -> RoleAssignment | None:
    return (RoleAssignment.objects.for_municipality(municipality)
            .select_related("user", "department", "municipality")
            .filter(pk=assignment_id, user_id=user_id).first())


def personal_data_accesses(municipality: Municipality, subject: User, *, limit: int = 20):
    """The latest recorded openings of a resident's personal data in this gmina."""
    return list(PersonalDataAccess.objects.for_municipality(municipality).filter(
        subject=subject)[:limit])


def list_audit_entries(municipality: Municipality):
    """The gmina's audit log, newest first."""
    return AuditLog.objects.filter(municipality=municipality).select_related("actor")


def hash_token_secret(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def authenticate_api_token(raw_token: str) -> ApiToken | None:
    """The usable token this bearer value stands for, or None.

    The look-up crosses gminy (the token names its gmina), so it runs with the database
    wall opened for all gminy, and compares the stored hash in constant time.
    """
    parts = raw_token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX or not parts[1] or not parts[2]:
        return None
    with tenant_context(None, all_municipalities=True):
        token = (
            ApiToken.objects.select_related("municipality", "user")
            .filter(prefix=parts[1])
            .first()
        )
    if token is None or not hmac.compare_digest(token.key_hash, hash_token_secret(raw_token)):
        return None
    if not token.is_usable or not token.municipality.is_active:
        return None
    if token.user is not None and not token.user.is_active:
        return None
    return token


def token_permissions(token: ApiToken) -> frozenset[str]:
    """The token's scopes, never more than its user may do in the token's gmina."""
    scopes = frozenset(token.permissions)
    if token.user is None:
        return scopes
    return scopes & permissions_of(token.user, token.municipality)

