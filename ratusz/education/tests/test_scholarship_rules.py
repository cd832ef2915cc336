"""The statutory arithmetic of the social help for pupils, directly."""

import datetime

import pytest

from ratusz.education import scholarship_rules as rules


def test_the_statutory_figures():
    assert rules.INCOME_THRESHOLD == 82_300
    bounds = rules.scholarship_bounds()
    assert (bounds.low, bounds.high) == (9_920, 24_800)
    assert rules.allowance_cap() == 62_000
    assert rules.scholarship_bounds(12_345).low == 9_876  # 9 876,0 half up


def test_per_person_income_rounds_half_up_to_the_grosz():
    assert rules.per_person_income([180_000, 0, 0], 3) == 60_000
    assert rules.per_person_income([100_000], 3) == 33_333      # 33 333,33…
    assert rules.per_person_income([100_001, 0], 2) == 50_001   # 50 000,5 → up
    assert rules.per_person_income([200_000, 0, 0], 3) == 66_667


def test_per_person_income_refuses_negative_incomes_and_no_members():
    with pytest.raises(rules.RuleError) as error:
        rules.per_person_income([100, -1], 2)
    assert error.value.code == "negative_income"
    with pytest.raises(rules.RuleError):
        rules.per_person_income([], 0)


def test_the_threshold_itself_is_eligible_one_grosz_above_is_not():
    assert rules.is_eligible(82_300)
    assert not rules.is_eligible(82_301)


def test_tiers_are_checked_sorted_and_applied():
    bounds = rules.scholarship_bounds()
    tiers = rules.check_tiers([{"up_to": 82_300, "amount": 12_400},
                               {"up_to": 40_000, "amount": 20_000}], bounds)
    assert [t["up_to"] for t in tiers] == [40_000, 82_300]
    assert rules.tier_amount(tiers, 40_000) == 20_000
    assert rules.tier_amount(tiers, 40_001) == 12_400
    assert rules.tier_amount(tiers, 82_301) is None
    with pytest.raises(rules.RuleError) as error:
        rules.check_tiers([{"up_to": 50_000, "amount": 30_000}], bounds)
    assert error.value.code == "amount_out_of_bounds"
    with pytest.raises(rules.RuleError) as error:
        rules.check_tiers([{"up_to": 1, "amount": 10_000}, {"up_to": 1, "amount": 11_000}],
                          bounds)
    assert error.value.code == "tier_limits_repeat"
    with pytest.raises(rules.RuleError):
        rules.check_tiers([], bounds)


def test_amount_bounds_are_inclusive():
    bounds = rules.scholarship_bounds()
    assert rules.check_amount(9_920, bounds) == 9_920
    assert rules.check_amount(24_800, bounds) == 24_800
    for amount in (9_919, 24_801):
        with pytest.raises(rules.RuleError) as error:
            rules.check_amount(amount, bounds)
        assert error.value.values == {"amount": amount, "low": 9_920, "high": 24_800}


def test_months_lie_within_september_to_june():
    months = rules.granted_months(2025, datetime.date(2025, 9, 1), 10)
    assert months[0] == datetime.date(2025, 9, 1) and months[-1] == datetime.date(2026, 6, 1)
    assert rules.granted_months(2025, datetime.date(2026, 1, 15), 3)[-1] == \
        datetime.date(2026, 3, 1)
    with pytest.raises(rules.RuleError) as error:
        rules.granted_months(2025, datetime.date(2025, 10, 1), 10)   # would reach July
    assert error.value.code == "months_outside_year"
    with pytest.raises(rules.RuleError) as error:
        rules.granted_months(2025, datetime.date(2025, 9, 1), 11)
    assert error.value.code == "months_out_of_range"
    with pytest.raises(rules.RuleError):
        rules.granted_months(2025, datetime.date(2025, 8, 1), 1)


def test_income_month_and_school_year():
    assert rules.income_month(datetime.date(2025, 9, 10)) == datetime.date(2025, 8, 1)
    assert rules.income_month(datetime.date(2026, 1, 3)) == datetime.date(2025, 12, 1)
    assert rules.school_year_of(datetime.date(2026, 3, 1)) == 2025
    assert rules.school_year_of(datetime.date(2025, 9, 1)) == 2025


def test_the_allowance_window_and_cap():
    event = datetime.date(2025, 12, 31)
    assert rules.allowance_deadline(event) == datetime.date(2026, 2, 28)
    assert rules.check_allowance(62_000, event_on=event, applied_on=datetime.date(2026, 2, 28))
    with pytest.raises(rules.RuleError) as error:
        rules.check_allowance(100, event_on=event, applied_on=datetime.date(2026, 3, 1))
    assert error.value.code == "allowance_late"
    with pytest.raises(rules.RuleError) as error:
        rules.check_allowance(62_001, event_on=event, applied_on=event)
    assert error.value.code == "allowance_out_of_bounds"
    with pytest.raises(rules.RuleError) as error:
        rules.check_allowance(100, event_on=event, applied_on=datetime.date(2025, 12, 1))
    assert error.value.code == "event_in_future"


def test_amounts_typed_in_zloty():
    assert rules.parse_zloty("1 800,50") == 180_050
    assert rules.parse_zloty("1800.5 zł") == 180_050
    assert rules.parse_zloty("") == 0
    assert rules.parse_zloty("-20") == -2_000
    for text in ("12,345", "abc", "1e3x", "NaN"):
        with pytest.raises(rules.RuleError) as error:
            rules.parse_zloty(text)
        assert error.value.code == "amount_invalid"
