"""The case record (metryka sprawy): one append-only, hash-chained row per event.

Each entry's hash covers its content and the previous entry's hash, so a later change to
any row breaks the chain; `verify_case_record` recomputes it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC

from django.utils import timezone

from ratusz.cases.models import Case, CaseRecordEntry

GENESIS_HASH = "0" * 64


def person_label(user) -> tuple[str, str]:
    """(name, position) of a person as the record and the registers keep them."""
    if user is None:
        return "System Ratusz", ""
    return (user.get_full_name() or user.username), getattr(user, "position", "")


def record_hash(fields: dict) -> str:
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_fields(entry: CaseRecordEntry) -> dict:
    """What the hash of a record entry covers."""
    return {
        "case": entry.case_id,
        "position": entry.position,
        "occurred_at": entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "actor_position": entry.actor_position,
        "action": entry.action,
        "description": entry.description,
        "document": entry.document_id,
        "document_label": entry.document_label,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
    }


def record_case_event(case: Case, action: str, *, acting_user, description: str,
                      document=None, data: dict | None = None,
                      previous: CaseRecordEntry | None = None,
                      touch_case: bool = True) -> CaseRecordEntry:
    """Append one row to the case record. Caller holds the case row lock and the
    transaction, so positions are consecutive and the chain is linear. A caller that has
    just written the previous entry (or created the case) passes it (or `touch_case`
    False) to save the look-ups."""
    if previous is not None:
        last = {"position": previous.position, "hash": previous.hash}
    elif touch_case is False and getattr(case, "_is_new", False):
        last = None
    else:
        last = (CaseRecordEntry.objects.filter(case=case).order_by("-position")
                .values("position", "hash").first())
    name, position = person_label(acting_user)
    entry = CaseRecordEntry(
        municipality_id=case.municipality_id,
        case=case,
        position=(last["position"] + 1) if last else 1,
        occurred_at=timezone.now(),
        actor=acting_user if getattr(acting_user, "pk", None) else None,
        actor_name=name,
        actor_position=position,
        action=action,
        description=description,
        document=document,
        document_label=str(document)[:300] if document is not None else "",
        data=data or {},
        previous_hash=last["hash"] if last else GENESIS_HASH,
    )
    entry.hash = record_hash(record_fields(entry))
    entry.save()
    if touch_case:
        Case.objects.filter(pk=case.pk).update(last_activity_at=entry.occurred_at)
    return entry


@dataclass
class ChainProblem:
    case_mark: str
    position: int
    problem: str


def verify_case_record(case: Case) -> list[ChainProblem]:
    """Recompute the chain of one case; an empty list means untouched."""
    entries = CaseRecordEntry.objects.filter(case=case).order_by("position")
    return chain_problems(entries, lambda _case_id: case.mark)


def chain_problems(entries, mark_of) -> list[ChainProblem]:
    """Recompute the chains of `entries` (ordered by case, then position); `mark_of(case_id)`
    names a case in a problem. Streams: one pass, whatever the number of cases."""
    problems = []
    case_id = previous = None
    expected_position = 1
    for entry in entries:
        if entry.case_id != case_id:
            case_id, previous, expected_position = entry.case_id, GENESIS_HASH, 1
        if entry.position != expected_position:
            problems.append(ChainProblem(mark_of(case_id), entry.position,
                                         "missing entry before"))
        if entry.previous_hash != previous:
            problems.append(ChainProblem(mark_of(case_id), entry.position, "chain broken"))
        if record_hash(record_fields(entry)) != entry.hash:
            problems.append(ChainProblem(mark_of(case_id), entry.position, "content changed"))
        previous = entry.hash
        expected_position = entry.position + 1
    return problems
