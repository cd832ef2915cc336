"""The rules as pure functions: account numbers, working days, interest, settlement."""

from datetime import date
from decimal import Decimal

import pytest

from ratusz.payments import nrb
from ratusz.payments.calendar import easter_sunday, next_working_day
from ratusz.payments.interest import Calculator, RateTable, exact_interest, late_interest
from ratusz.payments.money import AmountError, parse_grosze, round_to_zloty, zloty_text
from ratusz.payments.settlement import OpenCost, OpenItem, interest_to_date, settle

RATES = RateTable.of([(date(2023, 10, 5), "14.50"), (date(2025, 12, 4), "11.00")])
CALC = Calculator(rates=RATES, fee_starts=(date(2025, 3, 1),), fees=(290,))


# --- Money ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [(12345, 12345), ("12345", 12345), ("0012", 12)])
def test_an_amount_is_whole_grosze(value, expected):
    assert parse_grosze(value) == expected


@pytest.mark.parametrize("value,code", [(12.5, "not_an_integer"), ("12.50", "not_an_integer"),
                                        ("-5", "negative"), (-5, "negative"), (0, "zero"),
                                        (True, "not_an_integer"), (None, "not_an_integer"),
                                        ("1e3", "not_an_integer"), (10**20, "too_large")])
def test_anything_else_is_refused_with_its_reason(value, code):
    with pytest.raises(AmountError) as refused:
        parse_grosze(value)
    assert refused.value.code == code


def test_rounding_to_full_zloty_is_half_up_as_article_63_says():
    assert round_to_zloty(Decimal("4312")) == 4300  # 43,12 zł → 43 zł (publiczni.pl)
    assert round_to_zloty(Decimal("4349.99")) == 4300
    assert round_to_zloty(Decimal("4350")) == 4400
    assert round_to_zloty(Decimal("4378")) == 4400
    assert zloty_text(123456789) == "1\u00a0234\u00a0567,89\u00a0zł"


# --- Account numbers -----------------------------------------------------------------------

def test_the_individual_account_number_is_the_scheme_prefix_and_the_payer_reference():
    number = nrb.individual_account("109010140000", 123)
    assert len(number) == 26 and nrb.is_valid(number)
    assert number[2:] == "109010140000" + "000000000123"
    assert nrb.reference_of(number, "109010140000") == 123
    assert nrb.grouped(number) == f"{number[:2]} 1090 1014 0000 0000 0000 0123"


def test_check_digits_are_iso_7064_mod_97_10():
    assert nrb.is_valid("61109010140000071219812874")  # a real gmina account
    assert not nrb.is_valid("62109010140000071219812874")
    assert nrb.check_digits("109010140000071219812874") == "61"
    assert nrb.settlement_check_is_valid("10901014")


def test_numbers_written_in_a_text_are_found_with_or_without_pl_and_spaces():
    individual = nrb.individual_account("109010140000", 17)
    text = f"~31 61 1090 1014 0000 0712 1981 2874~38PL{individual} x 1234 ~39 12345678"
    assert nrb.numbers_in(text) == ["61109010140000071219812874", individual]


# --- Working days --------------------------------------------------------------------------

def test_a_due_date_on_a_day_off_moves_to_the_next_working_day():
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert next_working_day(date(2026, 11, 15)) == date(2026, 11, 16)  # Sunday
    assert next_working_day(date(2026, 3, 14)) == date(2026, 3, 16)  # Saturday
    assert next_working_day(date(2026, 4, 6)) == date(2026, 4, 7)  # Easter Monday
    assert next_working_day(date(2026, 11, 11)) == date(2026, 11, 12)  # Independence Day
    assert next_working_day(date(2026, 3, 16)) == date(2026, 3, 16)


# --- Interest ------------------------------------------------------------------------------

def test_interest_is_per_day_after_the_due_date_through_the_payment_day_over_365():
    # 1 000 zł, 10 days at 11 %: 100000 × 10 × 11 / 100 / 365 = 301.37 gr → 3 zł.
    assert exact_interest(100000, date(2026, 3, 16), date(2026, 3, 26), RATES) == \
        Decimal(100000) * 10 * Decimal("11.00") / 100 / 365
    assert late_interest(100000, date(2026, 3, 16), date(2026, 3, 26), RATES,
                         threshold=0) == 300


def test_a_rate_change_splits_the_period_and_only_the_sum_is_rounded():
    # 10 000 zł from 1 Dec to 10 Dec 2025: 3 days at 14.5 %, 7 days at 11 %.
    expected = (Decimal(1000000) * 3 * Decimal("14.50") + Decimal(1000000) * 7 *
                Decimal("11.00")) / 100 / 365
    computed = exact_interest(1000000, date(2025, 11, 30), date(2025, 12, 10), RATES)
    assert abs(computed - expected) < Decimal("1e-18")
    assert late_interest(1000000, date(2025, 11, 30), date(2025, 12, 10), RATES,
                         threshold=0) == round_to_zloty(expected)


def test_no_interest_up_to_three_times_the_postal_fee():
    assert CALC.threshold_on(date(2026, 1, 1)) == 870
    # 10 000 zł for 2 days at 11 %: 6.03 zł → 6 zł ≤ 8.70 zł: nothing.
    assert CALC(1000000, date(2026, 3, 16), date(2026, 3, 18)) == 0
    # 3 days: 9.04 zł → 9 zł > 8.70 zł: all of it.
    assert CALC(1000000, date(2026, 3, 16), date(2026, 3, 19)) == 900


def test_no_interest_on_or_before_the_due_date():
    assert CALC(1000000, date(2026, 3, 16), date(2026, 3, 16)) == 0
    assert CALC(1000000, date(2026, 3, 16), date(2026, 3, 10)) == 0


