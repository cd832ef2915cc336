"""The statutory arithmetic of the social help for pupils (u.s.o. art. 90b–90n), pure: no
database, amounts in integer grosze.

- The income test (art. 90d ust. 7 u.s.o.): the family's net monthly income per person
  may not exceed the amount of art. 8 ust. 1 pkt 2 ustawy o pomocy społecznej — 823 zł
  from 1 January 2025 (Rozporządzenie Rady Ministrów z 12 lipca 2024, Dz.U. 2024 poz.
  1044; research B6 [V]). The income is the month before the application (art. 8 ust. 3
  u.p.s., to which art. 90d ust. 7 refers). "Not more than" the threshold: equal passes.
- Per-person income: the household's total divided by its members, rounded half up to the
  grosz (the law names no rounding: our choice, stated on the page and in the decision).
- The monthly scholarship (art. 90d ust. 9): at least 80 % and at most 200 % of the family
  allowance for a child aged 5–18 (art. 6 ust. 2 pkt 2 ustawy o świadczeniach rodzinnych,
  124 zł since 1 November 2018), i.e. 99,20–248,00 zł.
- Its period (art. 90d ust. 10): at least one and at most 10 months of the school year;
  we grant within September–June.
- The school allowance (art. 90e ust. 3–4): up to 5 × the family allowance (620 zł), once
  or more in a year, not income-tested, applied for within 2 months of the random event
  [the 2-month window: research marks it unverified; the gminy's pages we read state it].
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: art. 8 ust. 1 pkt 2 u.p.s. for a person in a family, from 1 January 2025 (grosze).
INCOME_THRESHOLD = 82_300
#: art. 6 ust. 2 pkt 2 u.ś.r.: the family allowance for a child aged 5–18 (grosze).
FAMILY_ALLOWANCE = 12_400
MIN_SHARE, MAX_SHARE = Decimal("0.8"), Decimal("2")
MAX_MONTHS = 10
ALLOWANCE_MULTIPLE = 5
ALLOWANCE_WINDOW_MONTHS = 2
#: The school year's months a scholarship may be paid for (September to June).
SCHOOL_MONTHS = (9, 10, 11, 12, 1, 2, 3, 4, 5, 6)


class RuleError(ValueError):
    """A figure the law refuses; `code` is stable, `values` fill the message."""

    def __init__(self, code: str, **values):
        self.code, self.values = code, values
        super().__init__(code)


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int


def scholarship_bounds(family_allowance: int = FAMILY_ALLOWANCE) -> Bounds:
    """The monthly scholarship's statutory bounds in grosze (art. 90d ust. 9)."""
    low = int((family_allowance * MIN_SHARE).to_integral_value(ROUND_HALF_UP))
    return Bounds(low, int(family_allowance * MAX_SHARE))


def allowance_cap(family_allowance: int = FAMILY_ALLOWANCE) -> int:
    """The school allowance's ceiling in grosze (art. 90e ust. 3)."""
    return family_allowance * ALLOWANCE_MULTIPLE


def per_person_income(incomes: list[int], members: int) -> int:
    """The household's net monthly income per person in grosze, half up to the grosz."""
    if members < 1:
        raise RuleError("no_members")
    if any(value < 0 for value in incomes):
        raise RuleError("negative_income")
    total = Decimal(sum(incomes)) / Decimal(members)
    return int(total.to_integral_value(ROUND_HALF_UP))


def is_eligible(income_per_person: int, threshold: int = INCOME_THRESHOLD) -> bool:
    """Art. 90d ust. 7: the income per person may not be greater than the threshold."""
    return income_per_person <= threshold


