"""Working days for due dates: a due date on a Saturday, a Sunday or a public holiday moves
to the next working day (Ordynacja podatkowa art. 12 § 5; a Saturday counts as a day off
for tax purposes [V: wave2_domain.md A1]).

Public holidays by the ustawa z 18 stycznia 1951 r. o dniach wolnych od pracy, art. 1
[U: from memory, not checked against the current text]: 1 and 6 January, Easter Sunday and
Monday, 1 and 3 May, Pentecost Sunday, Corpus Christi, 15 August, 1 and 11 November,
25 and 26 December, and 24 December from 2025 [U]."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

FIXED = ((1, 1), (1, 6), (5, 1), (5, 3), (8, 15), (11, 1), (11, 11), (12, 25), (12, 26))
CHRISTMAS_EVE_FROM = 2025


def easter_sunday(year: int) -> date:
    """The Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
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
    easter = easter_sunday(year)
    days = {date(year, month, day) for month, day in FIXED}
    days |= {easter, easter + timedelta(days=1), easter + timedelta(days=49),
             easter + timedelta(days=60)}
    if year >= CHRISTMAS_EVE_FROM:
        days.add(date(year, 12, 24))
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


@lru_cache(maxsize=4096)
def next_working_day(day: date) -> date:
    """`day` itself if it is a working day, else the next one (art. 12 § 5 OP)."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
