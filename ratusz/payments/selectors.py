"""Reads of the payments app; every read of a gmina's rows takes the gmina. An instalment
is shown with its status and interest to date (`InstalmentView`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from ratusz.accounts import identity
from ratusz.accounts.models import ResidentProfile
from ratusz.accounts.selectors import resident_municipalities, resident_profile
from ratusz.core.models import Municipality
from ratusz.core.tenancy import tenant_context
from ratusz.payments import nrb
from ratusz.payments.calendar import next_working_day
from ratusz.payments.interest import Calculator, RateTable
from ratusz.payments.models import (
    Allocation,
    CollectionAccount,
    GatewayAccount,
    GatewayEvent,
    Instalment,
    InterestRate,
    LegalAmount,
    LegalAmountKind,
    LineStatus,
    Obligation,
    ObligationImport,
    ObligationKind,
    Payer,
    PayerKind,
    Payment,
    PaymentItem,
    PaymentStatus,
    Receipt,
    Refund,
    Regime,
    Reminder,
    Statement,
    StatementLine,
)
from ratusz.payments.settlement import OpenItem, interest_to_date

# --- National tables -----------------------------------------------------------------------

#: The national tables change a few times a year (by the operator, in the admin): a process
#: reads them again after this many seconds.
TABLES_TTL = 60.0
_tables: dict = {}


def interest_calculator() -> Calculator:
    """The late-interest computation with the rate and postal-fee tables as stored (read
    again at most every TABLES_TTL seconds)."""
    cached = _tables.get("calculator")
    if cached is not None and time.monotonic() - cached[0] < TABLES_TTL:
        return cached[1]
    rates = RateTable.of(InterestRate.objects.values_list("effective_from", "percent"))
    fees = list(LegalAmount.objects.filter(kind=LegalAmountKind.POSTAL_FEE)
                .order_by("effective_from").values_list("effective_from", "amount"))
    calculator = Calculator(rates=rates, fee_starts=tuple(d for d, _ in fees),
                            fees=tuple(a for _, a in fees))
    _tables["calculator"] = (time.monotonic(), calculator)
    return calculator


def forget_national_tables() -> None:
    """Read the tables again at the next use (after they change)."""
    _tables.clear()


def reminder_cost_on(day: date) -> int:
    row = (LegalAmount.objects.filter(kind=LegalAmountKind.REMINDER_COST,
                                      effective_from__lte=day)
           .order_by("-effective_from").first())
    return row.amount if row else 0


def national_tables():
    return (InterestRate.objects.order_by("-effective_from"),
            LegalAmount.objects.order_by("kind", "-effective_from"))


# --- Set-up --------------------------------------------------------------------------------

def collection_account(municipality) -> CollectionAccount | None:
    return CollectionAccount.objects.for_municipality(municipality).first()


def gateway_account(municipality) -> GatewayAccount | None:
    return GatewayAccount.objects.for_municipality(municipality).first()


def gateway_account_by_key(notify_key: str) -> GatewayAccount | None:
    """The gateway account a notification address names; the look-up crosses gminy (the
    address carries no gmina), so the wall is opened for it alone."""
    if not notify_key or len(notify_key) > 64:
        return None
    with tenant_context(None, all_municipalities=True):
        return (GatewayAccount.objects.select_related("municipality")
                .filter(notify_key=notify_key, is_active=True).first())


def kinds(municipality) -> QuerySet[ObligationKind]:
    return ObligationKind.objects.for_municipality(municipality).order_by("name")


def kind_codes(municipality) -> dict[str, ObligationKind]:
    return {kind.code: kind for kind in kinds(municipality)}


def access_kind_by_id(municipality, kind_id: int) -> ObligationKind | None:
    return kinds(municipality).filter(pk=kind_id).first()


# --- Payers --------------------------------------------------------------------------------

def payer_by_identifier(municipality, identifier: str) -> Payer | None:
    """A payer by PESEL, NIP or individual account number (as typed: spaces allowed)."""
    digits = "".join(ch for ch in identifier or "" if ch.isdigit())
    payers = Payer.objects.for_municipality(municipality)
    if len(digits) == 11:
        return payers.filter(pesel_digest=identity.pesel_digest(digits)).first()
    if len(digits) == 10:
        return payers.filter(kind=PayerKind.BUSINESS, nip=digits).first()
    if len(digits) == nrb.NRB_LENGTH:
        return payers.filter(account=digits).first()
    return None


def search_payers(municipality, query: str) -> QuerySet[Payer]:
    payers = Payer.objects.for_municipality(municipality)
    query = (query or "").strip()[:100]
    if not query:
        return payers.none()
    found = payer_by_identifier(municipality, query)
    if found is not None:
        return payers.filter(pk=found.pk)
    return payers.filter(name__icontains=query).order_by("name")[:50]


def access_payer_by_id(municipality, payer_id: int) -> Payer | None:
    return Payer.objects.for_municipality(municipality).filter(pk=payer_id).first()


def payer_pesel(payer: Payer) -> str:
    return identity.decrypt_pesel(payer.pesel_ciphertext) if payer.pesel_ciphertext else ""


def resident_digest(user) -> str | None:
    """The digest of the PESEL login.gov.pl confirmed for the account (kept on the user
    object for the rest of the request)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_payments_pesel_digest"):
        profile = resident_profile(user)
        user._payments_pesel_digest = profile.pesel_digest if profile is not None else None
    return user._payments_pesel_digest


