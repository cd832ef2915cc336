"""The legal clocks of matters (no database): which rule gives a matter its deadline, and
the arithmetic of KPA terms.

Rules (docs/reports.md, "The unanswered-matters watch"; shared research D2):
- KPA art. 35 § 3: a matter needing an inquiry is settled within one month, a particularly
  complex one within two months (verified);
- u.d.i.p. art. 13 ust. 1: public information within 14 days (verified);
- KPA art. 217 § 3: a certificate (zaświadczenie) within 7 days (verified);
- KPA art. 237 § 1: a complaint or motion within one month (verified);
- ustawa o petycjach art. 10 ust. 1: a petition within three months (NOT verified here);
- the case type's own deadline, and the deadline on an e-service's card (a special law);
- KPA art. 36: a notice of delay sets a new date; the watch counts from it.

Term arithmetic (KPA art. 57): a term in days starts the day after the event (§ 1); a
term in months ends on the day with the same number, or the month's last day (§ 3); a
term ending on a Saturday or a public holiday ends on the next working day (§ 4). The
last rule and the holiday list are NOT verified in the research; they follow the text
as commonly quoted (ustawa o dniach wolnych od pracy, with 24 December from 2025).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

PUBLIC_INFORMATION_SERVICES = {"wniosek-o-udostepnienie-informacji-publicznej"}
PUBLIC_INFORMATION_JRWA = {"1431"}
CERTIFICATE_SERVICE_PREFIXES = ("zaswiadczenie", "wniosek-o-wydanie-zaswiadczenia")
COMPLAINT_JRWA_PREFIX = "151"
PETITION_JRWA_PREFIX = "152"
#: The JRWA class of complaints and motions (skargi i wnioski), counted per 1,000 cases.
COMPLAINT_JRWA = "1510"

#: Legal basis of each kind of clock, as shown to residents and staff (Polish: the law's
#: own words; the UI labels around them are translated).
LEGAL_BASIS = {
    "kpa": "art. 35 § 3 Kodeksu postępowania administracyjnego",
    "complex": "art. 35 § 3 Kodeksu postępowania administracyjnego (sprawa szczególnie "
               "skomplikowana)",
    "public_information": "art. 13 ust. 1 ustawy o dostępie do informacji publicznej",
    "certificate": "art. 217 § 3 Kodeksu postępowania administracyjnego",
    "complaint": "art. 237 § 1 Kodeksu postępowania administracyjnego",
    "petition": "art. 10 ust. 1 ustawy o petycjach",
    "case_type": "przepis właściwy dla rodzaju sprawy",
    "service": "termin wskazany w karcie usługi",
}
DELAY_NOTICE_BASIS = "art. 36 Kodeksu postępowania administracyjnego"
PONAGLENIE_BASIS = "art. 37 Kodeksu postępowania administracyjnego"
#: The conducting organ forwards a ponaglenie within 7 days (KPA art. 37 § 4).
PONAGLENIE_FORWARD_DAYS = 7


def easter(year: int) -> date:
    """Easter Sunday (the Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """Days free from work in Poland (besides Sundays) in `year`."""
    sunday = easter(year)
    days = {date(year, 1, 1), date(year, 1, 6), sunday, sunday + timedelta(days=1),
            date(year, 5, 1), date(year, 5, 3), sunday + timedelta(days=49),
            sunday + timedelta(days=60), date(year, 8, 15), date(year, 11, 1),
            date(year, 11, 11), date(year, 12, 25), date(year, 12, 26)}
    if year >= 2025:
        days.add(date(year, 12, 24))
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def next_working_day(day: date) -> date:
    """The day itself if it is a working day, else the next one (KPA art. 57 § 4)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_months(start: date, months: int) -> date:
    """The same day number `months` later, or that month's last day (KPA art. 57 § 3)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def term_end(start: date, *, days: int = 0, months: int = 0) -> date:
    """The last day of a term counted from the event on `start`."""
    end = add_months(start, months) if months else start + timedelta(days=days)
    return next_working_day(end)


@dataclass(frozen=True)
class MatterFacts:
    """What the EZD tells about a case that decides its clock."""

    starts_on: date
    jrwa_symbol: str
    service: str = ""
    case_type_days: int | None = None
    ezd_deadline: date | None = None


def clock_kind(facts: MatterFacts) -> str:
    """Which rule gives the matter its deadline (a ClockKind value)."""
    if facts.service in PUBLIC_INFORMATION_SERVICES or \
            facts.jrwa_symbol in PUBLIC_INFORMATION_JRWA:
        return "public_information"
    if facts.service.startswith(CERTIFICATE_SERVICE_PREFIXES):
        return "certificate"
    if facts.case_type_days:
        return "case_type"
    if facts.jrwa_symbol.startswith(PETITION_JRWA_PREFIX):
        return "petition"
    if facts.jrwa_symbol.startswith(COMPLAINT_JRWA_PREFIX):
        return "complaint"
    if facts.service and facts.ezd_deadline is not None:
        return "service"
    return "kpa"


def legal_deadline(facts: MatterFacts, kind: str | None = None) -> date:
    """The deadline the law gives the matter (before any notice of delay)."""
    kind = kind or clock_kind(facts)
    start = facts.starts_on
    if kind == "public_information":
        return term_end(start, days=14)
    if kind == "certificate":
        return term_end(start, days=7)
    if kind == "case_type":
        return term_end(start, days=facts.case_type_days or 0)
    if kind == "petition":
        return term_end(start, months=3)
    if kind == "complex":
        return term_end(start, months=2)
    if kind == "service" and facts.ezd_deadline is not None:
        return next_working_day(facts.ezd_deadline)
    return term_end(start, months=1)
