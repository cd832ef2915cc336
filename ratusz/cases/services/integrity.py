"""Proofs that the EZD's records are whole: every case record's hash chain and every
counter of numbers. `manage.py verify_case_records` runs the first for operators; both run
after every restore of a backup (`ratusz.core.backup.register_check`, in the app's
`ready()`), across every gmina."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max

from ratusz.cases.models import Case, CaseRecordEntry, Counter, IncomingEntry, OutgoingEntry
from ratusz.cases.services.record import ChainProblem, chain_problems
from ratusz.core.models import Municipality
from ratusz.core.selectors import list_municipalities
from ratusz.core.tenancy import tenant_context


@dataclass
class RecordsCheck:
    """The result of checking the case records of one gmina."""

    municipality: Municipality
    checked: int
    problems: list[ChainProblem]


def verify_case_records(municipality: Municipality) -> RecordsCheck:
    """Recompute the hash chain of every case record of the gmina (one streamed pass)."""
    with tenant_context(municipality):
        entries = (CaseRecordEntry.objects.for_municipality(municipality)
                   .order_by("case_id", "position").iterator(chunk_size=2000))
        problems = chain_problems(entries, lambda case_id: _mark(municipality, case_id))
        checked = Case.objects.for_municipality(municipality).count()
    return RecordsCheck(municipality, checked, problems)


def _mark(municipality: Municipality, case_id: int) -> str:
    return (Case.objects.for_municipality(municipality).filter(pk=case_id)
            .values_list("mark", flat=True).first() or f"#{case_id}")


def case_record_problems() -> list[str]:
    """Every broken case record of every gmina, one line each (a backup check)."""
    with tenant_context(None, all_municipalities=True):
        municipalities = list(list_municipalities(include_inactive=True))
    return [f"{result.municipality.slug} {problem.case_mark} entry {problem.position}: "
            f"{problem.problem}"
            for result in map(verify_case_records, municipalities)
            for problem in result.problems]


def used_numbers(municipality: Municipality) -> dict[tuple[str, int], int]:
    """The highest number used in each sequence of the gmina, keyed like the counters:
    (scope, year) → number. RPW and RKW per unit, case marks per department and JRWA
    class, sub-series per group."""
    used: dict[tuple[str, int], int] = {}
    for row in (IncomingEntry.objects.for_municipality(municipality)
                .values("unit_id", "year").annotate(top=Max("sequence"))):
        used[(f"rpw:{row['unit_id']}", row["year"])] = row["top"]
    for row in (OutgoingEntry.objects.for_municipality(municipality)
                .values("unit_id", "year").annotate(top=Max("sequence"))):
        used[(f"rkw:{row['unit_id']}", row["year"])] = row["top"]
    cases = Case.objects.for_municipality(municipality)
    for row in (cases.filter(sub_sequence__isnull=True)
                .values("department_id", "jrwa_symbol", "year").annotate(top=Max("sequence"))):
        used[(f"case:{row['department_id']}:{row['jrwa_symbol']}", row["year"])] = row["top"]
    for row in (cases.filter(sub_sequence__isnull=False)
                .values("department_id", "jrwa_symbol", "year", "sequence")
                .annotate(top=Max("sub_sequence"))):
        scope = f"case:{row['department_id']}:{row['jrwa_symbol']}:{row['sequence']}"
        used[(scope, row["year"])] = row["top"]
    return used


def counter_problems_of(municipality: Municipality) -> list[str]:
    """Counters of the gmina behind a number already used (the next number would repeat
    one): an empty list when every counter is at least the highest number it gave."""
    with tenant_context(municipality):
        counters = {(counter.scope, counter.year): counter.value for counter in
                    Counter.objects.for_municipality(municipality)}
        used = used_numbers(municipality)
    return [f"{municipality.slug} counter {scope} {year} is at {counters.get((scope, year), 0)}"
            f", but number {top} is used"
            for (scope, year), top in sorted(used.items())
            if counters.get((scope, year), 0) < top]


def counter_problems() -> list[str]:
    """Every counter behind its numbers, in every gmina (a backup check)."""
    with tenant_context(None, all_municipalities=True):
        municipalities = list(list_municipalities(include_inactive=True))
    return [problem for municipality in municipalities
            for problem in counter_problems_of(municipality)]
