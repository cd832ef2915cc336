"""The allocation: candidate-proposing deferred acceptance (Gale–Shapley, the
college-admissions form) over the parents' preferences and each institution's ranking.
Pure code, no database: the published allocation document (GET …/allocation) is enough to
run it again and to check it.

Each institution ranks the candidates who listed it by, in this order:
1. residents of the gmina before non-residents (art. 131 ust. 1 Prawo oświatowe: others
   only where places remain);
2. points at that institution, higher first (the statutory criteria weigh more than all
   the council's points together, art. 131 ust. 2–4, so the first stage decides first);
3. the lottery rank drawn in front of the commission, lower first (the declared
   tie-break; every candidate has a different rank, so no tie is left).

The result is stable: no candidate and institution would both rather be matched to each
other than to what they got (`blocking_pairs` finds any such pair), no institution holds
more than its capacity, and it is the best stable result for every candidate, so a parent
gains nothing by listing preferences in any order but their true one."""

from __future__ import annotations

import hashlib
import heapq
import json
import random
from dataclasses import dataclass, field

ALGORITHM = "deferred-acceptance/candidate-proposing/v1"


@dataclass(frozen=True)
class Candidate:
    id: str
    preferences: tuple[str, ...]
    scores: dict[str, int] = field(hash=False)
    tie_break: int
    resident: bool


def priority(candidate: Candidate, institution: str) -> tuple[int, int, int]:
    """How an institution ranks a candidate: a larger tuple is a better claim."""
    return (1 if candidate.resident else 0, candidate.scores.get(institution, 0),
            -candidate.tie_break)


def lottery_ranks(candidate_ids: list[str], seed: int) -> dict[str, int]:
    """The lottery: a permutation of the candidates (sorted by id first, so it depends only
    on the set of candidates and the seed), ranks from 1."""
    ordered = sorted(candidate_ids)
    random.Random(seed).shuffle(ordered)  # noqa: S311 - a published, reproducible draw
    return {candidate_id: rank for rank, candidate_id in enumerate(ordered, start=1)}


def allocate(capacities: dict[str, int], candidates: list[Candidate]) -> dict[str, str | None]:
    """Each candidate's institution (None: no place at any preference)."""
    by_id = {candidate.id: candidate for candidate in candidates}
    held: dict[str, list[tuple[tuple[int, int, int], str]]] = {i: [] for i in capacities}
    next_choice = dict.fromkeys(by_id, 0)
    assignment: dict[str, str | None] = dict.fromkeys(by_id)
    free = sorted(by_id, reverse=True)
    while free:
        candidate = by_id[free.pop()]
        while next_choice[candidate.id] < len(candidate.preferences):
            institution = candidate.preferences[next_choice[candidate.id]]
            next_choice[candidate.id] += 1
            capacity = capacities.get(institution, 0)
            if capacity <= 0:
                continue
            heap = held[institution]
            entry = (priority(candidate, institution), candidate.id)
            if len(heap) < capacity:
                heapq.heappush(heap, entry)
                assignment[candidate.id] = institution
                break
            if entry > heap[0]:
                _, rejected = heapq.heapreplace(heap, entry)
                assignment[candidate.id] = institution
                assignment[rejected] = None
                free.append(rejected)
                break
    return assignment


def cutoffs(capacities: dict[str, int], candidates: list[Candidate],
            assignment: dict[str, str | None]) -> dict[str, dict]:
    """Per institution: how many it took and the last admitted candidate's claim (points,
    lottery rank, resident) — what a parent compares their own with."""
    by_id = {candidate.id: candidate for candidate in candidates}
    result = {institution: {"capacity": capacity, "admitted": 0, "points": None,
                            "tie_break": None, "resident": None}
              for institution, capacity in capacities.items()}
    lowest: dict[str, tuple] = {}
    for candidate_id, institution in assignment.items():
        if institution is None:
            continue
        result[institution]["admitted"] += 1
        claim = priority(by_id[candidate_id], institution)
        if institution not in lowest or claim < lowest[institution]:
            lowest[institution] = claim
    for institution, (resident, points, negative_rank) in lowest.items():
        result[institution].update(points=points, tie_break=-negative_rank,
                                   resident=bool(resident))
    return result


def blocking_pairs(capacities: dict[str, int], candidates: list[Candidate],
                   assignment: dict[str, str | None]) -> list[tuple[str, str]]:
    """The pairs (candidate, institution) that would both rather have each other: empty
    when the allocation is stable."""
    members: dict[str, list[Candidate]] = {institution: [] for institution in capacities}
    by_id = {candidate.id: candidate for candidate in candidates}
    for candidate_id, institution in assignment.items():
        if institution is not None:
            members[institution].append(by_id[candidate_id])
    pairs = []
    for candidate in candidates:
        current = assignment.get(candidate.id)
        for institution in candidate.preferences:
            if institution == current:
                break
            capacity = capacities.get(institution, 0)
            held = members.get(institution, [])
            if capacity <= 0:
                continue
            if len(held) < capacity or any(
                    priority(candidate, institution) > priority(other, institution)
                    for other in held):
                pairs.append((candidate.id, institution))
    return pairs


def digest(document: dict) -> str:
    """SHA-256 of a document in its canonical JSON form (sorted keys, no spaces)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
