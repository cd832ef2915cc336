"""Writes of accounts: staff and their roles, residents, API tokens. All audited."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from ratusz.accounts.models import (
    ApiToken,
    ResidentProfile,
    ResidentRelation,
    RoleAssignment,
    User,
    UserKind,
)
from ratusz.accounts.permissions import Permission, Role
from ratusz.accounts.selectors import TOKEN_PREFIX, hash_token_secret
from ratusz.core.models import AuditAction, Department, Municipality
from ratusz.core.services import record_audit, snapshot

STAFF_FIELDS = ["username", "first_name", "last_name", "email", "position", "is_active"]


class AccountError(ValueError):
    """A rule of accounts was broken; the message is shown to the person."""


@transaction.atomic(durable=True)
def create_staff_member(
    municipality: Municipality,
    *,
    acting_user,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    position: str = "",
    password: str | None = None,
    roles: list[tuple[str, Department | None]] | None = None,
) -> User:
    """Add a staff member to a gmina with their roles. Without a password, the account
    cannot sign in until one is set."""
    username = username.strip().lower()
    if User.objects.filter(username=username).exists():
        raise AccountError("username_taken")
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        position=position.strip(),
        kind=UserKind.STAFF,
        municipality=municipality,
    )
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    record_audit(municipality=municipality, acting_user=acting_user, action=AuditAction.CREATED,
                 target=user, after=snapshot(user, STAFF_FIELDS))
    for role, department in roles or []:
        _grant_role(user, acting_user=acting_user, role=role, department=department)
    return user


@transaction.atomic(durable=True)
def update_staff_member(user: User, *, acting_user, **changes) -> User:
    """Change a staff member's name, e-mail, position or whether they may sign in."""
    allowed = {"first_name", "last_name", "email", "position", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise AccountError(f"fields_not_changeable:{','.join(sorted(unknown))}")
    if changes.get("is_active") is False and user.pk == getattr(acting_user, "pk", None):
        raise AccountError("cannot_deactivate_self")
    before = snapshot(user, STAFF_FIELDS)
    for name, value in changes.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    user.full_clean(exclude=["password"])
    after = snapshot(user, STAFF_FIELDS)
    if before == after:
        return user
    user.save(update_fields=list(changes))
    record_audit(municipality=user.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=user, before=before, after=after)
    return user


def _grant_role(user: User, *, acting_user, role: str, department: Department | None
                ) -> RoleAssignment:
    if user.kind != UserKind.STAFF:
        raise AccountError("not_staff")
    if role not in Role.values:
        raise AccountError("unknown_role")
    if department is not None and department.municipality_id != user.municipality_id:
        raise AccountError("department_of_other_municipality")
    if role == Role.HEAD and department is None:
        raise AccountError("head_needs_department")
    assignment, created = RoleAssignment.objects.get_or_create(
        municipality_id=user.municipality_id, user=user, role=role, department=department,
        defaults={"unit": department.unit if department else None},
    )
    if created:
        record_audit(municipality=user.municipality, acting_user=acting_user,
                     action=AuditAction.ROLE_GRANTED, target=user,
                     after={"role": role, "department": department.symbol if department else None})
        user.__dict__.pop("_ratusz_roles", None)
    return assignment


@transaction.atomic(durable=True)
def grant_role(user: User, *, acting_user, role: str, department: Department | None = None
               ) -> RoleAssignment:
    """Give a staff member a role in their gmina (at most once per department)."""
    return _grant_role(user, acting_user=acting_user, role=role, department=department)


@transaction.atomic(durable=True)
def revoke_role(assignment: RoleAssignment, *, acting_user) -> None:
    """Take a role away. The last administrator of a gmina keeps theirs (no lock-out)."""
    if assignment.role == Role.ADMIN:
        admins = (
            RoleAssignment.objects.for_municipality(assignment.municipality_id)
            .select_for_update()
            .filter(role=Role.ADMIN, user__is_active=True)
        )
        if len(admins) <= 1:
            raise AccountError("last_admin")
    RoleAssignment.objects.filter(pk=assignment.pk).delete()
    record_audit(
        municipality=assignment.municipality, acting_user=acting_user,
        action=AuditAction.ROLE_REVOKED, target=assignment.user,
        before={"role": assignment.role,
                "department": assignment.department.symbol if assignment.department else None},
    )
    assignment.user.__dict__.pop("_ratusz_roles", None)


@transaction.atomic(durable=True)
def register_resident(*, username: str, email: str, password: str, first_name: str = "",
                      last_name: str = "", phone: str = "", city: str = "",
                      street: str = "", building: str = "", postal_code: str = "") -> User:
    """Create a resident account (not tied to any gmina)."""
    username = username.strip().lower()
    if User.objects.filter(username=username).exists():
        raise AccountError("username_taken")
    user = User(username=username, email=email.strip(), first_name=first_name.strip(),
                last_name=last_name.strip(), kind=UserKind.RESIDENT)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    ResidentProfile.objects.create(user=user, phone=phone, city=city, street=street,
                                   building=building, postal_code=postal_code)
    record_audit(municipality=None, acting_user=user, action=AuditAction.CREATED, target=user,
                 after={"username": user.username, "kind": user.kind})
    return user


def link_resident(municipality: Municipality, resident: User) -> ResidentRelation:
    """Note that a resident has matters with a gmina (idempotent; caller's transaction)."""
    relation, _ = ResidentRelation.objects.get_or_create(municipality=municipality,
                                                         resident=resident)
    return relation


@transaction.atomic(durable=True)
def issue_api_token(municipality: Municipality, *, acting_user, name: str,
                    permissions: list[str], user: User | None = None,
                    expires_at=None) -> tuple[ApiToken, str]:
    """Issue a bearer token for this gmina. Returns the token and its secret, which is
    never stored and cannot be shown again."""
    unknown = set(permissions) - set(Permission.values)
    if unknown:
        raise AccountError("unknown_permission")
    if user is not None and user.kind == UserKind.STAFF and user.municipality_id != municipality.pk:
        raise AccountError("user_of_other_municipality")
    prefix = secrets.token_hex(6)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        municipality=municipality, name=name.strip(), user=user, prefix=prefix,
        key_hash=hash_token_secret(secret), permissions=sorted(permissions),
        expires_at=expires_at,
    )
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.TOKEN_ISSUED, target=token,
                 after={"name": token.name, "permissions": token.permissions,
                        "user": user.pk if user else None})
    return token, secret


@transaction.atomic(durable=True)
def revoke_api_token(token: ApiToken, *, acting_user) -> ApiToken:
    """Revoke a token at once; revoking twice changes nothing."""
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if updated:
        record_audit(municipality=token.municipality, acting_user=acting_user,
                     action=AuditAction.TOKEN_REVOKED, target=token)
    token.refresh_from_db()
    return token


def note_api_token_used(token: ApiToken) -> None:
    """Remember when the token was last used, at most about once a minute (a single
    conditional UPDATE, not a write on every call)."""
    now = timezone.now()
    if token.last_used_at is not None and (now - token.last_used_at).total_seconds() <= 60:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