def payers_of_resident(municipality, user) -> QuerySet[Payer]:
    """The payers that are this resident: the PESEL login.gov.pl confirmed for the account
    is the payer's (the same digest)."""
    digest = resident_digest(user)
    payers = Payer.objects.for_municipality(municipality)
    return payers.filter(pesel_digest=digest) if digest else payers.none()


def has_taxpayer_account(municipality, user) -> bool:
    """The resident has matters with the gmina, or is one of its payers."""
    return (municipality.pk in {m.pk for m in resident_municipalities(user)}
            or payers_of_resident(municipality, user).exists())


def resident_user_ids(digests: list[str]) -> dict[str, int]:
    """Resident accounts by the digest of their confirmed PESEL (for notices)."""
    return dict(ResidentProfile.objects.filter(pesel_digest__in=digests)
                .values_list("pesel_digest", "user_id"))


# --- Instalments with their status ---------------------------------------------------------

@dataclass
class InstalmentView:
    instalment: Instalment
    title: str
    kind: str
    kind_name: str
    regime: str
    due_date: date
    effective_due: date
    amount: int
    paid: int
    outstanding: int
    interest: int
    status: str  # open, paid, overdue
    account: str

    @property
    def id(self) -> int:
        return self.instalment.pk

    @property
    def to_pay(self) -> int:
        return self.outstanding + self.interest

    @property
    def reference(self) -> str:
        return payment_reference(self.instalment.pk)


def payment_reference(instalment_id: int) -> str:
    """What a payer writes in a transfer's title to name this instalment."""
    return f"RTZ{instalment_id}"


def open_item(instalment: Instalment, regime: str, kind_code: str) -> OpenItem:
    due = next_working_day(instalment.due_date)
    return OpenItem(key=instalment.pk, kind=kind_code, bears_interest=regime == Regime.TAX,
                    due=due, principal=instalment.outstanding,
                    interest_unpaid=instalment.unpaid_interest,
                    interest_from=instalment.interest_from or due)


def view_of(instalment: Instalment, on: date, calculator: Calculator,
            count_in_obligation: int = 1) -> InstalmentView:
    obligation = instalment.obligation
    kind = obligation.kind
    item = open_item(instalment, kind.regime, kind.code)
    interest = interest_to_date(item, on, calculator) if item.is_open else 0
    if not item.is_open and interest == 0:
        status = "paid"
    elif item.due < on:
        status = "overdue"
    else:
        status = "open"
    title = obligation.title
    if count_in_obligation > 1:
        title = f"{title} – rata {instalment.number}"
    return InstalmentView(
        instalment=instalment, title=title, kind=kind.code, kind_name=kind.name,
        regime=kind.regime, due_date=instalment.due_date, effective_due=item.due,
        amount=instalment.amount, paid=instalment.paid_principal,
        outstanding=instalment.outstanding, interest=interest, status=status,
        account=obligation.payer.account)