def check_tiers(tiers: list[dict], bounds: Bounds) -> list[dict]:
    """The regulation's tiers, checked and sorted: each `{"up_to": grosze, "amount":
    grosze}` (income per person up to and including `up_to` gets `amount` a month), the
    amounts within the statutory bounds, the limits distinct."""
    if not tiers:
        raise RuleError("no_tiers")
    checked = []
    for tier in tiers:
        up_to, amount = tier.get("up_to"), tier.get("amount")
        if not isinstance(up_to, int) or isinstance(up_to, bool) or up_to < 0:
            raise RuleError("tier_limit_invalid")
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise RuleError("tier_amount_invalid")
        if not bounds.low <= amount <= bounds.high:
            raise RuleError("amount_out_of_bounds", amount=amount, low=bounds.low,
                            high=bounds.high)
        checked.append({"up_to": up_to, "amount": amount})
    checked.sort(key=lambda tier: tier["up_to"])
    limits = [tier["up_to"] for tier in checked]
    if len(set(limits)) != len(limits):
        raise RuleError("tier_limits_repeat")
    return checked


def tier_amount(tiers: list[dict], income_per_person: int) -> int | None:
    """The monthly amount of the first tier whose limit the income does not exceed; None
    above the last tier."""
    for tier in sorted(tiers, key=lambda tier: tier["up_to"]):
        if income_per_person <= tier["up_to"]:
            return tier["amount"]
    return None


def check_amount(amount: int, bounds: Bounds) -> int:
    if not bounds.low <= amount <= bounds.high:
        raise RuleError("amount_out_of_bounds", amount=amount, low=bounds.low,
                        high=bounds.high)
    return amount


def school_year_of(day: datetime.date) -> int:
    """The first calendar year of the school year `day` falls in (September starts it)."""
    return day.year if day.month >= 9 else day.year - 1


def granted_months(school_year: int, first: datetime.date, count: int) -> list[datetime.date]:
    """The first days of `count` consecutive months from `first`, all within September of
    `school_year` to June of the next (art. 90d ust. 10: one to ten months)."""
    if not 1 <= count <= MAX_MONTHS:
        raise RuleError("months_out_of_range", low=1, high=MAX_MONTHS)
    start = datetime.date(school_year, 9, 1)
    end = datetime.date(school_year + 1, 6, 1)
    first = first.replace(day=1)
    months = []
    month = first
    for _index in range(count):
        months.append(month)
        month = add_months(month, 1)
    if first < start or months[-1] > end:
        raise RuleError("months_outside_year", first=start, last=end)
    return months


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def income_month(applied_on: datetime.date) -> datetime.date:
    """The month whose income is counted: the one before the application (art. 8 ust. 3
    u.p.s.), as its first day."""
    return add_months(applied_on.replace(day=1), -1)


def allowance_deadline(event_on: datetime.date) -> datetime.date:
    """The last day to apply for the school allowance after the event (art. 90e ust. 4:
    not later than two months after it)."""
    return add_months(event_on, ALLOWANCE_WINDOW_MONTHS)


def check_allowance(amount: int, *, event_on: datetime.date, applied_on: datetime.date,
                    family_allowance: int = FAMILY_ALLOWANCE) -> int:
    if event_on > applied_on:
        raise RuleError("event_in_future")
    if applied_on > allowance_deadline(event_on):
        raise RuleError("allowance_late", deadline=allowance_deadline(event_on))
    cap = allowance_cap(family_allowance)
    if not 0 < amount <= cap:
        raise RuleError("allowance_out_of_bounds", amount=amount, high=cap)
    return amount


def parse_zloty(text: str) -> int:
    """An amount in złoty as people type it ("1 800,50", "1800.5", "-20") in grosze; an
    empty text is 0. A sign is kept (the services refuse a negative income by name)."""
    cleaned = "".join(str(text or "").split()).replace("\u00a0", "").replace(",", ".")
    cleaned = cleaned.removesuffix("zł").removesuffix("zl")
    if not cleaned:
        return 0
    try:
        value = Decimal(cleaned)
    except ArithmeticError as error:
        raise RuleError("amount_invalid", text=str(text)[:20]) from error
    if not value.is_finite() or value.as_tuple().exponent < -2 or abs(value) > 10_000_000:
        raise RuleError("amount_invalid", text=str(text)[:20])
    return int(value * 100)
