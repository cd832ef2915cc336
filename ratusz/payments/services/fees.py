"""Fees of other apps (the e-services' stamp duty): an obligation of the resident who
files, paid on the taxpayer account's payment page or by transfer to the payer's
individual account, and closed without a payment when the fee was paid elsewhere.

The app that owns the fee calls these inside its own transaction and recognises its
obligations by their external id (e.g. "eservices.submission:<id>"); it learns of the
payment from `ratusz.payments.events.obligation_paid`. Payments knows nothing of the
owner (the `payments-is-general-purpose` contract)."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.payments import selectors
from ratusz.payments.errors import PaymentsError
from ratusz.payments.models import Instalment, Obligation
from ratusz.payments.services.obligations import create_obligation, resident_payer_data

logger = logging.getLogger(__name__)

STAMP_DUTY = "stamp_duty"


def charge_fee(municipality, *, user, external_id: str, title: str, amount: int,
               due_date: date | None = None, kind: str = STAMP_DUTY) -> Obligation | None:
    """The fee of `amount` grosze as an obligation of `user` (identified through
    login.gov.pl: the payer is found or registered by the PESEL it confirmed), due on
    `due_date` (today: stamp duty is due when the application is filed). In the caller's
    transaction; idempotent by `external_id`.

    None, and nothing written, when the fee cannot be collected here: the gmina has no
    collection account or no such kind, the user has no confirmed PESEL, or the line is
    refused (logged). The owner then waits for a clerk to confirm the fee by hand."""
    if amount <= 0 or selectors.collection_account(municipality) is None or \
            kind not in selectors.kind_codes(municipality):
        return None
    payer = resident_payer_data(user) if getattr(user, "is_authenticated", False) else None
    if payer is None:
        return None
    try:
        # A savepoint: a refused fee must not undo the caller's work (the submission).
        with transaction.atomic():
            return create_obligation(
                municipality, payer=payer, kind=kind, external_id=external_id,
                title=title[:300], instalments=[(due_date or timezone.localdate(), amount)])
    except PaymentsError as error:
        logger.warning("payments.fee_refused", extra={
            "municipality_id": municipality.pk, "external_id": external_id,
            "code": error.code})
        return None


def close_fee_paid_elsewhere(municipality, *, external_id: str, acting_user,
                             note: str = "") -> bool:
    """A clerk confirmed the fee was paid another way (at the till, to another account):
    its obligation no longer asks for anything. What was paid here stays as it is (an
    instalment partly paid is cut to what was paid); an instalment nothing was paid on
    and nothing names (a payment, a reminder, a statement line) is removed, and the
    obligation with it when none is left. In the caller's transaction; audited. False
    when there is no such obligation or something still names its open part."""
    return _close_open_part(municipality, external_id, acting_user,
                            {"paid_elsewhere": True, "note": note[:200]})


def cancel_unpaid_fee(municipality, *, external_id: str, acting_user,
                      reason: str = "") -> bool:
    """The request the fee was for was withdrawn before it was dealt with: what is still
    unpaid is no longer asked for (the obligation's open part is closed as by
    `close_fee_paid_elsewhere`); what was paid stays, refunded on request (ustawa o
    opłacie skarbowej art. 9 ust. 1 [U: not read; the refund is not automated]). In the
    caller's transaction; audited. False when there is no such obligation, nothing open,
    or something still names its open part (a payment under way)."""
    return _close_open_part(municipality, external_id, acting_user,
                            {"cancelled": True, "reason": reason[:200]})


def _close_open_part(municipality, external_id: str, acting_user, after: dict) -> bool:
    obligation = selectors.obligation_by_external_id(municipality, external_id)
    if obligation is None:
        return False
    open_instalments = list(Instalment.objects.for_municipality(municipality)
                            .select_for_update().filter(obligation=obligation,
                                                        settled_at__isnull=True))
    if not open_instalments or selectors.instalments_named(
            municipality, [i.pk for i in open_instalments if i.paid_principal == 0]):
        return False
    now = timezone.now()
    before = []
    for instalment in open_instalments:
        before.append({"number": instalment.number, "amount": instalment.amount,
                       "paid": instalment.paid_principal})
        if instalment.paid_principal == 0:
            instalment.delete()
            continue
        instalment.amount = instalment.paid_principal
        instalment.interest_charged = instalment.interest_paid
        instalment.settled_at = now
        instalment.save(update_fields=["amount", "interest_charged", "settled_at"])
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=obligation,
                 before={"external_id": external_id, "instalments": before}, after=after)
    if not obligation.instalments.exists():
        obligation.delete()
    return True