# --- Settlement ----------------------------------------------------------------------------

def _item(key, due, principal, *, kind="property_tax", tax=True):
    return OpenItem(key=key, kind=kind, bears_interest=tax, due=due, principal=principal)


def test_a_payment_short_of_arrear_and_interest_is_split_proportionally():
    arrear = _item(1, date(2026, 3, 16), 100000)
    interest = CALC(100000, date(2026, 3, 16), date(2026, 12, 7))
    assert interest == 8000  # 266 days at 11 % of 1 000 zł: 80.16 zł → 80 zł
    result = settle(50000, date(2026, 12, 7), [arrear], interest=CALC)
    (split,) = result.splits
    # The ratio of arrear to interest on the day of payment (art. 55 § 2).
    assert split.interest == round(50000 * interest / (100000 + interest))
    assert split.principal == 50000 - split.interest
    assert split.interest_charged == interest
    assert arrear.principal == 100000 - split.principal
    assert arrear.interest_unpaid == interest - split.interest
    assert arrear.interest_from == date(2026, 12, 7)
    assert result.left == 0


def test_paying_in_full_clears_arrear_and_interest_and_the_rest_goes_to_the_next():
    first = _item(1, date(2026, 3, 16), 100000)
    second = _item(2, date(2026, 5, 15), 100000)
    result = settle(300000, date(2026, 4, 16), [second, first], interest=CALC)
    by_key = {s.instalment: s for s in result.splits}
    assert by_key[1].principal == 100000 and by_key[1].interest == by_key[1].interest_charged
    assert by_key[1].interest > 0
    assert by_key[2].principal == 100000 and by_key[2].interest == 0
    assert result.left == 300000 - 200000 - by_key[1].interest
    assert not first.is_open and not second.is_open


def test_without_a_name_the_earliest_due_date_is_paid_first():
    later = _item(2, date(2026, 11, 16), 50000)
    earlier = _item(1, date(2026, 9, 15), 50000, kind="waste_fee")
    result = settle(50000, date(2026, 9, 1), [later, earlier], interest=CALC)
    assert [s.instalment for s in result.splits] == [1]


def test_without_arrears_the_named_liability_is_paid():
    later = _item(1, date(2026, 11, 16), 50000)
    named = _item(2, date(2026, 12, 20), 3500, kind="waste_fee")
    result = settle(3500, date(2026, 10, 1), [later, named], named=frozenset({2}),
                    interest=CALC)
    assert [s.instalment for s in result.splits] == [2]


def test_with_arrears_the_payer_cannot_choose_the_arrears_of_the_named_tax_go_first():
    arrear = _item(1, date(2026, 3, 16), 50000)
    named = _item(2, date(2026, 11, 16), 50000)
    older_other_tax = _item(3, date(2026, 2, 2), 50000, kind="waste_fee")
    result = settle(50000, date(2026, 4, 1), [named, arrear, older_other_tax],
                    named=frozenset({2}), interest=CALC)
    # The named tax (property tax) has an arrear: it is paid first (art. 62 § 1).
    assert result.splits[0].instalment == 1


def test_with_arrears_only_in_another_tax_the_earliest_arrear_of_all_is_paid():
    stamp_duty = _item(4, date(2026, 4, 20), 1700, kind="stamp_duty")
    property_arrear = _item(3, date(2026, 3, 16), 50000)
    result = settle(1700, date(2026, 4, 1), [stamp_duty, property_arrear],
                    named=frozenset({4}), interest=CALC)
    assert [s.instalment for s in result.splits] == [3]  # art. 62 § 1, second sentence
    assert stamp_duty.principal == 1700


def test_a_named_civil_fee_is_paid_as_named_whatever_the_tax_arrears():
    rent = _item(5, date(2026, 4, 10), 80000, kind="rent", tax=False)
    property_arrear = _item(3, date(2026, 3, 16), 50000)
    cost = OpenCost(key=9, delivered_on=date(2026, 3, 25), amount=1600)
    result = settle(80000, date(2026, 4, 1), [property_arrear, rent], [cost],
                    named=frozenset({5}), interest=CALC)
    assert [s.instalment for s in result.splits] == [5] and cost.amount == 1600


def test_delivered_reminder_costs_are_paid_first():
    arrear = _item(1, date(2026, 3, 16), 50000)
    cost = OpenCost(key=9, delivered_on=date(2026, 4, 20), amount=1600)
    result = settle(1600, date(2026, 4, 21), [arrear], [cost], interest=CALC)
    assert result.splits == [result.splits[0]] and result.splits[0].reminder == 9
    assert cost.amount == 0 and arrear.principal == 50000


def test_civil_law_fees_bear_no_tax_interest():
    rent = _item(1, date(2026, 1, 12), 80000, kind="rent", tax=False)
    result = settle(80000, date(2026, 12, 7), [rent], interest=CALC)
    assert result.splits[0].interest == 0 and result.splits[0].principal == 80000


def test_what_nothing_takes_is_left_as_an_overpayment():
    result = settle(5000, date(2026, 4, 1), [], interest=CALC)
    assert result.left == 5000 and result.splits == []


def test_interest_to_date_adds_the_unpaid_earlier_interest():
    item = OpenItem(key=1, kind="property_tax", bears_interest=True, due=date(2026, 3, 16),
                    principal=100000, interest_unpaid=500, interest_from=date(2026, 10, 1))
    assert interest_to_date(item, date(2026, 12, 7), CALC) == 500 + CALC(
        100000, date(2026, 10, 1), date(2026, 12, 7))
