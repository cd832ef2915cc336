"""The legal clocks: KPA art. 57 arithmetic and which rule gives a matter its deadline."""

from datetime import date

from ratusz.reports import deadlines
from ratusz.reports.deadlines import MatterFacts, clock_kind, legal_deadline
from ratusz.reports.indicators import median, percentile


def test_a_month_ends_on_the_same_day_number_or_the_months_last_day():
    assert deadlines.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert deadlines.add_months(date(2026, 3, 15), 1) == date(2026, 4, 15)
    assert deadlines.add_months(date(2026, 11, 30), 2) == date(2027, 1, 30)


def test_a_term_ending_on_a_saturday_or_a_holiday_ends_on_the_next_working_day():
    assert deadlines.term_end(date(2026, 5, 2), days=14) == date(2026, 5, 18)  # Saturday
    assert deadlines.term_end(date(2026, 4, 22), days=14) == date(2026, 5, 6)  # 1 and 3 May
    assert deadlines.is_working_day(date(2026, 4, 6)) is False  # Easter Monday
    assert deadlines.is_working_day(date(2026, 12, 24)) is False
    assert deadlines.is_working_day(date(2026, 6, 4)) is False  # Corpus Christi


def test_each_kind_of_matter_has_its_rule():
    start = date(2026, 3, 2)
    assert clock_kind(MatterFacts(start, "1431")) == "public_information"
    assert legal_deadline(MatterFacts(start, "1431")) == date(2026, 3, 16)
    assert clock_kind(MatterFacts(start, "140", service="zaswiadczenie-o-zameldowaniu")) == \
        "certificate"
    assert legal_deadline(MatterFacts(start, "140", service="wniosek-o-wydanie-zaswiadczenia")
                          ) == date(2026, 3, 9)
    assert clock_kind(MatterFacts(start, "1510")) == "complaint"
    assert clock_kind(MatterFacts(start, "152")) == "petition"
    assert legal_deadline(MatterFacts(start, "152")) == date(2026, 6, 2)
    assert clock_kind(MatterFacts(start, "7230", case_type_days=21)) == "case_type"
    assert legal_deadline(MatterFacts(start, "7230", case_type_days=21)) == date(2026, 3, 23)
    service = MatterFacts(start, "6730", service="decyzja-o-warunkach-zabudowy",
                          ezd_deadline=date(2026, 5, 31))  # a Sunday
    assert clock_kind(service) == "service"
    assert legal_deadline(service) == date(2026, 6, 1)
    assert clock_kind(MatterFacts(start, "7230")) == "kpa"
    assert legal_deadline(MatterFacts(start, "7230")) == date(2026, 4, 2)
    assert legal_deadline(MatterFacts(start, "7230"), "complex") == date(2026, 5, 4)


def test_median_and_percentile_of_a_histogram():
    assert median({2: 1, 4: 1, 10: 1}) == 4
    assert median({2: 1, 4: 1}) == 3
    assert median({}) is None
    assert percentile({1: 9, 30: 1}, 0.9) == 1
    assert percentile({1: 8, 30: 2}, 0.9) == 30
