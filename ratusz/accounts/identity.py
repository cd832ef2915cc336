"""Residents' national identity: the PESEL kept protected, and linking accounts by it.

The PESEL is special personal data (domain.md §6.2). It is stored twice, never in clear:
- `pesel_digest`: an HMAC-SHA256 of the number under a key of ours — unique, used to
  find the one account of a person (so nobody gets a second account);
- `pesel_ciphertext`: the number encrypted with Fernet (AES-128-CBC + HMAC-SHA256) so
  that it can be shown masked, or prefilled in a form for its owner.
Both keys derive (HKDF-SHA256) from `RATUSZ_PERSONAL_DATA_KEY` (default: the
SECRET_KEY). It is never a URL key and never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum.pl import pesel as pesel_number

from ratusz.accounts.models import ResidentProfile, User, UserKind
from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit

#: The levels of assurance of eIDAS, weakest first.
LOA_LEVELS = ("http://eidas.europa.eu/LoA/low", "http://eidas.europa.eu/LoA/substantial",
              "http://eidas.europa.eu/LoA/high")
SESSION_KEY = "ratusz_identity"


def _derive(purpose: bytes) -> bytes:
    secret = (settings.RATUSZ_PERSONAL_DATA_KEY or settings.SECRET_KEY).encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ratusz-pesel",
                info=purpose).derive(secret)


def pesel_digest(pesel: str) -> str:
    return hmac.new(_derive(b"digest"), pesel.encode(), hashlib.sha256).hexdigest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"encryption")))


def encrypt_pesel(pesel: str) -> str:
    return _fernet().encrypt(pesel.encode()).decode()


def decrypt_pesel(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except (InvalidToken, ValueError):
        return ""


def mask_pesel(pesel: str) -> str:
    """`•••••••1234`: enough for its owner to recognise, too little for anyone else."""
    return "•" * 7 + pesel[-4:] if len(pesel) == 11 else ""


def profile_pesel(profile: ResidentProfile | None) -> str:
    return decrypt_pesel(profile.pesel_ciphertext) if profile and profile.pesel_ciphertext \
        else ""


def is_identified_account(user) -> bool:
    """The account carries a PESEL confirmed by the national node."""
    if not getattr(user, "is_authenticated", False) or user.kind != UserKind.RESIDENT:
        return False
    return ResidentProfile.objects.filter(user=user, pesel_digest__isnull=False).exists()


def is_identified_session(request) -> bool:
    """This session was opened through login.gov.pl by an identified resident (services
    that create legal effects need both: a password session is the weaker kind)."""
    return bool(request.session.get(SESSION_KEY)) and is_identified_account(request.user)


def loa_at_least(loa: str, minimum: str) -> bool:
    if loa not in LOA_LEVELS or minimum not in LOA_LEVELS:
        return False
    return LOA_LEVELS.index(loa) >= LOA_LEVELS.index(minimum)


@dataclass(frozen=True)
class Identity:
    """What the national node vouched for in one assertion."""

    given_name: str
    family_name: str
    birth_date: date | None
    pesel: str
    loa: str
    name_id: str = ""
    session_index: str = ""


class IdentityError(Exception):
    pass


def resident_for_identity(identity: Identity, current_user=None) -> tuple[User, str]:
    """The one resident account of this person: found by PESEL, else the signed-in
    resident's own account made identified, else a new one. Returns (user, how) with how
    in {"existing", "linked", "created"}. Never a second account for one PESEL (unique
    digest; a concurrent first sign-in falls back to the account that won)."""
    if not pesel_number.is_valid(identity.pesel):
        raise IdentityError("invalid_pesel")
    digest = pesel_digest(identity.pesel)
    for _attempt in range(2):
        profile = ResidentProfile.objects.select_related("user").filter(
            pesel_digest=digest).first()
        if profile is not None:
            _refresh(profile, identity)
            return profile.user, "existing"
        try:
            with transaction.atomic():
                if current_user is not None and getattr(current_user, "is_authenticated",
                                                        False) \
                        and current_user.kind == UserKind.RESIDENT:
                    profile, _ = ResidentProfile.objects.get_or_create(user=current_user)
                    if profile.pesel_digest is None:
                        _fill(profile, identity, digest)
                        record_audit(municipality=None, acting_user=current_user,
                                     action=AuditAction.UPDATED, target=current_user,
                                     after={"identified_by": "login.gov.pl"})
                        return current_user, "linked"
                user = User(username=f"lg-{secrets.token_hex(6)}", kind=UserKind.RESIDENT,
                            first_name=identity.given_name[:150],
                            last_name=identity.family_name[:150])
                user.set_unusable_password()
                user.save()
                profile = ResidentProfile(user=user)
                _fill(profile, identity, digest)
                record_audit(municipality=None, acting_user=user, action=AuditAction.CREATED,
                             target=user, after={"username": user.username,
                                                 "kind": user.kind,
                                                 "identified_by": "login.gov.pl"})
                return user, "created"
        except IntegrityError:
            continue  # someone else's first sign-in with this PESEL won: use theirs
    raise IdentityError("could_not_link")


def _fill(profile: ResidentProfile, identity: Identity, digest: str) -> None:
    profile.pesel_digest = digest
    profile.pesel_ciphertext = encrypt_pesel(identity.pesel)
    profile.birth_date = identity.birth_date
    profile.identified_at = timezone.now()
    profile.identity_loa = identity.loa
    profile.save()
    user = profile.user
    if identity.given_name and identity.family_name:
        user.first_name = identity.given_name[:150]
        user.last_name = identity.family_name[:150]
        user.save(update_fields=["first_name", "last_name"])


def _refresh(profile: ResidentProfile, identity: Identity) -> None:
    ResidentProfile.objects.filter(pk=profile.pk).update(
        identified_at=timezone.now(), identity_loa=identity.loa,
        birth_date=identity.birth_date or profile.birth_date)


def set_identified(user: User, pesel: str, *, loa: str = LOA_LEVELS[1]) -> ResidentProfile:
    """Mark an account as identified (the demo loader and tests; real accounts become
    identified only through `resident_for_identity`)."""
    profile, _ = ResidentProfile.objects.get_or_create(user=user)
    _fill(profile, Identity(user.first_name, user.last_name, _birth_date(pesel), pesel, loa),
          pesel_digest(pesel))
    return profile


def _birth_date(pesel: str) -> date | None:
    try:
        return pesel_number.get_birth_date(pesel)
    except Exception:  # noqa: BLE001 - a malformed number simply has no date
        return None
