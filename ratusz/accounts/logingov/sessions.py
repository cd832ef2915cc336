"""What a login.gov.pl sign-in leaves behind: consumed message ids (no replays), the link
between the node's session and ours (node-initiated single logout), and refusals in the
audit log. Writes of the login.gov.pl views, each in its own transaction."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ratusz.accounts import identity
from ratusz.accounts.models import LoginGovSession, SamlMessageSeen
from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit


def remember_message(message_id: str, expires) -> bool:
    """Record a consumed message id; False when it was seen before (a replay)."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        SamlMessageSeen.objects.filter(expires_at__lt=now - timezone.timedelta(days=1)).delete()
    try:
        with transaction.atomic(durable=True):
            SamlMessageSeen.objects.create(message_id=message_id[:255],
                                           expires_at=expires or now)
    except IntegrityError:
        return False
    return True


@transaction.atomic(durable=True)
def resident_signed_in(person, *, current_user=None):
    """The resident account of the identity the node confirmed (made or linked as needed);
    returns (user, how) as `identity.resident_for_identity`."""
    return identity.resident_for_identity(person, current_user=current_user)


@transaction.atomic(durable=True)
def link_node_session(*, session_index: str, name_id: str, user, session_key: str) -> None:
    """Remember which of our sessions the node's session opened (rows older than a session
    can live go at the same time: no separate sweeper)."""
    LoginGovSession.objects.filter(created_at__lt=timezone.now() - timezone.timedelta(
        seconds=settings.SESSION_COOKIE_AGE)).delete()
    LoginGovSession.objects.update_or_create(
        session_index=session_index[:255],
        defaults={"name_id": name_id[:255], "user": user, "session_key": session_key})


@transaction.atomic(durable=True)
def forget_node_session(session_index: str) -> None:
    LoginGovSession.objects.filter(session_index=session_index).delete()


@transaction.atomic(durable=True)
def end_node_session(*, session_index: str, name_id: str) -> bool:
    """The node ended a person's session: end ours too. True when one was open."""
    ended = LoginGovSession.objects.filter(session_index=session_index, name_id=name_id).first()
    if ended is None:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore
    store(session_key=ended.session_key).delete()
    ended.delete()
    return True


@transaction.atomic(durable=True)
def record_refusal(municipality, code: str) -> None:
    record_audit(municipality=municipality, acting_user=None,
                 action=AuditAction.SIGN_IN_FAILED, object_type="accounts.user",
                 object_id="", after={"method": "login.gov.pl", "reason": code})
