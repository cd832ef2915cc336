"""How a payment is applied: a pure function from (amount, day, what is open) to splits.

The order, for one payer on the day of payment:
1. Costs of delivered reminders (koszty upomnienia) first (Ordynacja podatkowa art. 62
   § 1a, since 2016) [V: skrwilno.pl quoting the act] (not for a payment named only to
   civil-law fees).
2. Civil-law fees (lease, rent) the payer named: the debtor's indication decides
   (Kodeks cywilny art. 451 § 1) [U: from memory].
3. Tax-law liabilities (taxes, and by art. 3 pkt 2 OP fees and non-tax budget receivables
   [U: from memory]) by art. 62 § 1 [V: podatkowyreferat.online quoting the text; NSA III
   FSK 892/24]: with arrears on the day of payment, the arrear with the earliest due date in
   the tax the payer named, else the earliest arrear of all: a payer with arrears cannot
   choose what to pay; without arrears, what the payer named.
4. Whatever is left: every arrear, earliest due date first, then current liabilities,
   earliest due date first; money left after what was named is an overpayment, set off
   against arrears and then current liabilities (art. 76 § 1 OP) [V], the same order. Civil
   arrears go oldest first (art. 451 § 3 KC) [U].
5. Within one tax arrear: if the money does not cover the arrear and its interest, it is
   split in the ratio of the two on the day of payment (art. 55 § 2) [V: sip.lex.pl]; the
   split keeps grosze (art. 63 § 3: no rounding when a payment is applied) [V], the
   interest part rounded half up to a grosz [U: our choice].
What is left after everything open is paid is an overpayment (nadpłata).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ratusz.payments.money import round_grosz


@dataclass
class OpenItem:
    """An instalment as settlement sees it; `settle` updates it in place, so several
    receipts in a row (a bank statement) each see what the previous ones left."""

    key: int
    kind: str
    bears_interest: bool
    due: date  # the effective due date (moved to a working day)
    principal: int  # outstanding
    interest_unpaid: int = 0  # charged at earlier payments, not yet paid
    interest_from: date | None = None  # interest is counted through this day

    def __post_init__(self):
        if self.interest_from is None:
            self.interest_from = self.due

    @property
    def is_open(self) -> bool:
        return self.principal > 0 or self.interest_unpaid > 0

    def is_arrear_on(self, day: date) -> bool:
        return self.is_open and self.due < day


@dataclass
class OpenCost:
    """The cost of a delivered reminder, still to be paid."""

    key: int
    delivered_on: date
    amount: int


@dataclass(frozen=True)
class Split:
    instalment: int | None = None
    reminder: int | None = None
    principal: int = 0
    interest: int = 0
    cost: int = 0
    #: Interest computed for the days up to the payment and charged now.
    interest_charged: int = 0
    #: The day through which interest has now been counted (None: unchanged).
    interest_through: date | None = None


@dataclass
class Settlement:
    splits: list[Split] = field(default_factory=list)
    left: int = 0

    @property
    def applied(self) -> int:
        return sum(s.principal + s.interest + s.cost for s in self.splits)


InterestFunction = Callable[[int, date, date], int]


def order_of_application(items: Iterable[OpenItem], on: date,
                         named: frozenset[int] = frozenset()) -> list[OpenItem]:
    by_due = sorted((item for item in items if item.is_open),
                    key=lambda item: (item.due, item.key))
    named_items = [item for item in by_due if item.key in named]
    first = [item for item in named_items if not item.bears_interest]
    tax_arrears = [item for item in by_due if item.bears_interest and item.due < on]
    if tax_arrears:
        named_kinds = {item.kind for item in named_items if item.bears_interest}
        first += [item for item in tax_arrears if item.kind in named_kinds]
        taken = {item.key for item in first}
        first += [item for item in tax_arrears if item.key not in taken]
    else:
        first += [item for item in named_items if item.bears_interest]
    taken = {item.key for item in first}  # keys, not equality: a statement has 100,000
    arrears = [item for item in by_due if item.due < on]
    current = [item for item in by_due if item.due >= on]
    return first + [item for item in arrears + current if item.key not in taken]


def costs_come_first(items: Iterable[OpenItem], named: frozenset[int]) -> bool:
    """Reminder costs come first, unless the payment is named only to civil-law fees."""
    named_items = [item for item in items if item.key in named]
    return not named_items or any(item.bears_interest for item in named_items)


def settle(amount: int, on: date, items: Iterable[OpenItem], costs: Iterable[OpenCost] = (),
           *, named: frozenset[int] = frozenset(),
           interest: InterestFunction) -> Settlement:
    """Apply `amount` grosze paid on `on`. `interest(principal, after, through)` gives the
    interest charged (rounded, above the minimum) for those days."""
    result = Settlement(left=amount)
    items = list(items)
    for cost in sorted(costs, key=lambda c: (c.delivered_on, c.key)):
        if result.left <= 0 or not costs_come_first(items, named):
            break
        if cost.amount <= 0:
            continue
        paid = min(cost.amount, result.left)
        cost.amount -= paid
        result.left -= paid
        result.splits.append(Split(reminder=cost.key, cost=paid))
    for item in order_of_application(items, on, named):
        if result.left <= 0:
            break
        added, through = 0, None
        if item.bears_interest and item.due < on:
            added = interest(item.principal, item.interest_from, on)
            through = on
        interest_due = item.interest_unpaid + added
        owed = item.principal + interest_due
        if result.left >= owed:
            interest_part, principal_part = interest_due, item.principal
        else:
            interest_part = round_grosz(
                Decimal(result.left) * interest_due / owed)
            principal_part = result.left - interest_part
        item.principal -= principal_part
        item.interest_unpaid = interest_due - interest_part
        if through is not None:
            item.interest_from = through
        result.left -= principal_part + interest_part
        result.splits.append(Split(instalment=item.key, principal=principal_part,
                                   interest=interest_part, interest_charged=added,
                                   interest_through=through))
    return result


def interest_to_date(item: OpenItem, on: date, interest: InterestFunction) -> int:
    """Interest owed on `on` if paid that day: unpaid earlier interest plus the days since."""
    added = interest(item.principal, item.interest_from, on) \
        if item.bears_interest and item.due < on else 0
    return item.interest_unpaid + added
