"""The ledger engine every receipt goes through (online payments, bank statements, lines
assigned by hand, overpayments set off): the open items of some payers are loaded and
locked, receipts are applied in memory by `settlement.settle`, and everything is written
in a few bulk statements. Runs inside the caller's durable transaction.

The payer's row is the ledger's lock: whoever books for a payer locks it first
(`select_for_update`; on SQLite the transaction itself is exclusive), so two receipts
for one payer never read the same open items."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ratusz.core.effects import after_commit
from ratusz.payments import events
from ratusz.payments.calendar import next_working_day
from ratusz.payments.interest import Calculator
from ratusz.payments.models import (
    Allocation,
    Instalment,
    Obligation,
    Payer,
    Receipt,
    Regime,
    Reminder,
)
from ratusz.payments.selectors import interest_calculator
from ratusz.payments.services import bulk
from ratusz.payments.settlement import OpenCost, OpenItem, settle

CHUNK = 500
RECEIPT_FIELDS = ["id", "municipality", "payer", "amount", "value_date", "source", "reference",
                  "unallocated", "created_at", "booked_by"]
ALLOCATION_FIELDS = ["municipality", "receipt", "instalment", "reminder", "principal",
                     "interest", "cost", "interest_charged", "created_at"]


@dataclass
class ReceiptIntent:
    payer_id: int
    amount: int
    value_date: date
    source: str
    reference: str = ""
    named: frozenset[int] = frozenset()
    booked_by: object = None


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


@dataclass
class BookedReceipt:
    """A receipt booked in memory; `id` is set when the ledger is flushed."""

    payer_id: int
    amount: int
    value_date: date
    source: str
    reference: str
    unallocated: int
    booked_by_id: int | None
    allocations: list[tuple] = field(default_factory=list)
    id: int | None = None


class Ledger:
    """Open instalments, unpaid reminder costs and overpayments of some payers."""

    def __init__(self, municipality, payer_ids, *, calculator: Calculator | None = None):
        self.municipality = municipality
        self.calculator = calculator or interest_calculator()
        payer_ids = sorted(set(payer_ids))
        self.items: dict[int, list[OpenItem]] = defaultdict(list)
        self.costs: dict[int, list[OpenCost]] = defaultdict(list)
        self.rows: dict[int, dict] = {}
        self.cost_rows: dict[int, int] = {}
        self.receipts: list[BookedReceipt] = []
        self.credit_receipts: dict[int, list[BookedReceipt]] = defaultdict(list)
        self.touched: set[int] = set()
        self.touched_costs: set[int] = set()
        payers = Payer.objects.for_municipality(municipality)
        instalments = Instalment.objects.for_municipality(municipality)
        for chunk in _chunks(payer_ids):
            list(payers.select_for_update().filter(pk__in=chunk).values_list("pk", flat=True))
            for row in (instalments.filter(payer_id__in=chunk, settled_at__isnull=True)
                        .values_list("pk", "payer_id", "obligation_id", "due_date", "amount",
                                     "paid_principal", "interest_charged", "interest_paid",
                                     "interest_from", "obligation__kind__regime",
                                     "obligation__kind__code")):
                (pk, payer_id, obligation_id, due_date, amount, paid, charged, interest_paid,
                 interest_from, regime, code) = row
                due = next_working_day(due_date)
                item = OpenItem(key=pk, kind=code, bears_interest=regime == Regime.TAX,
                                due=due, principal=amount - paid,
                                interest_unpaid=charged - interest_paid,
                                interest_from=interest_from or due)
                self.items[payer_id].append(item)
                self.rows[pk] = {"obligation_id": obligation_id, "amount": amount,
                                 "interest_charged": charged, "interest_paid": interest_paid,
                                 "interest_from": interest_from, "item": item, "charged": 0,
                                 "paid": 0}
            for pk, payer_id, delivered_on, cost, cost_paid in (
                    Reminder.objects.for_municipality(municipality)
                    .filter(payer_id__in=chunk, delivered_on__isnull=False,
                            cost_paid__lt=F("cost"))
                    .values_list("pk", "payer_id", "delivered_on", "cost", "cost_paid")):
                self.costs[payer_id].append(OpenCost(key=pk, delivered_on=delivered_on,
                                                     amount=cost - cost_paid))
                self.cost_rows[pk] = cost_paid

    def has_open(self, payer_id: int) -> bool:
        return any(item.is_open for item in self.items.get(payer_id, ())) or any(
            cost.amount > 0 for cost in self.costs.get(payer_id, ()))

    def _apply(self, payer_id: int, amount: int, on: date, named: frozenset[int]
               ) -> tuple[list[tuple], int]:
        result = settle(amount, on, self.items.get(payer_id, []),
                        self.costs.get(payer_id, []), named=named, interest=self.calculator)
        allocations = []
        for split in result.splits:
            allocations.append((split.instalment, split.reminder, split.principal,
                                split.interest, split.cost, split.interest_charged))
            if split.instalment is not None:
                row = self.rows[split.instalment]
                row["charged"] += split.interest_charged
                row["paid"] += split.interest
                self.touched.add(split.instalment)
            else:
                self.cost_rows[split.reminder] += split.cost
                self.touched_costs.add(split.reminder)
        return allocations, result.left

    def book(self, intent: ReceiptIntent) -> BookedReceipt:
        """Apply one receipt (written at `flush`, which gives it its id)."""
        allocations, left = self._apply(intent.payer_id, intent.amount, intent.value_date,
                                        intent.named)
        receipt = BookedReceipt(
            payer_id=intent.payer_id, amount=intent.amount, value_date=intent.value_date,
            source=intent.source, reference=intent.reference[:200], unallocated=left,
            booked_by_id=getattr(intent.booked_by, "pk", None), allocations=allocations)
        self.receipts.append(receipt)
        return receipt

    def load_credit(self) -> None:
        payer_ids = sorted(set(self.items) | set(self.costs))
        for chunk in _chunks(payer_ids):
            for pk, payer_id, amount, value_date, unallocated in (
                    Receipt.objects.for_municipality(self.municipality)
                    .filter(payer_id__in=chunk, unallocated__gt=0)
                    .order_by("value_date", "pk")
                    .values_list("pk", "payer_id", "amount", "value_date", "unallocated")):
                self.credit_receipts[payer_id].append(BookedReceipt(
                    payer_id=payer_id, amount=amount, value_date=value_date, source="",
                    reference="", unallocated=unallocated, booked_by_id=None, id=pk))

    def set_off(self, on: date) -> int:
        """Apply the loaded overpayments to what is open (art. 76 § 1 OP): arrears first,
        then current liabilities. Returns how much was set off."""
        total = 0
        for payer_id, receipts in self.credit_receipts.items():
            for receipt in receipts:
                if not self.has_open(payer_id):
                    break
                allocations, left = self._apply(payer_id, receipt.unallocated, on,
                                                frozenset())
                if not allocations:
                    continue
                total += receipt.unallocated - left
                receipt.unallocated = left
                if not receipt.allocations:
                    self.receipts.append(receipt)
                receipt.allocations += allocations
        return total

    def flush(self) -> None:
        """Write the receipts, their allocations and the instalments they changed; tell
        the listeners of obligations paid in full, after the commit."""
        municipality_id = self.municipality.pk
        now = timezone.now()
        new = [receipt for receipt in self.receipts if receipt.id is None]
        old = [receipt for receipt in self.receipts if receipt.id is not None]
        for receipt, pk in zip(new, bulk.reserve_ids(Receipt, len(new)), strict=True):
            receipt.id = pk
        bulk.insert_rows(Receipt, RECEIPT_FIELDS, [
            (r.id, municipality_id, r.payer_id, r.amount, r.value_date, r.source, r.reference,
             r.unallocated, now, r.booked_by_id) for r in new])
        bulk.update_rows(Receipt, ["unallocated"], [(r.unallocated, r.id) for r in old])
        bulk.insert_rows(Allocation, ALLOCATION_FIELDS, [
            (municipality_id, receipt.id, *allocation, now)
            for receipt in self.receipts for allocation in receipt.allocations])
        rows = []
        for key in sorted(self.touched):
            row = self.rows[key]
            item = row["item"]
            rows.append((row["amount"] - item.principal, row["interest_charged"] + row["charged"],
                         row["interest_paid"] + row["paid"],
                         item.interest_from if item.interest_from != item.due
                         else row["interest_from"], None if item.is_open else now, key))
            row["interest_charged"] += row["charged"]
            row["interest_paid"] += row["paid"]
            row["charged"] = row["paid"] = 0
        bulk.update_rows(Instalment, ["paid_principal", "interest_charged", "interest_paid",
                                      "interest_from", "settled_at"], rows)
        bulk.update_rows(Reminder, ["cost_paid"], [(self.cost_rows[key], key)
                                                   for key in sorted(self.touched_costs)])
        self._announce_paid({self.rows[key]["obligation_id"] for key in self.touched
                             if not self.rows[key]["item"].is_open}, now)
        for receipt in self.receipts:
            receipt.allocations = []
        self.receipts, self.touched, self.touched_costs = [], set(), set()

    def _announce_paid(self, obligation_ids: set[int], now) -> None:
        if not obligation_ids:
            return
        still_open = set()
        instalments = Instalment.objects.for_municipality(self.municipality)
        ids = sorted(obligation_ids)
        for chunk in _chunks(ids):
            still_open.update(instalments.filter(obligation_id__in=chunk,
                                                 settled_at__isnull=True)
                              .values_list("obligation_id", flat=True))
        paid = [i for i in ids if i not in still_open]
        if not paid:
            return
        rows = []
        for chunk in _chunks(paid):
            rows += list(Obligation.objects.for_municipality(self.municipality)
                         .filter(pk__in=chunk).values_list("pk", "external_id", "kind__code"))
        after_commit(_send_paid, self.municipality.pk, rows, now)


def _send_paid(municipality_id: int, rows: list[tuple], paid_at) -> None:
    for obligation_id, external_id, kind in rows:
        events.obligation_paid.send(sender=Obligation, municipality_id=municipality_id,
                                    obligation_id=obligation_id, external_id=external_id,
                                    kind=kind, paid_at=paid_at)


def payers_owing_with_credit(municipality, payer_ids) -> list[int]:
    """Of these payers, those with an overpayment (to be set off)."""
    found = set()
    for chunk in _chunks(sorted(set(payer_ids))):
        found.update(Receipt.objects.for_municipality(municipality)
                     .filter(Q(payer_id__in=chunk), unallocated__gt=0)
                     .values_list("payer_id", flat=True))
    return sorted(found)


def book_receipt(municipality, *, payer_id: int, amount: int, value_date: date,
                 source: str, reference: str = "", named=(), acting_user=None
                 ) -> BookedReceipt:
    """Book one receipt for a payer (money received another way: at the till, a transfer
    confirmed by hand), in its own durable transaction."""
    with transaction.atomic(durable=True):
        ledger = Ledger(municipality, [payer_id])
        receipt = ledger.book(ReceiptIntent(payer_id=payer_id, amount=amount,
                                            value_date=value_date, source=source,
                                            reference=reference, named=frozenset(named),
                                            booked_by=acting_user))
        ledger.flush()
    return receipt
