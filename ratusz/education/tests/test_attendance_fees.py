"""The fee function by worked examples (no database)."""

from datetime import date

import pytest

from ratusz.education import fees
from ratusz.education.fees import Day, Terms, compute_fee

BORN = date(2022, 3, 10)


def terms(**changes) -> Terms:
    values = {"free_hours": 5, "council_rate": 144, "meal_cost": 1200,
              "deduction_rule": fees.DEDUCT_CANCELLED_IN_TIME, "birth_date": BORN}
    values.update(changes)
    return Terms(**values)


def january(minutes: int, count: int = 20) -> list[Day]:
    return [Day(date(2026, 1, 5 + n % 20), minutes) for n in range(count)]


def test_the_caps_by_date():
    assert fees.hourly_cap(date(2022, 8, 31)) == 100
    assert fees.hourly_cap(date(2022, 9, 1)) == 114
    assert fees.hourly_cap(date(2023, 9, 1)) == 130
    assert fees.hourly_cap(date(2024, 8, 31)) == 130
    assert fees.hourly_cap(date(2026, 1, 15)) == 144


@pytest.mark.parametrize(("minutes", "hours"), [(0, 0), (300, 0), (301, 1), (360, 1),
                                                 (361, 2), (510, 4)])
def test_every_started_hour_beyond_the_free_ones_counts(minutes, hours):
    assert fees.chargeable_hours(minutes, 5) == hours


def test_worked_example_eight_and_a_half_hours_for_twenty_days():
    # 7:30–16:00 is 8 h 30 min: 4 started hours beyond 5, × 1,44 zł × 20 days = 115,20 zł;
    # meals 20 × 12 zł = 240 zł.
    fee = compute_fee(terms(), january(510))
    assert [line.as_dict() for line in fee.lines] == [
        {"kind": "stay", "quantity": 80, "unit_amount": 144, "amount": 11520},
        {"kind": "meals", "quantity": 20, "unit_amount": 1200, "amount": 24000}]
    assert (fee.stay, fee.meals, fee.total) == (11520, 24000, 35520)


def test_the_council_rate_above_the_cap_is_cut_to_the_cap():
    fee = compute_fee(terms(council_rate=200), january(360, 10))
    assert fee.stay == 10 * 144


def test_the_cap_changes_on_the_first_of_september():
    days = [Day(date(2024, 8, 30), 360), Day(date(2024, 9, 2), 360)]
    fee = compute_fee(terms(council_rate=200, meal_cost=0), days)
    assert [(line.quantity, line.unit_amount) for line in fee.lines] == [(1, 144), (1, 130)]


def test_an_absence_cancelled_in_time_is_deducted_one_reported_late_is_not():
    days = january(360, 18) + [Day(date(2026, 1, 28), 0, True, True),
                               Day(date(2026, 1, 29), 0, True, False)]
    fee = compute_fee(terms(), days)
    assert fee.stay == 18 * 144
    assert [line.as_dict() for line in fee.lines][1:] == [
        {"kind": "meals", "quantity": 20, "unit_amount": 1200, "amount": 24000},
        {"kind": "meals_deducted", "quantity": 1, "unit_amount": -1200, "amount": -1200}]
    every = compute_fee(terms(deduction_rule=fees.DEDUCT_EVERY_ABSENCE), days)
    assert every.meals == 18 * 1200


def test_six_year_olds_do_not_pay_for_the_stay_from_september():
    born_2020 = date(2020, 2, 1)
    days = [Day(date(2026, 6, 1), 480), Day(date(2026, 9, 1), 480)]
    fee = compute_fee(terms(birth_date=born_2020, meal_cost=0), days)
    assert [line.as_dict() for line in fee.lines] == [
        {"kind": "stay", "quantity": 3, "unit_amount": 144, "amount": 432},
        {"kind": "stay_exempt", "quantity": 3, "unit_amount": 0, "amount": 0}]


def test_reliefs_exempt_the_stay_and_waive_the_meals():
    fee = compute_fee(terms(stay_exempt=True, meals_waived=True), january(480, 4)
                      + [Day(date(2026, 1, 30), 0, True, True)])
    assert fee.total == 0
    assert [line.kind for line in fee.lines] == ["stay_exempt", "meals", "meals_deducted",
                                                  "meals_waived"]


def test_fewer_than_five_free_hours_is_refused():
    with pytest.raises(ValueError):
        compute_fee(terms(free_hours=4), [])
