"""Online payment through the gmina's gateway: a payment of chosen instalments is
registered with the gateway, the resident pays on the gateway's page, the gateway's
signed notification is checked (signature, merchant, session, amount, currency) and the
transaction verified with the gateway before anything is booked. A notification repeated
or late books nothing twice; a forged or wrong one is refused and kept for the clerk.
A sweep asks the gateway about every payment left pending."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.links import public_url
from ratusz.core.tenancy import tenant_context
from ratusz.payments import secrets, selectors
from ratusz.payments.errors import PaymentsError
from ratusz.payments.gateways import (
    GatewayCredentials,
    GatewayError,
    Notification,
    RegisterRequest,
    SignatureError,
    adapter_for,
)
from ratusz.payments.models import (
    GatewayAccount,
    GatewayEvent,
    Payment,
    PaymentItem,
    PaymentStatus,
    ReceiptSource,
)
from ratusz.payments.services.booking import Ledger, ReceiptIntent

logger = logging.getLogger("ratusz.payments")
TIME_LIMIT_MINUTES = 15
#: A pending payment the gateway still knows nothing of is cancelled this long after it
#: was registered (the gateway's own time limit, plus a margin).
EXPIRES_AFTER = timedelta(minutes=TIME_LIMIT_MINUTES + 15)
SWEEP_AFTER = timedelta(minutes=2)
MAX_ITEMS = 50


def adapter_of(account: GatewayAccount):
    return adapter_for(account.kind, GatewayCredentials(
        base_url=account.base_url, merchant_id=account.merchant_id, pos_id=account.pos_id,
        api_key=secrets.unseal(account.api_key_ciphertext),
        crc_key=secrets.unseal(account.crc_key_ciphertext)))


def _event(payment_or_account, *, kind: str, outcome: str, reason: str = "",
           remote_address: str | None = None, body: bytes | str = b"") -> None:
    """Keep one message exchanged with the gateway (its own short transaction, so a
    refusal is kept even though nothing else is written)."""
    payment = payment_or_account if isinstance(payment_or_account, Payment) else None
    municipality_id = payment_or_account.municipality_id
    body = _text(body)
    logger.log(logging.WARNING if outcome in ("refused", "error") else logging.INFO,
               "payments.gateway_event", extra={"kind": kind, "outcome": outcome,
                                                "reason": reason,
                                                "municipality_id": municipality_id,
                                                "payment": payment.pk if payment else None})
    with transaction.atomic(durable=True):
        GatewayEvent.objects.create(municipality_id=municipality_id, payment=payment,
                                    kind=kind, outcome=outcome, reason=reason[:300],
                                    remote_address=remote_address, body=body)


@transaction.atomic(durable=True)
def create_payment(municipality, *, user, instalment_ids) -> Payment:
    """A pending payment of the resident's own instalments (what is owed today, interest
    included). Refuses foreign, paid or too many instalments."""
    gateway = selectors.gateway_account(municipality)
    if gateway is None or not gateway.is_active:
        raise PaymentsError("no_gateway", _("Online payment is not available in this gmina."))
    ids = sorted({int(i) for i in instalment_ids})
    if not ids or len(ids) > MAX_ITEMS:
        raise PaymentsError("choose", _("Choose from 1 to 50 items to pay."))
    instalments = selectors.access_own_instalments(municipality, user, ids)
    if len(instalments) != len(ids):
        raise PaymentsError("not_found", _("Some of the chosen items are not yours or do not "
                                           "exist."))
    views = [view for view in selectors.views(instalments) if view.to_pay > 0]
    if len(views) != len(ids):
        raise PaymentsError("already_paid", _("Some of the chosen items are already paid."))
    payer_ids = {view.instalment.payer_id for view in views}
    if len(payer_ids) != 1:
        raise PaymentsError("several_payers", _("Pay the items of one payer at a time."))
    payment = Payment.objects.create(
        municipality=municipality, payer_id=payer_ids.pop(), user=user, gateway=gateway,
        amount=sum(view.to_pay for view in views))
    PaymentItem.objects.bulk_create([
        PaymentItem(municipality=municipality, payment=payment, instalment=view.instalment,
                    amount=view.to_pay) for view in views])
    return payment


def register_payment(payment: Payment) -> Payment:
    """Register the payment with the gateway and remember where to send the payer. The
    gateway unreachable: the payment fails (`PaymentsError`)."""
    municipality = payment.municipality
    gateway = payment.gateway
    user = payment.user
    request = RegisterRequest(
        session_id=payment.session_id, amount=payment.amount, currency=payment.currency,
        description=f"{municipality.official_name}: należności ({payment.items.count()})",
        email=(user.email if user and user.email else payment.payer.email) or
        "brak@ratusz.invalid", client=payment.payer.name,
        url_return=public_url("payments:payment", municipality.slug, payment.public_id),
        url_status=public_url("payments-platform:gateway-status", gateway.notify_key),
        url_refusal=public_url("payments-platform:gateway-refusal", gateway.notify_key),
        time_limit_minutes=TIME_LIMIT_MINUTES)
    try:
        registered = adapter_of(gateway).register(request)
    except GatewayError as error:
        _event(payment, kind="register", outcome="error", reason=str(error))
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.FAILED, failure_reason="gateway unavailable",
            closed_at=timezone.now())
        raise PaymentsError("gateway_unavailable", _(
            "The payment gateway cannot be reached now. Nothing was charged; try again "
            "later.")) from error
    Payment.objects.filter(pk=payment.pk).update(token=registered.token,
                                                 redirect_url=registered.redirect_url)
    payment.token, payment.redirect_url = registered.token, registered.redirect_url
    return payment


def start_payment(municipality, *, user, instalment_ids) -> Payment:
    """Create and register a payment: the resident is then sent to `redirect_url`."""
    return register_payment(create_payment(municipality, user=user,
                                           instalment_ids=instalment_ids))


def _book(payment: Payment, *, order_id: int, method_id: int | None, statement: str,
          via: str, remote_address=None, body=b"") -> bool:
    """Mark the payment paid and book its receipt, once: True if this call did it. The
    gateway's message is kept in the same transaction."""
    with transaction.atomic(durable=True):
        locked = (Payment.objects.for_municipality(payment.municipality_id)
                  .select_for_update().get(pk=payment.pk))
        if locked.status == PaymentStatus.PAID:
            GatewayEvent.objects.create(
                municipality_id=payment.municipality_id, payment=payment, kind=via,
                outcome="repeated", remote_address=remote_address, body=_text(body))
            return False
        named = frozenset(locked.items.values_list("instalment_id", flat=True))
        ledger = Ledger(payment.municipality, [locked.payer_id])
        receipt = ledger.book(ReceiptIntent(
            payer_id=locked.payer_id, amount=locked.amount, value_date=timezone.localdate(),
            source=ReceiptSource.GATEWAY, named=named,
            reference=f"{payment.gateway.get_kind_display()} {order_id} ({via})"))
        ledger.flush()
        Payment.objects.filter(pk=locked.pk).update(
            status=PaymentStatus.PAID, receipt_id=receipt.id, order_id=order_id,
            method_id=method_id, statement=statement[:255], paid_at=timezone.now(),
            closed_at=timezone.now(), failure_reason="")
        GatewayEvent.objects.create(
            municipality_id=payment.municipality_id, payment=payment, kind=via,
            outcome="accepted", remote_address=remote_address, body=_text(body))
        return True


