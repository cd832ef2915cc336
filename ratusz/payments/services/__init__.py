"""Writes of the payments app (durable transactions; side effects after commit), by
concern:

- `setup`: kinds of obligations, the collection account, the gateway credentials;
- `obligations`: imports (idempotent by external id), and the payers they name;
- `fees`: fees of other apps (the e-services' stamp duty) charged and closed;
- `booking`: the ledger engine every receipt goes through;
- `online`: payments through the gateway, its notifications and the sweep;
- `statements`: MT940 statements, matching, the queue assigned by hand;
- `reminders`: reminders with their cost, refunds and set-off of overpayments;
- `notices`: notices before due dates and reminders' news (through notifications).
"""

from ratusz.payments.errors import PaymentsError
from ratusz.payments.importing import PayerData
from ratusz.payments.services.booking import Ledger, ReceiptIntent, book_receipt
from ratusz.payments.services.fees import (
    cancel_unpaid_fee,
    charge_fee,
    close_fee_paid_elsewhere,
)
from ratusz.payments.services.notices import (
    notify_reminder,
    send_all_due_notices,
    send_due_notices,
)
from ratusz.payments.services.obligations import (
    create_obligation,
    import_obligations,
    resident_payer_data,
)
from ratusz.payments.services.online import (
    cancel_payment,
    create_payment,
    receive_notification,
    receive_refusal,
    refresh_payment,
    register_payment,
    start_payment,
    sweep_gmina,
    sweep_pending_payments,
)
from ratusz.payments.services.reminders import (
    issue_reminder,
    record_delivery,
    refund_overpayment,
    set_off_overpayments,
)
from ratusz.payments.services.setup import (
    configure_collection_account,
    configure_gateway,
    ensure_builtin_kinds,
    save_kind,
)
from ratusz.payments.services.statements import assign_line, import_statement

__all__ = [
    "Ledger", "PayerData", "PaymentsError", "ReceiptIntent", "assign_line", "book_receipt",
    "cancel_payment", "cancel_unpaid_fee", "charge_fee", "close_fee_paid_elsewhere",
    "configure_collection_account", "configure_gateway", "create_obligation",
    "create_payment", "ensure_builtin_kinds", "import_obligations", "import_statement",
    "issue_reminder", "notify_reminder", "receive_notification", "receive_refusal",
    "record_delivery", "refresh_payment", "refund_overpayment", "register_payment",
    "resident_payer_data", "save_kind", "send_all_due_notices", "send_due_notices",
    "set_off_overpayments", "start_payment", "sweep_gmina", "sweep_pending_payments",
]
