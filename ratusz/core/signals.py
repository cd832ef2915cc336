"""Sign-in events go into the audit log."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from ratusz.core.models import AuditAction


def _municipality_of(user):
    return getattr(user, "municipality", None)


@receiver(user_logged_in)
def audit_sign_in(sender, request, user, **kwargs):
    from ratusz.core.services import record_audit

    record_audit(municipality=_municipality_of(user), acting_user=user,
                 action=AuditAction.SIGNED_IN, target=user)


@receiver(user_logged_out)
def audit_sign_out(sender, request, user, **kwargs):
    from ratusz.core.services import record_audit

    if user is not None:
        record_audit(municipality=_municipality_of(user), acting_user=user,
                     action=AuditAction.SIGNED_OUT, target=user)


@receiver(user_login_failed)
def audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    from ratusz.core.services import record_audit

    record_audit(municipality=None, acting_user=None, action=AuditAction.SIGN_IN_FAILED,
                 object_type="accounts.user",
                 object_id="", after={"username": str(credentials.get("username", ""))[:150]})