def _text(body: bytes | str) -> str:
    return body[:4000].decode("utf-8", errors="replace") if isinstance(body, bytes) \
        else body[:4000]


def receive_notification(notify_key: str, body: bytes, *, remote_address: str | None = None
                         ) -> int:
    """The gateway's notification of a paid transaction. Returns the HTTP status to
    answer: 200 (booked, or already booked), 400 (refused: bad signature, unknown session,
    wrong amount or currency, verification refused), 404 (no such gateway account), 503
    (the gateway could not verify now: it will notify again)."""
    account = selectors.gateway_account_by_key(notify_key)
    if account is None:
        logger.warning("payments.notification_unknown_key")
        return 404
    with tenant_context(account.municipality):
        return _notification(account, body, remote_address)


def _notification(account: GatewayAccount, body: bytes, remote_address) -> int:
    municipality = account.municipality
    adapter = adapter_of(account)
    try:
        notification = adapter.parse_notification(body)
    except SignatureError as error:
        _event(account, kind="notification", outcome="refused", reason=error.reason,
               remote_address=remote_address, body=body)
        return 400
    payment = selectors.payment_for_session(municipality, notification.session_id)
    if payment is None:
        _event(account, kind="notification", outcome="refused", reason="unknown session",
               remote_address=remote_address, body=body)
        return 400
    if payment.status == PaymentStatus.PAID:
        _event(payment, kind="notification", outcome="repeated",
               remote_address=remote_address, body=body)
        return 200
    wrong = _mismatch(payment, notification)
    if wrong:
        _event(payment, kind="notification", outcome="refused", reason=wrong,
               remote_address=remote_address, body=body)
        return 400
    return _verify_and_book(payment, adapter, notification, via="notification",
                            remote_address=remote_address, body=body)


def _mismatch(payment: Payment, notification: Notification) -> str:
    if notification.amount != payment.amount or notification.origin_amount != payment.amount:
        return (f"wrong amount: {notification.amount} (registered {notification.origin_amount}"
                f", expected {payment.amount})")
    if notification.currency != payment.currency:
        return f"wrong currency: {notification.currency}"
    return ""


