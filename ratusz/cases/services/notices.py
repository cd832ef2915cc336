"""E-mail notices to staff about their waiting work, each asked for by the person: a
morning summary of what waits (every app's work, through `ratusz.accounts.workspace`) and
a notice the moment a letter waits for their approval. Sent by tasks after the commit
that made the work, with absolute links; safe to run twice."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ratusz.accounts.workspace import waiting_work
from ratusz.cases.models import LetterStatus, OutgoingLetter, StaffNotices
from ratusz.cases.selectors import pending_step
from ratusz.core.links import public_base_url, public_url

logger = logging.getLogger("ratusz.cases.notices")


@transaction.atomic(durable=True)
def set_staff_notices(user, municipality, *, daily_summary: bool, approval_requests: bool
                      ) -> StaffNotices:
    """Record which e-mail notices this staff member wants."""
    notices, _created = StaffNotices.objects.for_municipality(municipality).get_or_create(
        user=user, defaults={"municipality": municipality})
    notices.daily_summary = daily_summary
    notices.approval_requests = approval_requests
    notices.changed_at = timezone.now()
    notices.save(update_fields=["daily_summary", "approval_requests", "changed_at"])
    return notices


def staff_notices(user, municipality) -> StaffNotices:
    """The person's choices (all off until they choose)."""
    return (StaffNotices.objects.for_municipality(municipality).filter(user=user).first()
            or StaffNotices(municipality=municipality, user=user))


def _send(user, subject: str, template: str, context: dict) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {"user": user, **context})
        send_mail(subject=str(subject), message=body, from_email=None,
                  recipient_list=[user.email])


def send_approval_notice(letter_id: int) -> bool:
    """Tell the person whose approval the letter now waits for, if they asked to be told
    at once and have an address. Returns whether a message went out."""
    letter = (OutgoingLetter.objects.filter(pk=letter_id, status=LetterStatus.AWAITING_APPROVAL)
              .select_related("case", "case__municipality").first())
    if letter is None:
        return False
    step = pending_step(letter)
    if step is None:
        return False
    approver = step.approver
    municipality = letter.case.municipality
    if not approver.is_active or not approver.email or not staff_notices(
            approver, municipality).approval_requests:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("A letter waits for your approval: %(mark)s") % {"mark": letter.case.mark}
    url = public_url("ezd:case-detail", municipality.slug, letter.case_id)
    _send(approver, subject, "cases/email/approval_request.txt", {
        "letter": letter, "case": letter.case, "municipality": municipality,
        "url": f"{url}#letter-{letter.pk}",
        "preview_url": public_url("ezd:letter-preview", municipality.slug, letter.case_id,
                                  letter.pk),
        "notices_url": public_url("ezd:notices", municipality.slug)})
    return True


def send_daily_summaries(today=None) -> int:
    """The morning summary to everyone who asked for it and has work waiting; each person
    at most once a day. Returns how many went out."""
    today = today or timezone.localdate()
    sent = 0
    wanted = (StaffNotices.objects.filter(daily_summary=True, user__is_active=True)
              .exclude(summary_sent_on=today).exclude(user__email="")
              .select_related("user", "municipality"))
    for notices in wanted:
        user, municipality = notices.user, notices.municipality
        try:
            with translation.override(settings.LANGUAGE_CODE):
                work = [item for item in waiting_work(user, municipality, detailed=True)
                        if item.count]
                if work:
                    _send(user, _("What waits for you today in Ratusz"),
                          "cases/email/daily_summary.txt", {
                              "work": work, "municipality": municipality,
                              "base_url": public_base_url(),
                              "dashboard_url": public_url("staff:dashboard",
                                                          municipality.slug),
                              "notices_url": public_url("ezd:notices", municipality.slug)})
        except Exception:  # noqa: BLE001 - one person's failure does not stop the others
            logger.exception("cases.daily_summary_failed", extra={"user": user.pk})
            continue
        StaffNotices.objects.filter(pk=notices.pk).update(summary_sent_on=today)
        sent += bool(work)
    return sent
