"""Writes of accounts: staff and their roles, residents, API tokens. All audited."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ratusz.accounts.models import (
    ApiToken,
    ResidentProfile,
    ResidentRelation,
    RoleAssignment,
    User,
    UserKind,
)
from ratusz.accounts.permissions import ROLE_PERMISSIONS, Permission, Role
from ratusz.accounts.selectors import TOKEN_PREFIX, hash_token_secret, permissions_of
from ratusz.core import personal_data
from ratusz.core.effects import after_commit
from ratusz.core.links import public_url
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
                      street: str = "", building: str = "", postal_code: str = "",
                      confirm_email: bool = False) -> User:
    """Create a resident account (not tied to any gmina).

    With `confirm_email` the account stays inactive (no sign-in, nothing filed) until the
    link sent to the address is followed (`confirm_resident_email`); the message is sent
    after commit. Without it the caller vouches for the address (the demo, commands)."""
    username = username.strip().lower()
    email = email.strip()
    if User.objects.filter(username=username).exists():
        raise AccountError("username_taken")
    if email and User.objects.filter(kind=UserKind.RESIDENT, email__iexact=email).exists():
        raise AccountError("email_taken")
    user = User(username=username, email=email, first_name=first_name.strip(),
                last_name=last_name.strip(), kind=UserKind.RESIDENT,
                is_active=not confirm_email)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    ResidentProfile.objects.create(
        user=user, phone=phone, city=city, street=street, building=building,
        postal_code=postal_code, email_confirmed_at=None if confirm_email else timezone.now())
    record_audit(municipality=None, acting_user=user, action=AuditAction.CREATED, target=user,
                 after={"username": user.username, "kind": user.kind,
                        "awaits_email_confirmation": confirm_email})
    if confirm_email:
        after_commit(send_email_confirmation, user.pk)
    return user


EMAIL_CONFIRMATION_SALT = "ratusz.accounts.email-confirmation"
#: How long the link in the confirmation message works.
EMAIL_CONFIRMATION_AGE = 3 * 24 * 3600


def email_confirmation_token(user: User) -> str:
    """A signed token naming the account and the address it was sent to (a changed address
    makes it useless)."""
    return signing.dumps([user.pk, user.email.lower()], salt=EMAIL_CONFIRMATION_SALT)


def send_email_confirmation(user_id: int) -> None:
    """Send (again) the link that confirms a new account's e-mail address."""
    user = User.objects.filter(pk=user_id, kind=UserKind.RESIDENT, is_active=False).first()
    if user is None or not user.email:
        return
    link = public_url("accounts:register-confirm", email_confirmation_token(user))
    with translation.override("pl"):
        body = render_to_string("accounts/email/confirm_address.txt",
                                {"user": user, "link": link,
                                 "days": EMAIL_CONFIRMATION_AGE // 86400})
        subject = str(_("Confirm your e-mail address – Ratusz"))
    send_mail(subject, body, None, [user.email])


@transaction.atomic(durable=True)
def confirm_resident_email(token: str) -> User | None:
    """Follow the link: the account becomes active. None for a wrong, old or used link."""
    try:
        user_id, email = signing.loads(token, salt=EMAIL_CONFIRMATION_SALT,
                                       max_age=EMAIL_CONFIRMATION_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    user = User.objects.select_for_update().filter(
        pk=user_id, kind=UserKind.RESIDENT, is_active=False).first()
    if user is None or user.email.lower() != email:
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    ResidentProfile.objects.filter(user=user).update(email_confirmed_at=timezone.now())
    record_audit(municipality=None, acting_user=user, action=AuditAction.UPDATED, target=user,
                 after={"email_confirmed": True})
    return user


def unconfirmed_resident(email: str) -> User | None:
    """The account waiting for this address's confirmation, if any."""
    return User.objects.filter(kind=UserKind.RESIDENT, is_active=False,
                               email__iexact=email.strip(),
                               resident_profile__email_confirmed_at__isnull=True).first()


def link_resident(municipality: Municipality, resident: User) -> ResidentRelation:
    """Note that a resident has matters with a gmina (idempotent; caller's transaction)."""
    relation, _ = ResidentRelation.objects.get_or_create(municipality=municipality,
                                                         resident=resident)
    return relation


#: What a token acting as no person (a system) may ever do: what the gmina's administrator
#: may do. Case work is done in a person's name, so that the case record names them.
SYSTEM_TOKEN_PERMISSIONS = frozenset(ROLE_PERMISSIONS[Role.ADMIN])


def _new_secret(token: ApiToken) -> str:
    return f"{TOKEN_PREFIX}_{token.prefix}_{secrets.token_urlsafe(32)}"


@transaction.atomic(durable=True)
def issue_api_token(municipality: Municipality, *, acting_user, name: str,
                    permissions: list[str], user: User | None = None,
                    expires_at=None) -> tuple[ApiToken, str | None]:
    """Issue a bearer token for this gmina; returns the token and its secret (shown once,
    never stored), or no secret when the token waits for its person's confirmation.

    - A system token (`user` None) carries at most what the administrator role may do, and
      at most what its issuer holds.
    - A token a person issues for themselves carries at most what they hold.
    - A token issued by someone else for a person carries at most what that person holds
      and works only once the person confirms it (`confirm_api_token`), which is also when
      its secret is made and shown: to that person, never to the issuer.
    `acting_user` None is the platform's own set-up (commands, the demo): no person issues,
    so nothing waits for confirmation."""
    wanted = set(permissions)
    if wanted - set(Permission.values):
        raise AccountError("unknown_permission")
    if user is not None and user.kind == UserKind.STAFF and user.municipality_id != municipality.pk:
        raise AccountError("user_of_other_municipality")
    issuer = acting_user if getattr(acting_user, "pk", None) else None
    if user is None:
        allowed = set(SYSTEM_TOKEN_PERMISSIONS)
        if issuer is not None:
            allowed &= permissions_of(issuer, municipality)
    elif issuer is not None:
        allowed = set(permissions_of(user, municipality))
    else:
        allowed = set(Permission.values)
    if not wanted <= allowed:
        raise AccountError("permission_not_held")
    waits = issuer is not None and user is not None and user.pk != issuer.pk
    token = ApiToken(
        municipality=municipality, name=name.strip(), user=user, issued_by=issuer,
        prefix=secrets.token_hex(6), permissions=sorted(wanted), expires_at=expires_at,
        confirmed_at=None if waits else timezone.now(),
    )
    secret = None
    if not waits:
        secret = _new_secret(token)
        token.key_hash = hash_token_secret(secret)
    token.save()
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.TOKEN_ISSUED, target=token,
                 after={"name": token.name, "permissions": token.permissions,
                        "user": user.pk if user else None, "awaits_confirmation": waits})
    return token, secret


@transaction.atomic(durable=True)
def confirm_api_token(token: ApiToken, *, acting_user) -> str:
    """The person a token acts as confirms it; returns its secret (shown once). Only that
    person can, and only once."""
    if token.user_id is None or acting_user is None or token.user_id != acting_user.pk:
        raise AccountError("not_your_token")
    secret = _new_secret(token)
    confirmed = ApiToken.objects.filter(
        pk=token.pk, confirmed_at__isnull=True, revoked_at__isnull=True,
    ).update(confirmed_at=timezone.now(), key_hash=hash_token_secret(secret))
    if confirmed != 1:
        raise AccountError("token_not_pending")
    record_audit(municipality=token.municipality, acting_user=acting_user,
                 action=AuditAction.TOKEN_CONFIRMED, target=token)
    token.refresh_from_db()
    return secret


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


class ErasureRefused(AccountError):
    """The law keeps the resident's data for now (a pending case, say)."""

    def __init__(self, blockers: list[str]):
        super().__init__("erasure_refused")
        self.blockers = blockers


@transaction.atomic(durable=True)
def erase_resident(municipality: Municipality, resident: User, *, acting_user) -> dict:
    """Erase or anonymise what every app holds about `resident` in this gmina, as far as
    the law allows (RODO art. 17 (3)); what must stay stays, and the audit log says what
    was done and why the rest was kept. Refused as a whole while any app has a blocker."""
    plans = personal_data.plan_all(municipality, resident)
    blockers = [blocker for plan in plans for blocker in plan.blockers]
    if blockers:
        raise ErasureRefused(blockers)
    label = resident.get_full_name() or resident.username
    counts = {provider.key: provider.erase(municipality, resident)
              for provider in personal_data.providers()}
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.DELETED, object_type="accounts.user",
                 object_id=str(resident.pk), after={
                     "erasure": counts, "resident": label,
                     "retained": [{"what": str(item.what), "reason": str(item.reason)}
                                  for plan in plans for item in plan.retained]})
    return counts


@transaction.atomic(durable=True)
def record_personal_data_export(municipality: Municipality, resident: User, *,
                                export_format: str) -> None:
    """The resident downloaded their data (art. 15, 20): noted in the gmina's audit log."""
    record_audit(municipality=municipality, acting_user=resident, action=AuditAction.UPDATED,
                 target=resident, after={"personal_data_export": export_format})
