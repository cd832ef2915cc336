"""Late-payment interest (odsetki za zwłokę) on tax arrears, as a pure computation.

- Per day: arrear × days × annual rate / 365, days from the day after the due date to
  the day of payment inclusive [V: wave2_domain.md A1]; 365 also in leap years [U].
- A rate that changed during the delay: each sub-period at its own rate, the sum rounded
  once [V: rozporządzenie, Dz.U. 2015 poz. 2233, ust. 2].
- Rounded to full złoty (Ordynacja podatkowa art. 63 § 1) [V].
- Not charged when it would not exceed three times the designated postal operator's fee
  for a registered letter (art. 54 § 1 pkt 5) [V]; compared with the rounded amount [U].
- The rates come from a table with effective dates (`InterestRate`); the threshold's fee
  from another (`LegalAmount`), both passed in here.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ratusz.payments.money import round_to_zloty

DAYS_IN_YEAR = Decimal(365)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RateTable:
    """Annual rates in percent with the day each starts; sorted by that day."""

    starts: tuple[date, ...]
    rates: tuple[Decimal, ...]

    @classmethod
    def of(cls, rows) -> RateTable:
        rows = sorted(rows)
        return cls(tuple(start for start, _ in rows), tuple(Decimal(r) for _, r in rows))

    def rate_on(self, day: date) -> Decimal:
        index = bisect_right(self.starts, day) - 1
        if index < 0:
            raise LookupError(f"no interest rate is known for {day}")
        return self.rates[index]

    def periods(self, first: date, last: date):
        """(from, to inclusive, rate) covering first..last."""
        day = first
        while day <= last:
            rate = self.rate_on(day)
            index = bisect_right(self.starts, day)
            end = min(last, self.starts[index] - timedelta(days=1)) \
                if index < len(self.starts) else last
            yield day, end, rate
            day = end + timedelta(days=1)


def exact_interest(principal: int, after: date, through: date, table: RateTable) -> Decimal:
    """Interest in (fractional) grosze on `principal` for the days after `after` through
    `through`, before any rounding."""
    if principal <= 0 or through <= after:
        return Decimal(0)
    total = Decimal(0)
    for first, last, rate in table.periods(after + timedelta(days=1), through):
        days = (last - first).days + 1
        total += Decimal(principal) * days * rate / HUNDRED / DAYS_IN_YEAR
    return total


def late_interest(principal: int, after: date, through: date, table: RateTable, *,
                  threshold: int) -> int:
    """Interest in grosze as charged: rounded to full złoty, nothing up to `threshold`."""
    charged = round_to_zloty(exact_interest(principal, after, through, table))
    return charged if charged > threshold else 0


@dataclass(frozen=True)
class Calculator:
    """Interest as charged on any day: the rate table and the postal fee table (the
    minimum is three times the fee in force on the day of payment; before the first known
    fee, the first one is used [U])."""

    rates: RateTable
    fee_starts: tuple[date, ...]
    fees: tuple[int, ...]

    def threshold_on(self, day: date) -> int:
        if not self.fees:
            return 0
        index = max(bisect_right(self.fee_starts, day) - 1, 0)
        return 3 * self.fees[index]

    def __call__(self, principal: int, after: date, through: date) -> int:
        return late_interest(principal, after, through, self.rates,
                             threshold=self.threshold_on(through))
