"""The organisation sheet's arithmetic and checks, without the database: the framework
plan's weekly minimums of a primary school, a teacher's overtime against Karta
Nauczyciela art. 35, the FTEs, the cost estimate, the statutory dates and the difference
between two versions of a sheet. The services call these on plain values; the tests call
them directly.

Legal basis and how far each rule was checked:
- overtime: KN art. 35 ust. 1–2 — at most 1/4 of the weekly pensum may be imposed, more
  only with the teacher's consent and never above 1/2 (verified: the article as quoted by
  gazetaprawna.pl, "Przy niepełnym wymiarze nie może być nadgodzin");
- part-time teachers get no overtime: a court's reading (SO Białystok, V Pa 41/13), not a
  statute — flagged, not refused [unverified as a general rule];
- pensum: KN art. 42 ust. 3, 18 hours for most teachers (verified by the research, B7);
- the framework plan: rozporządzenie MEN z 3 kwietnia 2019 r. w sprawie ramowych planów
  nauczania dla publicznych szkół (Dz.U. 2019 poz. 639), primary school. The numbers
  below agree with two schools' published plans built on it; the regulation's own table
  was not read and its 2024 replacement (rozporządzenie MEN z 20 maja 2024 r.) was not
  compared [unverified: `FRAMEWORK_VERIFIED` is False];
- dates: the director sends the sheet by 21 April, the organ approves it by 29 May
  (rozporządzenie MEN z 28 lutego 2019 r., Dz.U. 2019 poz. 502, §17; verified by the
  research, B7).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

#: Subject codes with their names (the lines of a division's weekly plan).
SUBJECTS = [
    ("early_education", _("early-school education")),
    ("polish", _("Polish")),
    ("foreign_language", _("modern foreign language")),
    ("second_language", _("second modern foreign language")),
    ("music", _("music")),
    ("art", _("art")),
    ("history", _("history")),
    ("civics", _("civics")),
    ("nature", _("nature")),
    ("geography", _("geography")),
    ("biology", _("biology")),
    ("chemistry", _("chemistry")),
    ("physics", _("physics")),
    ("mathematics", _("mathematics")),
    ("computing", _("computer science")),
    ("technology", _("technology")),
    ("physical_education", _("physical education")),
    ("safety", _("education for safety")),
    ("homeroom", _("lessons with the class teacher")),
]
SUBJECT_NAMES = dict(SUBJECTS)

#: Weekly hours per grade of a primary school (grade → subject → hours).
#: [unverified] taken from schools' published plans on Dz.U. 2019 poz. 639, not from the
#: regulation's table; the 2024 regulation not compared.
FRAMEWORK_VERIFIED = False
_LATER = {
    4: {"polish": 5, "foreign_language": 3, "music": 1, "art": 1, "history": 1,
        "nature": 2, "mathematics": 4, "computing": 1, "technology": 1,
        "physical_education": 4, "homeroom": 1},
    5: {"polish": 5, "foreign_language": 3, "music": 1, "art": 1, "history": 2,
        "geography": 1, "biology": 1, "mathematics": 4, "computing": 1, "technology": 1,
        "physical_education": 4, "homeroom": 1},
    6: {"polish": 5, "foreign_language": 3, "music": 1, "art": 1, "history": 2,
        "geography": 1, "biology": 1, "mathematics": 4, "computing": 1, "technology": 1,
        "physical_education": 4, "homeroom": 1},
    7: {"polish": 5, "foreign_language": 3, "second_language": 2, "music": 1, "art": 1,
        "history": 2, "geography": 2, "biology": 2, "chemistry": 2, "physics": 2,
        "mathematics": 4, "computing": 1, "physical_education": 4, "homeroom": 1},
    8: {"polish": 5, "foreign_language": 3, "second_language": 2, "history": 2,
        "civics": 2, "geography": 1, "biology": 1, "chemistry": 2, "physics": 2,
        "mathematics": 4, "computing": 1, "physical_education": 4, "safety": 1,
        "homeroom": 1},
}
FRAMEWORK: dict[int, dict[str, int]] = {
    **{grade: {"early_education": 20, "foreign_language": 2} for grade in (1, 2, 3)},
    **_LATER,
}
GRADES = range(1, 9)

#: The kinds of hours beyond the framework plan.
ADDITIONAL_KINDS = [
    ("organ_extra", _("the organ's extra hours")),
    ("art42", _("Karta Nauczyciela art. 42 hours (e.g. the director's reduced pensum)")),
    ("support", _("psychological and pedagogical support")),
    ("revalidation", _("revalidation")),
    ("individual", _("individual teaching")),
    ("religion", _("religion")),
    ("ethics", _("ethics")),
    ("family_life", _("education for family life")),
    ("counselling", _("vocational counselling")),
    ("group_split", _("group splits")),
    ("other", _("other")),
]

SENDING_DEADLINE = (4, 21)   # §17 ust. 7: the director sends it by 21 April
APPROVAL_DEADLINE = (5, 29)  # §17 ust. 9: the organ approves it by 29 May
TWO = Decimal("0.01")


@dataclass(frozen=True)
class Finding:
    """One thing a check found: `refuse` stops the step, `flag` is shown to the
    department with the sheet."""

    code: str
    severity: str  # "refuse" or "flag"
    message: str
    line: str = ""  # what it is about: a teacher's or a division's name

    @property
    def refuses(self) -> bool:
        return self.severity == "refuse"


def overtime(*, pensum: int, contracted: int, assigned: int) -> int:
    """Hours above the pensum (only a full-time teacher has overtime; a part-time
    teacher's hours beyond the contract are counted the same way and flagged)."""
    return max(0, assigned - max(pensum, contracted))


def teacher_findings(*, name: str, pensum: int, contracted: int, assigned: int,
                     consent: bool) -> list[Finding]:
    """KN art. 35 ust. 1: overtime above 1/4 of the pensum only with the teacher's consent,
    never above 1/2; art. 42 ust. 3: a pensum between 1 and 40 hours."""
    found: list[Finding] = []
    if not 1 <= pensum <= 40:
        found.append(Finding("pensum_invalid", "refuse", str(_(
            "The pensum must be between 1 and 40 hours a week.")), name))
        return found
    if not 0 <= contracted <= pensum:
        found.append(Finding("contracted_invalid", "refuse", str(_(
            "%(name)s: the hours of employment must be between 0 and the pensum "
            "(%(pensum)s).") % {"name": name, "pensum": pensum}), name))
        return found
    if contracted < pensum and assigned > contracted:
        found.append(Finding("part_time_extra", "flag", str(_(
            "%(name)s is employed part-time (%(contracted)s/%(pensum)s) and has "
            "%(assigned)s hours: a part-time teacher is not given overtime (SO Białystok "
            "V Pa 41/13).") % {"name": name, "contracted": contracted, "pensum": pensum,
                               "assigned": assigned}), name))
        return found
    extra = overtime(pensum=pensum, contracted=contracted, assigned=assigned)
    if extra * 2 > pensum:
        found.append(Finding("overtime_above_half", "refuse", str(_(
            "%(name)s would have %(extra)s overtime hours; Karta Nauczyciela art. 35 ust. 1 "
            "allows at most %(limit)s (1/2 of the pensum of %(pensum)s), even with the "
            "teacher's consent.") % {"name": name, "extra": extra, "pensum": pensum,
                                     "limit": _quarter_or_half(pensum, 2)}), name))
    elif extra * 4 > pensum and not consent:
        found.append(Finding("overtime_without_consent", "refuse", str(_(
            "%(name)s would have %(extra)s overtime hours; without the teacher's recorded "
            "consent Karta Nauczyciela art. 35 ust. 1 allows at most %(limit)s (1/4 of the "
            "pensum of %(pensum)s).") % {"name": name, "extra": extra, "pensum": pensum,
                                         "limit": _quarter_or_half(pensum, 4)}), name))
    return found


def _quarter_or_half(pensum: int, divisor: int) -> str:
    value = Decimal(pensum) / divisor
    return f"{value.normalize():f}".replace(".", ",")


def framework_findings(*, division: str, grade: int, hours: dict[str, int]) -> list[Finding]:
    """A division's weekly hours below the framework plan's for its grade (flags)."""
    found = []
    for subject, minimum in FRAMEWORK.get(grade, {}).items():
        have = hours.get(subject, 0)
        if have < minimum:
            found.append(Finding("below_framework", "flag", str(_(
                "%(division)s: %(subject)s has %(have)s hours a week, the framework plan "
                "for grade %(grade)s has %(minimum)s.") % {
                    "division": division, "subject": SUBJECT_NAMES[subject], "have": have,
                    "grade": grade, "minimum": minimum}), division))
    return found


def assignment_findings(*, planned: int, assigned: int) -> list[Finding]:
    """The hours of the plan (subjects and additional) and the teachers' assigned hours
    should be the same number: a difference is flagged."""
    if planned == assigned:
        return []
    return [Finding("hours_not_assigned", "flag", str(_(
        "The sheet plans %(planned)s hours a week and assigns %(assigned)s to "
        "teachers.") % {"planned": planned, "assigned": assigned}))]


def fte(hours: int, pensum: int) -> Decimal:
    """Hours as full-time equivalents of the pensum, to two places."""
    if pensum <= 0:
        return Decimal("0.00")
    return (Decimal(hours) / Decimal(pensum)).quantize(TWO, rounding=ROUND_HALF_UP)


def cost_estimate(*, weekly_hours: int, hour_rate: int, weeks: int) -> int:
    """The year's cost in grosze: weekly hours × teaching weeks × the gmina's rate for an
    hour (grosze, with the employer's charges, as the gmina sets it)."""
    return weekly_hours * weeks * hour_rate


def sending_deadline(school_year: int) -> datetime.date:
    return datetime.date(school_year, *SENDING_DEADLINE)


def approval_deadline(school_year: int) -> datetime.date:
    return datetime.date(school_year, *APPROVAL_DEADLINE)


def diff(old: dict, new: dict) -> dict:
    """What changed between two snapshots of a sheet (`snapshot` shape: divisions by
    name → {grade, pupils, hours: {subject: n}}, teachers by name → {fields},
    additional by key → hours). Each change is (what, old, new); None = absent."""
    changes: dict[str, list] = {"divisions": [], "hours": [], "additional": [],
                                "teachers": []}
    for name in sorted(set(old["divisions"]) | set(new["divisions"])):
        before, after = old["divisions"].get(name), new["divisions"].get(name)
        for field in ("grade", "pupils"):
            was = before[field] if before else None
            now = after[field] if after else None
            if was != now:
                changes["divisions"].append((name, field, was, now))
        hours_before = before["hours"] if before else {}
        hours_after = after["hours"] if after else {}
        for subject in sorted(set(hours_before) | set(hours_after)):
            was, now = hours_before.get(subject), hours_after.get(subject)
            if was != now:
                changes["hours"].append((name, subject, was, now))
    for key in sorted(set(old["additional"]) | set(new["additional"])):
        was, now = old["additional"].get(key), new["additional"].get(key)
        if was != now:
            changes["additional"].append((key, was, now))
    for name in sorted(set(old["teachers"]) | set(new["teachers"])):
        before, after = old["teachers"].get(name), new["teachers"].get(name)
        fields = sorted(set(before or {}) | set(after or {}))
        for field in fields:
            was = before.get(field) if before else None
            now = after.get(field) if after else None
            if was != now:
                changes["teachers"].append((name, field, was, now))
    return changes
