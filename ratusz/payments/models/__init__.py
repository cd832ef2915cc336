"""The payments app's tables. Every table of a gmina inherits TenantOwned; the national
tables (interest rates, statutory amounts) are the platform's, with effective dates.
Amounts are integer grosze (`BigIntegerField`), never floats."""

from ratusz.payments.models.ledger import (
    Allocation,
    Instalment,
    Obligation,
    ObligationImport,
    ObligationKind,
    Payer,
    PayerKind,
    Receipt,
    ReceiptSource,
    Refund,
    Regime,
    Reminder,
)
from ratusz.payments.models.national import InterestRate, LegalAmount, LegalAmountKind
from ratusz.payments.models.online import (
    GatewayAccount,
    GatewayEvent,
    GatewayKind,
    Payment,
    PaymentItem,
    PaymentStatus,
)
from ratusz.payments.models.setup import BankProfile, CollectionAccount
from ratusz.payments.models.statements import LineStatus, Statement, StatementLine

__all__ = [
    "Allocation", "BankProfile", "CollectionAccount", "GatewayAccount", "GatewayEvent",
    "GatewayKind", "Instalment", "InterestRate", "LegalAmount", "LegalAmountKind",
    "LineStatus", "Obligation", "ObligationImport", "ObligationKind", "Payer", "PayerKind",
    "Payment", "PaymentItem", "PaymentStatus", "Receipt", "ReceiptSource", "Refund",
    "Regime", "Reminder", "Statement", "StatementLine",
]