def instalments_of(municipality) -> QuerySet[Instalment]:
    return (Instalment.objects.for_municipality(municipality)
            .select_related("obligation__kind", "obligation__payer")
            .annotate(siblings=Count("obligation__instalments"))
            .order_by("due_date", "pk"))


def views(instalments, on: date | None = None,
          calculator: Calculator | None = None) -> list[InstalmentView]:
    on = on or timezone.localdate()
    calculator = calculator or interest_calculator()
    return [view_of(instalment, on, calculator, getattr(instalment, "siblings", 1))
            for instalment in instalments]


def resident_instalments(municipality, user) -> QuerySet[Instalment]:
    return instalments_of(municipality).filter(payer__in=payers_of_resident(municipality, user))


def resident_account_instalments(municipality, user, *, paid_shown: int = 50
                                 ) -> list[Instalment]:
    """What the taxpayer account shows: every unsettled instalment and the `paid_shown`
    last settled ones (ten years of history are not read for a page that shows 50)."""
    instalments = resident_instalments(municipality, user)
    settled = list(instalments.filter(settled_at__isnull=False)
                   .order_by("-due_date", "-pk")[:paid_shown])
    return list(instalments.filter(settled_at__isnull=True)) + settled[::-1]


def payer_instalments(municipality, payer: Payer) -> QuerySet[Instalment]:
    return instalments_of(municipality).filter(payer=payer)


def access_own_instalments(municipality, user, ids) -> list[Instalment]:
    """The resident's own instalments among `ids` (missing and foreign ids left out)."""
    return list(resident_instalments(municipality, user).filter(pk__in=list(ids)[:100]))


def instalments_for_external_id(municipality, user, external_id: str) -> list[Instalment]:
    return list(resident_instalments(municipality, user)
                .filter(obligation__external_id=external_id))


def obligation_by_external_id(municipality, external_id: str) -> Obligation | None:
    return (Obligation.objects.for_municipality(municipality)
            .filter(external_id=external_id).first())


def obligation_is_paid(obligation: Obligation) -> bool:
    return not obligation.instalments.filter(settled_at__isnull=True).exists()


def paid_external_ids(municipality, external_ids: list[str]) -> set[str]:
    """Of these external ids, those whose obligation exists and has every instalment
    settled (for an owner that checks what its receiver of `obligation_paid` may have
    missed). One query."""
    rows = (Obligation.objects.for_municipality(municipality)
            .filter(external_id__in=list(external_ids)[:1000]).order_by()
            .annotate(still_open=Count("instalments",
                                       filter=Q(instalments__settled_at__isnull=True)))
            .values_list("external_id", "still_open"))
    return {external_id for external_id, still_open in rows if not still_open}


def instalments_named(municipality, instalment_ids: list[int]) -> bool:
    """Whether a payment, a reminder or a statement line names any of these instalments."""
    if not instalment_ids:
        return False
    return (PaymentItem.objects.for_municipality(municipality)
            .filter(instalment_id__in=instalment_ids).exists()
            or Reminder.objects.for_municipality(municipality)
            .filter(instalment_id__in=instalment_ids).exists()
            or StatementLine.objects.for_municipality(municipality)
            .filter(instalment_id__in=instalment_ids).exists())


# --- Fees of other apps ----------------------------------------------------------------------

@dataclass(frozen=True)
class FeeState:
    """A fee (an obligation another app asked for) as its owner shows it: what it is, what
    is left to pay today with interest, the payer's individual account number to pay it
    by transfer, and where the resident pays it online."""

    external_id: str
    amount: int
    to_pay: int
    paid: bool
    due_date: date
    account: str
    pay_url: str


