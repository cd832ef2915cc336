"""The organisation sheet's pure rules: overtime against Karta Nauczyciela art. 35, the
framework minimums, FTEs, the cost, the statutory dates, the diff."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ratusz.education import sheet_rules as rules


def codes(findings):
    return [(item.code, item.severity) for item in findings]


def check(assigned, *, pensum=18, contracted=None, consent=False):
    return rules.teacher_findings(name="Anna Nowak", pensum=pensum,
                                  contracted=pensum if contracted is None else contracted,
                                  assigned=assigned, consent=consent)


@pytest.mark.parametrize(("assigned", "consent", "expected"), [
    (18, False, []),
    (22, False, []),                     # 4 overtime = 18/4 = 4,5 → within a quarter
    (23, False, [("overtime_without_consent", "refuse")]),  # 5 > 4,5
    (23, True, []),
    (27, True, []),                      # 9 = exactly half
    (28, True, [("overtime_above_half", "refuse")]),
    (28, False, [("overtime_above_half", "refuse")]),
])
def test_overtime_limits_of_article_35(assigned, consent, expected):
    assert codes(check(assigned, consent=consent)) == expected


def test_the_refusal_names_the_teacher_the_hours_and_the_limit():
    (finding,) = check(23)
    assert finding.line == "Anna Nowak"
    assert "5 godz. ponadwymiarowych" in finding.message and "najwyżej 4,5" in finding.message
    (finding,) = check(30, consent=True)
    assert "12 godz. ponadwymiarowych" in finding.message and "najwyżej 9" in finding.message


def test_a_part_time_teacher_with_more_hours_is_flagged_not_refused():
    assert codes(check(14, contracted=12)) == [("part_time_extra", "flag")]
    assert codes(check(12, contracted=12)) == []


def test_an_impossible_pensum_or_contract_is_refused():
    assert codes(check(10, pensum=0)) == [("pensum_invalid", "refuse")]
    assert codes(check(10, contracted=20)) == [("contracted_invalid", "refuse")]


def test_overtime_counts_only_hours_above_the_pensum():
    assert rules.overtime(pensum=18, contracted=18, assigned=25) == 7
    assert rules.overtime(pensum=18, contracted=18, assigned=12) == 0


def test_framework_minimums_flag_what_is_missing():
    hours = dict(rules.FRAMEWORK[4])
    assert rules.framework_findings(division="4a", grade=4, hours=hours) == []
    hours["mathematics"] = 3
    del hours["nature"]
    found = rules.framework_findings(division="4a", grade=4, hours=hours)
    assert codes(found) == [("below_framework", "flag")] * 2
    assert any("matematyka ma 3 godz. tygodniowo" in item.message and "przewiduje 4." in
               item.message for item in found)
    assert rules.FRAMEWORK_VERIFIED is False


def test_framework_totals_per_grade_match_the_published_plans():
    totals = {grade: sum(plan.values()) for grade, plan in rules.FRAMEWORK.items()}
    assert totals == {1: 22, 2: 22, 3: 22, 4: 24, 5: 25, 6: 25, 7: 32, 8: 31}


def test_fte_and_cost():
    assert rules.fte(27, 18) == Decimal("1.50")
    assert rules.fte(20, 18) == Decimal("1.11")
    assert rules.fte(5, 0) == Decimal("0.00")
    assert rules.cost_estimate(weekly_hours=48, hour_rate=9_500, weeks=38) == 17_328_000


def test_the_hours_of_the_plan_and_of_the_teachers_should_agree():
    assert rules.assignment_findings(planned=48, assigned=48) == []
    (found,) = rules.assignment_findings(planned=48, assigned=40)
    assert found.code == "hours_not_assigned" and "48" in found.message


def test_statutory_dates():
    assert rules.sending_deadline(2027) == datetime.date(2027, 4, 21)
    assert rules.approval_deadline(2027) == datetime.date(2027, 5, 29)


def test_diff_lists_old_and_new():
    old = {"divisions": {"4a": {"grade": 4, "pupils": 24, "hours": {"mathematics": 4}}},
           "additional": {"religion": 2},
           "teachers": {"Jan Kowal": {"assigned_hours": 26}, "Ewa Lis": {"pensum": 18}}}
    new = {"divisions": {"4a": {"grade": 4, "pupils": 25, "hours": {"mathematics": 5}},
                         "4b": {"grade": 4, "pupils": 10, "hours": {}}},
           "additional": {"religion": 2, "support": 3},
           "teachers": {"Jan Kowal": {"assigned_hours": 24}}}
    changes = rules.diff(old, new)
    assert changes["divisions"] == [("4a", "pupils", 24, 25), ("4b", "grade", None, 4),
                                    ("4b", "pupils", None, 10)]
    assert changes["hours"] == [("4a", "mathematics", 4, 5)]
    assert changes["additional"] == [("support", None, 3)]
    assert changes["teachers"] == [("Ewa Lis", "pensum", 18, None),
                                   ("Jan Kowal", "assigned_hours", 26, 24)]
    assert rules.diff(old, old) == {"divisions": [], "hours": [], "additional": [],
                                    "teachers": []}
