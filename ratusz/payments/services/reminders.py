"""Reminders (upomnienia) with their statutory cost, and refunds of overpayments.

- A reminder may be sent for an arrear of a tax-law obligation; enforcement may start
  7 days after its delivery (u.p.e.a. art. 15 § 1) [V]. Its cost arises on delivery, also
  when the addressee does not collect it (delivery by notice) [V], and is what the
  regulation in force on that day says: 16.00 zł since 13 October 2021 (Dz.U. 2021 poz.
  67) [V]; the table `LegalAmount` keeps it with dates. 16 zł in 2026 [U].
- Overpayments are refunded on request to a bank account (Ordynacja podatkowa art. 76
  § 1, art. 77b) [V]; the refund's deadline (art. 77 § 1) is not tracked [U]."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.effects import enqueue_after_commit
from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.payments import nrb, selectors
from ratusz.payments.calendar import next_working_day
from ratusz.payments.errors import PaymentsError
from ratusz.payments.models import (
    Instalment,
    Payer,
    Receipt,
    Refund,
    Regime,
    Reminder,
)
from ratusz.payments.services.booking import Ledger


@transaction.atomic(durable=True)
def issue_reminder(instalment: Instalment, *, acting_user, on: date | None = None) -> Reminder:
    """Record a reminder sent for an overdue instalment of a tax-law obligation."""
    on = on or timezone.localdate()
    instalment = Instalment.objects.select_related("obligation__kind").get(pk=instalment.pk)
    if instalment.obligation.kind.regime != Regime.TAX:
        raise PaymentsError("not_tax", _("A reminder is sent only for tax-law obligations."))
    if instalment.settled_at is not None or next_working_day(instalment.due_date) >= on:
        raise PaymentsError("not_overdue", _("This instalment is not overdue."))
    if Reminder.objects.filter(instalment=instalment, delivered_on__isnull=True).exists():
        raise PaymentsError("reminder_pending", _(
            "A reminder for this instalment is already waiting for delivery."))
    reminder = Reminder.objects.create(municipality_id=instalment.municipality_id,
                                       payer_id=instalment.payer_id, instalment=instalment,
                                       issued_on=on, issued_by=acting_user)
    record_audit(municipality=instalment.obligation.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=reminder,
                 after={"instalment": instalment.pk, "issued_on": on.isoformat()})
    return reminder


@transaction.atomic(durable=True)
def record_delivery(reminder: Reminder, *, delivered_on: date, acting_user) -> Reminder:
    """The reminder was delivered (or counts as delivered): its cost is charged."""
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.delivered_on is not None:
        raise PaymentsError("delivered", _("This reminder's delivery is already recorded."))
    if not reminder.issued_on <= delivered_on <= timezone.localdate():
        raise PaymentsError("delivery_date", _(
            "The delivery date cannot be before the reminder was sent or after today."))
    reminder.delivered_on = delivered_on
    reminder.cost = selectors.reminder_cost_on(delivered_on)
    reminder.save(update_fields=["delivered_on", "cost"])
    ledger = Ledger(reminder.payer.municipality, [reminder.payer_id])
    ledger.load_credit()
    if ledger.set_off(timezone.localdate()):
        ledger.flush()
    record_audit(municipality=reminder.payer.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=reminder,
                 after={"delivered_on": delivered_on.isoformat(), "cost": reminder.cost})
    enqueue_after_commit("payments.notify_reminder", reminder.municipality_id, reminder.pk)
    return reminder


@transaction.atomic(durable=True)
def refund_overpayment(payer: Payer, *, amount: int, account: str, requested_on: date,
                       acting_user) -> Refund:
    """Record a refund of (part of) the payer's overpayment to their bank account."""
    number = nrb.clean(account)
    if not nrb.is_valid(number):
        raise PaymentsError("nrb", _("This is not a valid Polish account number (NRB)."))
    if requested_on > timezone.localdate():
        raise PaymentsError("requested_on", _("The request cannot be dated in the future."))
    list(Payer.objects.select_for_update().filter(pk=payer.pk).values_list("pk"))
    receipts = list(Receipt.objects.filter(payer=payer, unallocated__gt=0)
                    .order_by("value_date", "pk"))
    credit = sum(receipt.unallocated for receipt in receipts)
    if not 0 < amount <= credit:
        raise PaymentsError("refund_amount", _(
            "The refund must be more than zero and not more than the overpayment."))
    left = amount
    for receipt in receipts:
        taken = min(left, receipt.unallocated)
        receipt.unallocated -= taken
        left -= taken
        if left == 0:
            break
    Receipt.objects.bulk_update(receipts, ["unallocated"])
    refund = Refund.objects.create(municipality_id=payer.municipality_id, payer=payer,
                                   amount=amount, account=number, requested_on=requested_on,
                                   recorded_by=acting_user)
    record_audit(municipality=payer.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=refund,
                 after={"payer": payer.pk, "amount": amount,
                        "account": nrb.grouped(number)})
    return refund


@transaction.atomic(durable=True)
def set_off_overpayments(municipality) -> int:
    """Overpayments of the gmina's payers set off against what they owe today (art. 76
    § 1 OP): run daily, so a liability that fell due meets the money waiting for it."""
    payer_ids = selectors.payers_with_credit(municipality)
    if not payer_ids:
        return 0
    ledger = Ledger(municipality, payer_ids)
    ledger.load_credit()
    total = ledger.set_off(timezone.localdate())
    if total:
        ledger.flush()
    return total