def fee_payment_url(municipality, external_id: str) -> str:
    """The taxpayer account's payment page with this obligation chosen."""
    return (reverse("payments:pay", args=[municipality.slug]) + "?"
            + urlencode({"zobowiazanie": external_id}))


def fee_state(municipality, external_id: str) -> FeeState | None:
    """The fee with this external id; None when there is no such obligation (no fee was
    charged here, or it was closed as paid elsewhere)."""
    instalments = list(instalments_of(municipality).filter(
        obligation__external_id=external_id))
    if not instalments:
        return None
    shown = views(instalments)
    return FeeState(external_id=external_id, amount=sum(v.amount for v in shown),
                    to_pay=sum(v.to_pay for v in shown if v.status != "paid"),
                    paid=all(v.status == "paid" for v in shown),
                    due_date=min(v.due_date for v in shown), account=shown[0].account,
                    pay_url=fee_payment_url(municipality, external_id))


# --- The payer's ledger (karta kontowa) ----------------------------------------------------

@dataclass
class LedgerEntry:
    day: date
    text: str
    charge: int = 0  # what the payer owes (przypis)
    credit: int = 0  # what was paid
    balance: int = 0
    detail: str = ""


def receipts_by_source(municipality, since, until) -> dict[str, tuple[int, int]]:
    """Receipts booked in [since, until) counted by `ReceiptSource` (gateway, statement,
    manual): {source: (count, amount in grosze)}. For the reports: numbers only."""
    rows = (Receipt.objects.for_municipality(municipality)
            .filter(created_at__gte=since, created_at__lt=until).order_by()
            .values_list("source").annotate(n=Count("pk"), total=Sum("amount")))
    return {source: (count, total or 0) for source, count, total in rows}


def receipts_of(municipality, payers) -> QuerySet[Receipt]:
    return (Receipt.objects.for_municipality(municipality).filter(payer__in=payers)
            .prefetch_related("allocations__instalment__obligation").order_by("-value_date",
                                                                               "-pk"))


def ledger(municipality, payer: Payer) -> list[LedgerEntry]:
    """Charges (instalments as due, interest and reminder costs as charged) and receipts,
    oldest first, with the running balance (positive: owed by the payer)."""
    entries: list[LedgerEntry] = []
    for instalment in payer_instalments(municipality, payer):
        entries.append(LedgerEntry(day=instalment.due_date, charge=instalment.amount,
                                   text=view_of(instalment, timezone.localdate(),
                                                _NO_INTEREST, instalment.siblings).title))
    allocations = (Allocation.objects.for_municipality(municipality)
                   .filter(receipt__payer=payer, interest_charged__gt=0)
                   .select_related("receipt", "instalment__obligation"))
    for allocation in allocations:
        entries.append(LedgerEntry(day=allocation.receipt.value_date,
                                   charge=allocation.interest_charged,
                                   text="odsetki za zwłokę",
                                   detail=allocation.instalment.obligation.title))
    for reminder in Reminder.objects.for_municipality(municipality).filter(
            payer=payer, delivered_on__isnull=False):
        entries.append(LedgerEntry(day=reminder.delivered_on, charge=reminder.cost,
                                   text="koszty upomnienia"))
    for receipt in Receipt.objects.for_municipality(municipality).filter(payer=payer):
        entries.append(LedgerEntry(day=receipt.value_date, credit=receipt.amount,
                                   text=receipt.get_source_display(),
                                   detail=receipt.reference))
    for refund in Refund.objects.for_municipality(municipality).filter(payer=payer):
        entries.append(LedgerEntry(day=refund.requested_on, charge=refund.amount,
                                   text="zwrot nadpłaty", detail=nrb.grouped(refund.account)))
    entries.sort(key=lambda e: (e.day, e.credit > 0))
    balance = 0
    for entry in entries:
        balance += entry.charge - entry.credit
        entry.balance = balance
    return entries


