"""The monthly preschool fee of one child, by the law: a pure function of the month's days
(no database), so that every rule can be checked with worked examples.

The rules and their basis (docs/education.md, "Attendance, meals and fees"):

- Stay: the council's free daily hours (at least 5; Prawo oświatowe art. 13 ust. 1 pkt 2)
  are free; every *started* hour of actual presence beyond them costs the council's hourly
  rate, never more than the statutory cap in force on that day (ustawa o finansowaniu
  zadań oświatowych art. 52 ust. 1–2: 1 zł indexed; 1.14 zł from 1 Sep 2022, 1.30 zł from
  1 Sep 2023, 1.44 zł from 1 Sep 2024 [V: wave2_domain B5]; no indexation in 2025 because
  the cumulative CPI stayed under 105 % [U]).
- Exemption: the fee is charged only up to the end of the school year in the calendar year
  the child turns 6 (art. 52 ust. 1 u.f.z.o.), so from 1 September of that year the stay is
  free. The council's own reliefs (art. 52 ust. 3: e.g. for large families) are given per
  child as `stay_exempt` by the organ's decision.
- Meals at the cost of the food only (Prawo oświatowe art. 106 ust. 3); the organ may waive
  them (art. 106 ust. 4: `meals_waived`).
- Deductions for absences are local rules, not statute [U: wave2_domain B5 / unverified
  list item 10]: `DEDUCT_CANCELLED_IN_TIME` (the meals of a day cancelled before the
  institution's cut-off hour are not charged) or `DEDUCT_EVERY_ABSENCE` (no meal is charged
  for any day of absence)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: (from, grosze per hour): the statutory cap per hour of stay beyond the free hours.
HOURLY_CAPS: tuple[tuple[date, int], ...] = (
    (date(2013, 9, 1), 100),
    (date(2022, 9, 1), 114),
    (date(2023, 9, 1), 130),
    (date(2024, 9, 1), 144),
)
MINIMUM_FREE_HOURS = 5
EXEMPT_FROM_AGE = 6

DEDUCT_CANCELLED_IN_TIME = "cancelled_in_time"
DEDUCT_EVERY_ABSENCE = "every_absence"

STAY = "stay"
STAY_EXEMPT = "stay_exempt"
MEALS = "meals"
MEALS_DEDUCTED = "meals_deducted"
MEALS_WAIVED = "meals_waived"


def hourly_cap(day: date) -> int:
    """The statutory cap (grosze per hour) in force on `day`."""
    cap = HOURLY_CAPS[0][1]
    for start, amount in HOURLY_CAPS:
        if day >= start:
            cap = amount
    return cap


def exempt_by_age_from(birth_date: date) -> date:
    """The first day the child's stay is free by age: 1 September of the year it turns 6."""
    return date(birth_date.year + EXEMPT_FROM_AGE, 9, 1)


def chargeable_hours(minutes_present: int, free_hours: int) -> int:
    """Started hours of presence beyond the free hours (61 minutes over = 2 hours)."""
    over = minutes_present - free_hours * 60
    return 0 if over <= 0 else -(-over // 60)


@dataclass(frozen=True)
class Terms:
    """The institution's policy and the child's agreement, as the computation needs them."""

    free_hours: int
    council_rate: int  # grosze per hour, as the council's resolution sets it
    meal_cost: int  # grosze per day: the food of the child's meal plan (0: no meals)
    deduction_rule: str
    birth_date: date
    stay_exempt: bool = False
    meals_waived: bool = False


@dataclass(frozen=True)
class Day:
    """One day the institution was open and the child held its place."""

    day: date
    minutes_present: int = 0
    is_absent: bool = False
    meals_cancelled_in_time: bool = False


@dataclass(frozen=True)
class Line:
    kind: str
    quantity: int
    unit_amount: int
    amount: int

    def as_dict(self) -> dict:
        return {"kind": self.kind, "quantity": self.quantity, "unit_amount": self.unit_amount,
                "amount": self.amount}


@dataclass
class Fee:
    lines: list[Line] = field(default_factory=list)

    @property
    def stay(self) -> int:
        return sum(line.amount for line in self.lines if line.kind == STAY)

    @property
    def meals(self) -> int:
        return sum(line.amount for line in self.lines if line.kind.startswith(MEALS))

    @property
    def total(self) -> int:
        return self.stay + self.meals


def _meal_deducted(day: Day, rule: str) -> bool:
    if not day.is_absent:
        return False
    if rule == DEDUCT_EVERY_ABSENCE:
        return True
    return day.meals_cancelled_in_time


def compute_fee(terms: Terms, days: list[Day]) -> Fee:
    """The month's fee: stay hours grouped by the rate in force, meals of every open day of
    the plan, less the deducted and waived ones. Amounts in grosze, never negative."""
    if terms.free_hours < MINIMUM_FREE_HOURS:
        raise ValueError("The free hours cannot be fewer than the statutory five.")
    hours_by_rate: dict[int, int] = {}
    exempt_hours = 0
    exempt_from = exempt_by_age_from(terms.birth_date)
    for day in days:
        hours = 0 if day.is_absent else chargeable_hours(day.minutes_present, terms.free_hours)
        if not hours:
            continue
        if terms.stay_exempt or day.day >= exempt_from:
            exempt_hours += hours
            continue
        rate = min(terms.council_rate, hourly_cap(day.day))
        hours_by_rate[rate] = hours_by_rate.get(rate, 0) + hours
    fee = Fee()
    for rate, hours in sorted(hours_by_rate.items(), reverse=True):
        fee.lines.append(Line(STAY, hours, rate, hours * rate))
    if exempt_hours:
        fee.lines.append(Line(STAY_EXEMPT, exempt_hours, 0, 0))
    if terms.meal_cost > 0 and days:
        cost = terms.meal_cost
        fee.lines.append(Line(MEALS, len(days), cost, len(days) * cost))
        deducted = sum(1 for day in days if _meal_deducted(day, terms.deduction_rule))
        if deducted:
            fee.lines.append(Line(MEALS_DEDUCTED, deducted, -cost, -deducted * cost))
        if terms.meals_waived and len(days) > deducted:
            waived = len(days) - deducted
            fee.lines.append(Line(MEALS_WAIVED, waived, -cost, -waived * cost))
    return fee