def _verify_and_book(payment: Payment, adapter, notification: Notification, *, via: str,
                     remote_address=None, body=b"") -> int:
    try:
        verified = adapter.verify(notification)
    except GatewayError as error:
        _event(payment, kind="verify", outcome="error", reason=str(error),
               remote_address=remote_address, body=body)
        return 503
    if not verified:
        _event(payment, kind="verify", outcome="refused", reason="verification refused",
               remote_address=remote_address, body=body)
        return 400
    booked = _book(payment, order_id=notification.order_id, method_id=notification.method_id,
                   statement=notification.statement, via=via, remote_address=remote_address,
                   body=body)
    logger.info("payments.gateway_event", extra={
        "kind": via, "outcome": "accepted" if booked else "repeated",
        "municipality_id": payment.municipality_id, "payment": payment.pk})
    return 200


def receive_refusal(notify_key: str, body: bytes, *, remote_address: str | None = None) -> int:
    """The gateway says a payment attempt was refused (card or BLIK): the payment fails
    with the gateway's reason, unless it was paid meanwhile."""
    account = selectors.gateway_account_by_key(notify_key)
    if account is None:
        return 404
    with tenant_context(account.municipality):
        try:
            refusal = adapter_of(account).parse_refusal(body)
        except SignatureError as error:
            _event(account, kind="refusal", outcome="refused", reason=error.reason,
                   remote_address=remote_address, body=body)
            return 400
        payment = selectors.payment_for_session(account.municipality, refusal.session_id)
        if payment is None or refusal.amount != payment.amount:
            _event(account, kind="refusal", outcome="refused",
                   reason="unknown session or wrong amount", remote_address=remote_address,
                   body=body)
            return 400
        with transaction.atomic(durable=True):
            changed = Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
                status=PaymentStatus.FAILED, closed_at=timezone.now(),
                failure_reason=f"{refusal.error_code}: {refusal.error_message}"[:500])
        _event(payment, kind="refusal", outcome="accepted" if changed else "repeated",
               remote_address=remote_address, body=body)
        return 200


def refresh_payment(payment: Payment, *, expire: bool = False) -> Payment:
    """Ask the gateway how a pending payment stands: paid there → verified and booked;
    returned → failed; still nothing after its time limit (with `expire`) → cancelled."""
    if payment.status != PaymentStatus.PENDING or not payment.token:
        return payment
    adapter = adapter_of(payment.gateway)
    try:
        status = adapter.status(payment.session_id)
    except GatewayError as error:
        _event(payment, kind="status", outcome="error", reason=str(error))
        return payment
    if status is not None and status.state == "paid":
        notification = Notification(
            merchant_id=payment.gateway.merchant_id, pos_id=payment.gateway.pos_id,
            session_id=payment.session_id, amount=status.amount, origin_amount=status.amount,
            currency=status.currency, order_id=status.order_id, method_id=0, statement="")
        wrong = _mismatch(payment, notification)
        if wrong:
            _event(payment, kind="status", outcome="refused", reason=wrong)
        else:
            _verify_and_book(payment, adapter, notification, via="status")
    elif status is not None and status.state == "returned":
        _close(payment, PaymentStatus.FAILED, "returned by the gateway")
    elif expire and timezone.now() - payment.created_at > EXPIRES_AFTER:
        _close(payment, PaymentStatus.CANCELLED, "expired: nothing paid at the gateway")
    payment.refresh_from_db()
    return payment


def _close(payment: Payment, status: str, reason: str) -> bool:
    with transaction.atomic(durable=True):
        return bool(Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=status, failure_reason=reason, closed_at=timezone.now()))


def cancel_payment(payment: Payment, *, user) -> Payment:
    """The resident gives up a pending payment (one not paid at the gateway)."""
    refreshed = refresh_payment(payment)
    if refreshed.status == PaymentStatus.PENDING:
        _close(refreshed, PaymentStatus.CANCELLED, "cancelled by the payer")
        refreshed.refresh_from_db()
    return refreshed


def sweep_gmina(municipality, *, counts: dict | None = None) -> dict:
    """The gmina's payments pending for more than two minutes: ask the gateway."""
    counts = counts if counts is not None else {"checked": 0, "paid": 0, "closed": 0}
    for payment in selectors.pending_payments(municipality,
                                              older_than=timezone.now() - SWEEP_AFTER):
        counts["checked"] += 1
        after = refresh_payment(payment, expire=True)
        if after.status == PaymentStatus.PAID:
            counts["paid"] += 1
        elif after.status != PaymentStatus.PENDING:
            counts["closed"] += 1
    return counts


def sweep_pending_payments() -> dict:
    """Every gmina's pending payments (the periodic sweep)."""
    counts = {"checked": 0, "paid": 0, "closed": 0}
    for municipality in selectors.gminy_with_pending_payments():
        with tenant_context(municipality):
            sweep_gmina(municipality, counts=counts)
    return counts