class _NoInterest:
    def __call__(self, principal, after, through) -> int:
        return 0


_NO_INTEREST = _NoInterest()


def credit_of(municipality, payer: Payer) -> int:
    """The payer's overpayment (nadpłata) not yet set off or refunded."""
    return (Receipt.objects.for_municipality(municipality).filter(payer=payer)
            .aggregate(total=Sum("unallocated"))["total"] or 0)


def reminders_of(municipality, payer: Payer) -> QuerySet[Reminder]:
    return (Reminder.objects.for_municipality(municipality).filter(payer=payer)
            .select_related("instalment__obligation").order_by("-issued_on", "-pk"))


def access_reminder_by_id(municipality, reminder_id: int) -> Reminder | None:
    return Reminder.objects.for_municipality(municipality).filter(pk=reminder_id).first()


def overpayments(municipality) -> QuerySet[Payer]:
    return (Payer.objects.for_municipality(municipality)
            .annotate(credit=Sum("receipts__unallocated")).filter(credit__gt=0)
            .order_by("-credit"))


def payers_with_credit(municipality) -> list[int]:
    return list(Receipt.objects.for_municipality(municipality).filter(unallocated__gt=0)
                .values_list("payer_id", flat=True).distinct())


# --- Online payments -----------------------------------------------------------------------

def access_payment(municipality, public_id, *, user=None) -> Payment | None:
    """A payment of this gmina; with `user`, only one that user started."""
    payments = Payment.objects.for_municipality(municipality).select_related(
        "gateway", "payer", "municipality")
    if user is not None:
        payments = payments.filter(user=user)
    return payments.filter(public_id=public_id).first()


def payment_for_session(municipality, session_id: str) -> Payment | None:
    try:
        return access_payment(municipality, session_id)
    except (ValueError, TypeError):
        return None


def payments_list(municipality) -> QuerySet[Payment]:
    return Payment.objects.for_municipality(municipality).select_related("payer")


def gateway_events(municipality) -> QuerySet[GatewayEvent]:
    return GatewayEvent.objects.for_municipality(municipality).select_related("payment")


def pending_payments(municipality, *, older_than) -> list[Payment]:
    return list(Payment.objects.for_municipality(municipality)
                .filter(status=PaymentStatus.PENDING, created_at__lt=older_than)
                .exclude(token="").select_related("gateway")[:500])


def gminy_with_pending_payments() -> list:
    with tenant_context(None, all_municipalities=True):
        ids = set(Payment.objects.filter(status=PaymentStatus.PENDING)
                  .values_list("municipality_id", flat=True))
        return list(Municipality.objects.filter(pk__in=ids))


# --- Statements and imports ----------------------------------------------------------------

def statements(municipality) -> QuerySet[Statement]:
    return Statement.objects.for_municipality(municipality).select_related("imported_by")


def access_statement_by_id(municipality, statement_id: int) -> Statement | None:
    return statements(municipality).filter(pk=statement_id).first()


def statement_lines(municipality, statement: Statement) -> QuerySet[StatementLine]:
    return (StatementLine.objects.for_municipality(municipality).filter(statement=statement)
            .select_related("payer").order_by("position"))


def unmatched_lines(municipality) -> QuerySet[StatementLine]:
    return (StatementLine.objects.for_municipality(municipality)
            .filter(status=LineStatus.UNMATCHED).order_by("value_date", "pk"))


def access_line_by_id(municipality, line_id: int) -> StatementLine | None:
    return (StatementLine.objects.for_municipality(municipality).select_related(
        "statement", "payer").filter(pk=line_id).first())


def known_fingerprints(municipality, fingerprints: list[str]) -> set[str]:
    found: set[str] = set()
    lines = StatementLine.objects.for_municipality(municipality)
    for start in range(0, len(fingerprints), 500):
        found.update(lines.filter(fingerprint__in=fingerprints[start:start + 500])
                     .values_list("fingerprint", flat=True))
    return found


