"""Telling the payer: a notice before each due date and news of a delivered reminder, by
the channels the resident chose for news of their own matters (notifications), else by
e-mail to the payer's address. Payments owns the wording; notifications deliver it."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ratusz.core.links import public_url
from ratusz.core.tenancy import tenant_context
from ratusz.notifications.services import queue_personal_news
from ratusz.payments import selectors
from ratusz.payments.money import zloty_text

logger = logging.getLogger("ratusz.payments")


def _news(municipality, payer, *, key: str, title: str, event: str, status: str) -> int:
    user_ids = selectors.resident_user_ids([payer.pesel_digest]) if payer.pesel_digest else {}
    user_id = user_ids.get(payer.pesel_digest)
    if user_id is None and not payer.email:
        return 0
    link = public_url("payments:account", municipality.slug)
    values = {"gmina": municipality.official_name, "case": title,
              "service": _("Taxes and fees"), "status": status, "event": event, "link": link}
    subject = f"{event}: {title}"
    body = _("Good day,\n\n%(event)s: %(title)s.\n%(status)s\n\nYour account: %(link)s\n\n--\n"
             "%(gmina)s\n") % {"event": event, "title": title, "status": status,
                               "link": link, "gmina": municipality.official_name}
    return queue_personal_news(municipality, user_id=user_id, email=payer.email, key=key,
                               values=values, email_subject=subject, email_body=body)


def send_due_notices(municipality, *, today=None) -> int:
    """Notices for the instalments due `notice_days` from today (once each)."""
    account = selectors.collection_account(municipality)
    if account is None or account.notice_days == 0:
        return 0
    today = today or timezone.localdate()
    day = today + timedelta(days=account.notice_days)
    sent = 0
    with translation.override("pl"):
        for view in selectors.views(selectors.instalments_due(municipality, day)):
            if view.to_pay <= 0:
                continue
            sent += _news(
                municipality, view.instalment.payer,
                key=f"payments.due:{view.instalment.pk}:{view.due_date.isoformat()}",
                title=view.title, event=_("Payment due soon"),
                status=_("To pay %(amount)s by %(date)s to the account %(account)s.") % {
                    "amount": zloty_text(view.to_pay), "date": view.due_date.strftime(
                        "%d.%m.%Y"), "account": view.account})
    return sent


def notify_reminder(municipality, reminder_id: int) -> int:
    reminder = selectors.access_reminder_by_id(municipality, reminder_id)
    if reminder is None or reminder.delivered_on is None:
        return 0
    instalment = reminder.instalment
    with translation.override("pl"):
        view = selectors.views([selectors.instalments_of(municipality).get(pk=instalment.pk)])[0]
        return _news(municipality, reminder.payer, key=f"payments.reminder:{reminder.pk}",
                     title=view.title, event=_("Reminder (upomnienie) delivered"),
                     status=_("To pay %(amount)s, with the cost of the reminder %(cost)s.") % {
                         "amount": zloty_text(view.to_pay), "cost": zloty_text(reminder.cost)})


def send_all_due_notices() -> int:
    total = 0
    for municipality in selectors.gminy_with_collection_accounts():
        with tenant_context(municipality):
            try:
                total += send_due_notices(municipality)
            except Exception:  # noqa: BLE001 - one gmina's failure must not stop the others
                logger.exception("payments.due_notices_failed",
                                 extra={"municipality_id": municipality.pk})
    return total
