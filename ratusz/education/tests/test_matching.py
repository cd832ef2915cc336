"""The allocation over random campaigns: stable, within capacity, the best stable result
for candidates, and the same for the same input and seed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ratusz.education.matching import (
    Candidate,
    allocate,
    blocking_pairs,
    cutoffs,
    lottery_ranks,
)


@st.composite
def campaigns(draw):
    institutions = [f"i{n}" for n in range(draw(st.integers(1, 6)))]
    capacities = {i: draw(st.integers(0, 5)) for i in institutions}
    count = draw(st.integers(0, 30))
    ids = [f"c{n:03d}" for n in range(count)]
    ranks = lottery_ranks(ids, draw(st.integers(0, 2**62)))
    candidates = []
    for candidate_id in ids:
        preferences = draw(st.lists(st.sampled_from(institutions), min_size=0,
                                    max_size=min(3, len(institutions)), unique=True))
        # Few distinct point values, so that ties are common and the lottery decides.
        scores = {i: draw(st.sampled_from([0, 10, 20, 100, 110])) for i in preferences}
        candidates.append(Candidate(candidate_id, tuple(preferences), scores,
                                    ranks[candidate_id], draw(st.booleans())))
    return capacities, candidates


@settings(max_examples=300, deadline=None)
@given(campaigns())
def test_the_allocation_is_stable_and_within_capacity(campaign):
    capacities, candidates = campaign
    assignment = allocate(capacities, candidates)
    assert set(assignment) == {candidate.id for candidate in candidates}
    for candidate in candidates:
        placed = assignment[candidate.id]
        assert placed is None or placed in candidate.preferences
    for institution, capacity in capacities.items():
        assert sum(1 for placed in assignment.values() if placed == institution) <= capacity
    assert blocking_pairs(capacities, candidates, assignment) == []


@settings(max_examples=100, deadline=None)
@given(campaigns())
def test_the_same_input_gives_the_same_allocation_in_any_order(campaign):
    capacities, candidates = campaign
    assert allocate(capacities, candidates) == allocate(capacities, list(reversed(candidates)))


@settings(max_examples=100, deadline=None)
@given(campaigns())
def test_non_residents_get_a_place_only_where_no_resident_is_refused_it(campaign):
    capacities, candidates = campaign
    assignment = allocate(capacities, candidates)
    for institution in capacities:
        refused_residents = [c for c in candidates if c.resident and institution in
                             c.preferences and assignment[c.id] != institution and (
                                 assignment[c.id] is None or
                                 c.preferences.index(institution) <
                                 c.preferences.index(assignment[c.id]))]
        if refused_residents:
            assert not any(not c.resident for c in candidates
                           if assignment[c.id] == institution)


def test_points_then_the_lottery_decide_and_the_cutoff_names_the_last_admitted():
    capacities = {"A": 1, "B": 1}
    candidates = [Candidate("x", ("A", "B"), {"A": 10, "B": 10}, 2, True),
                  Candidate("y", ("A",), {"A": 10}, 1, True),
                  Candidate("z", ("A", "B"), {"A": 0, "B": 30}, 3, True)]
    assignment = allocate(capacities, candidates)
    assert assignment == {"y": "A", "z": "B", "x": None}
    lowest = cutoffs(capacities, candidates, assignment)
    assert lowest["A"] == {"capacity": 1, "admitted": 1, "points": 10, "tie_break": 1,
                           "resident": True}
    assert lowest["B"]["points"] == 30


def test_the_lottery_depends_only_on_the_candidates_and_the_seed():
    ids = [f"c{n}" for n in range(50)]
    assert lottery_ranks(ids, 7) == lottery_ranks(list(reversed(ids)), 7)
    assert lottery_ranks(ids, 7) != lottery_ranks(ids, 8)
    assert sorted(lottery_ranks(ids, 7).values()) == list(range(1, 51))
