"""A gmina's own wording of its messages: saving a template and going back to the built-in
one, each recorded in the audit log."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.notifications import selectors
from ratusz.notifications.models import Channel, Template
from ratusz.notifications.services.checks import checked_text

SUBJECT_LIMIT = Template._meta.get_field("subject").max_length
BODY_LIMIT = Template._meta.get_field("body").max_length


def _audited(template: Template) -> dict:
    return {"subject": template.subject, "body": template.body,
            "transliterate": template.transliterate}


@transaction.atomic(durable=True)
def save_template(municipality, purpose: str, channel: str, *, subject: str, body: str,
                  transliterate: bool, acting_user) -> Template:
    """The gmina's wording for (purpose, channel); new messages use it. An SMS has no
    subject; only an SMS is transliterated. Texts over their limit or with a character no
    message may carry raise NotificationError."""
    checked_text(subject, field="subject", label=_("subject"), limit=SUBJECT_LIMIT)
    checked_text(body, field="body", label=_("text"), limit=BODY_LIMIT)
    own = selectors.own_template(municipality, purpose, channel)
    values = {"subject": subject if channel != Channel.SMS else "", "body": body,
              "transliterate": bool(transliterate) if channel == Channel.SMS else False}
    saved, created = Template.objects.update_or_create(
        municipality=municipality, purpose=purpose, channel=channel,
        defaults={**values, "updated_at": timezone.now(), "updated_by": acting_user})
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.CREATED if created else AuditAction.UPDATED,
                 target=saved, before=_audited(own) if own else None, after=values)
    return saved


@transaction.atomic(durable=True)
def reset_template(municipality, purpose: str, channel: str, *, acting_user) -> bool:
    """The built-in wording again for (purpose, channel); False when it was in use."""
    own = selectors.own_template(municipality, purpose, channel)
    if own is None:
        return False
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.DELETED, target=own, before=_audited(own))
    own.delete()
    return True