def imports(municipality) -> QuerySet[ObligationImport]:
    return ObligationImport.objects.for_municipality(municipality).select_related(
        "created_by")


def access_import_by_id(municipality, import_id: int) -> ObligationImport | None:
    return imports(municipality).filter(pk=import_id).first()


# --- Reports -------------------------------------------------------------------------------

@dataclass
class ReportRow:
    dzial: str
    rozdzial: str
    paragraf: str
    amount: int
    count: int


def daily_receipts(municipality, day: date) -> list[ReportRow]:
    """Receipts booked for `day` (the day of payment) by budget classification: the
    principal under the obligation's paragraph, interest under the kind's interest
    paragraph (0910 by default [U]), reminder costs under 0640 [U]."""
    allocations = Allocation.objects.for_municipality(municipality).filter(
        receipt__value_date=day)
    rows: dict[tuple, list[int]] = {}

    def add(key, amount):
        if amount:
            row = rows.setdefault(key, [0, 0])
            row[0] += amount
            row[1] += 1

    for values in (allocations.filter(instalment__isnull=False)
                   .values("instalment__obligation__dzial", "instalment__obligation__rozdzial",
                           "instalment__obligation__paragraf",
                           "instalment__obligation__kind__interest_paragraf")
                   .annotate(principal=Sum("principal"), interest=Sum("interest"))):
        base = (values["instalment__obligation__dzial"],
                values["instalment__obligation__rozdzial"])
        add((*base, values["instalment__obligation__paragraf"]), values["principal"])
        add((*base, values["instalment__obligation__kind__interest_paragraf"] or "0910"),
            values["interest"])
    costs = allocations.filter(reminder__isnull=False).aggregate(total=Sum("cost"))["total"]
    add(("756", "75618", "0640"), costs or 0)
    unallocated = (Receipt.objects.for_municipality(municipality).filter(value_date=day)
                   .aggregate(total=Sum("unallocated"))["total"])
    add(("", "", "nadpłata"), unallocated or 0)
    return [ReportRow(*key, amount=amount, count=count)
            for key, (amount, count) in sorted(rows.items())]


def dashboard_counts(municipality, today: date) -> dict:
    instalments = Instalment.objects.for_municipality(municipality)
    overdue = instalments.filter(settled_at__isnull=True, due_date__lt=today)
    return {
        "payers": Payer.objects.for_municipality(municipality).count(),
        "open": instalments.filter(settled_at__isnull=True).count(),
        "overdue": overdue.count(),
        "unmatched": StatementLine.objects.for_municipality(municipality)
        .filter(status=LineStatus.UNMATCHED).count(),
        "pending": Payment.objects.for_municipality(municipality)
        .filter(status=PaymentStatus.PENDING).count(),
        "refused_notifications": GatewayEvent.objects.for_municipality(municipality)
        .filter(outcome="refused").count(),
        "today": Receipt.objects.for_municipality(municipality).filter(value_date=today)
        .aggregate(total=Sum("amount"))["total"] or 0,
    }


def instalments_due(municipality, day: date) -> QuerySet[Instalment]:
    """Open instalments whose due date is `day` (for the notice before it)."""
    return (Instalment.objects.for_municipality(municipality)
            .filter(due_date=day, settled_at__isnull=True)
            .select_related("obligation__kind", "payer"))


def gminy_with_collection_accounts() -> list:
    with tenant_context(None, all_municipalities=True):
        ids = list(CollectionAccount.objects.values_list("municipality_id", flat=True))
        return list(Municipality.objects.filter(pk__in=ids, is_active=True))


def open_instalment_count(municipality, payer: Payer) -> int:
    return Instalment.objects.for_municipality(municipality).filter(
        payer=payer, settled_at__isnull=True).count()



def municipality_by_id(municipality_id: int) -> Municipality | None:
    return Municipality.objects.filter(pk=municipality_id).first()


def municipality_by_slug(slug: str) -> Municipality | None:
    return Municipality.objects.filter(slug=slug).first()
