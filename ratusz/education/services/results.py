"""Scoring, allocation and the lists (art. 131, 157–158 Prawo oświatowe).

`allocate_campaign` scores every verified candidate at each preferred institution and
runs `ratusz.education.matching` on the whole input: the same input with the same seed
is the same run (idempotent). `publish_qualified_lists` and `publish_admitted_lists` turn
a run into results and posted lists in one transaction each: every application and every
list of the round at once, or nothing (never half-published)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.effects import enqueue_after_commit
from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.education import matching
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    Allocation,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Campaign,
    CampaignStatus,
    Criterion,
    CriterionStage,
    DeclarationStatus,
    DeclaredCriterion,
    Enrolment,
    EnrolmentSource,
    ListKind,
    Offer,
    Preference,
    PublishedList,
    Round,
    Score,
)
from ratusz.education.services.common import lock_campaign, polish_date, today

#: Applications that take part in the allocation of their round.
TAKING_PART = [ApplicationStatus.VERIFIED, ApplicationStatus.QUALIFIED,
               ApplicationStatus.NOT_QUALIFIED, ApplicationStatus.CONFIRMED,
               ApplicationStatus.ADMITTED, ApplicationStatus.NOT_ADMITTED]
WAITING = [ApplicationStatus.SUBMITTED, ApplicationStatus.DOCUMENTS_REQUESTED]


def round_of(campaign: Campaign) -> str:
    return Round.SUPPLEMENTARY if campaign.status == CampaignStatus.SUPPLEMENTARY \
        else Round.MAIN


def capacities(campaign: Campaign, round_: str) -> dict[int, int]:
    """Free places per offer: the places less the continuations and catchment-area
    registrations (art. 153 ust. 2, art. 133 ust. 1); in the supplementary round, less every
    place given in the main round too."""
    offers = list(Offer.objects.filter(campaign=campaign))
    taken = Enrolment.objects.filter(municipality_id=campaign.municipality_id,
                                     school_year=campaign.year)
    if round_ == Round.MAIN:
        taken = taken.filter(source__in=[EnrolmentSource.CONTINUATION,
                                         EnrolmentSource.CATCHMENT])
    else:
        taken = taken.exclude(application__round=Round.SUPPLEMENTARY)
    counts: dict[int, int] = defaultdict(int)
    for institution_id in taken.values_list("institution_id", flat=True):
        counts[institution_id] += 1
    return {offer.pk: max(offer.places - counts[offer.institution_id], 0) for offer in offers}


def _participants(campaign: Campaign, round_: str):
    return (Application.objects.filter(campaign=campaign, round=round_,
                                       kind=ApplicationKind.APPLICATION)
            .select_related("child"))


def score_application(campaign: Campaign, criteria: dict, offers: list[int],
                      declared: list[tuple[int, int | None, str]]
                      ) -> dict[int, tuple[int, int, int, list]]:
    """Per preferred offer: (statutory criteria met, council's points, points, reasons).
    `declared` holds (criterion id, offer id or None, status). Only what the commission
    confirmed counts; a per-institution criterion counts at its institution only."""
    result = {}
    for offer_id in offers:
        statutory, council, reasons = 0, 0, []
        for criterion_id, declared_offer, status in declared:
            criterion = criteria[criterion_id]
            if declared_offer is not None and declared_offer != offer_id:
                continue
            counted = status == DeclarationStatus.CONFIRMED
            value = campaign.statutory_points if criterion.stage == \
                CriterionStage.STATUTORY else criterion.points
            if counted and criterion.stage == CriterionStage.STATUTORY:
                statutory += 1
            elif counted:
                council += criterion.points
            reasons.append({"code": criterion.code, "name": criterion.name,
                            "stage": criterion.stage, "points": value if counted else 0,
                            "status": status})
        result[offer_id] = (statutory, council,
                            statutory * campaign.statutory_points + council, reasons)
    return result


def _rows_by_application(model, campaign: Campaign, round_: str, *fields: str
                         ) -> dict[int, list[tuple]]:
    """Rows of `model` of the applications taking part, grouped by application (plain
    tuples: thousands of applications are read in one query each, not one per row)."""
    grouped: dict[int, list[tuple]] = defaultdict(list)
    for application_id, *values in model.objects.filter(
            application__campaign=campaign, application__round=round_,
            application__kind=ApplicationKind.APPLICATION,
            application__status__in=TAKING_PART).values_list("application_id", *fields):
        grouped[application_id].append(tuple(values))
    return grouped


def build_input(campaign: Campaign, round_: str) -> tuple[dict, dict]:
    """The allocation's whole input as published (ids opaque, no names, no PESEL), and
    the scores per application and offer to store with their reasons."""
    if campaign.seed is None:
        raise EducationError("no_seed", _("Draw the lottery in front of the commission "
                                          "first."))
    participants = _participants(campaign, round_)
    waiting = participants.filter(status__in=WAITING).count()
    if waiting:
        raise EducationError("unverified_applications", _(
            "Verify every application before the allocation: %(count)s still wait."),
            count=waiting)
    applications = list(participants.filter(status__in=TAKING_PART)
                        .values_list("pk", "candidate_code", "is_resident"))
    preferences = _rows_by_application(Preference, campaign, round_, "rank", "offer_id")
    declared = _rows_by_application(DeclaredCriterion, campaign, round_, "criterion_id",
                                    "offer_id", "status")
    criteria = {c.pk: c for c in Criterion.objects.filter(campaign=campaign)}
    offers = {offer.pk: offer for offer in Offer.objects.filter(campaign=campaign)
              .select_related("institution__unit")}
    free = capacities(campaign, round_)
    ranks = matching.lottery_ranks([code for _pk, code, _r in applications], campaign.seed)
    candidates, scores = [], {}
    for pk, code, resident in applications:
        preferred = [offer_id for _rank, offer_id in sorted(preferences[pk])]
        scored = score_application(campaign, criteria, preferred, declared[pk])
        scores[pk] = scored
        candidates.append({
            "id": code,
            "preferences": [offers[o].institution_id for o in preferred],
            "scores": {str(offers[o].institution_id): scored[o][2] for o in preferred},
            "tie_break": ranks[code],
            "resident": resident})
    candidates.sort(key=lambda c: c["id"])
    document = {
        "seed": campaign.seed,
        "institutions": [{"id": offer.institution_id, "name": offer.institution.name,
                          "capacity": free[offer.pk]}
                         for offer in sorted(offers.values(),
                                             key=lambda o: o.institution_id)],
        "candidates": candidates,
    }
    return document, {"scores": scores, "offers": offers, "preferences": preferences,
                      "application_ids": [pk for pk, _c, _r in applications],
                      "ranks": {pk: ranks[code] for pk, code, _r in applications}}


def run_matching(document: dict) -> tuple[dict, dict]:
    """The assignments and cutoffs of a published input (anyone can run this)."""
    capacity = {str(i["id"]): i["capacity"] for i in document["institutions"]}
    candidates = [matching.Candidate(c["id"], tuple(str(p) for p in c["preferences"]),
                                     dict(c["scores"]), c["tie_break"],
                                     c["resident"]) for c in document["candidates"]]
    assignment = matching.allocate(capacity, candidates)
    cut = matching.cutoffs(capacity, candidates, assignment)
    return ({cid: (int(i) if i is not None else None) for cid, i in sorted(assignment.items())},
            cut)


@transaction.atomic(durable=True)
def allocate_campaign(campaign: Campaign, *, acting_user) -> tuple[Allocation, bool]:
    """Run the allocation of the campaign's current round. The same input with the same
    seed returns the run made before (created False); once the round's lists are out, a
    changed input is refused rather than allowed to contradict them."""
    campaign = lock_campaign(campaign)
    round_ = round_of(campaign)
    if campaign.status in (CampaignStatus.DRAFT,):
        raise EducationError("not_open", _("The recruitment has not opened yet."))
    document, extra = build_input(campaign, round_)
    inputs_digest = matching.digest(document)
    existing = Allocation.objects.filter(campaign=campaign, round=round_,
                                         inputs_digest=inputs_digest, seed=campaign.seed).first()
    if existing is not None:
        return existing, False
    if _published(campaign, round_, ListKind.QUALIFIED):
        raise EducationError("lists_published", _(
            "The lists of this round are published; the allocation can no longer change."))
    assignments, cut = run_matching(document)
    allocation = Allocation.objects.create(
        municipality_id=campaign.municipality_id, campaign=campaign, round=round_,
        seed=campaign.seed, inputs_digest=inputs_digest, algorithm=matching.ALGORITHM,
        data={**document, "assignments": assignments}, cutoffs=cut, created_by=acting_user)
    Score.objects.filter(application__campaign=campaign, application__round=round_).delete()
    ranks = extra["ranks"]
    Score.objects.bulk_create([
        Score(municipality_id=campaign.municipality_id, application_id=application_id,
              offer_id=offer_id, statutory_count=statutory, council_points=council,
              points=points, tie_break=ranks[application_id], reasons=reasons)
        for application_id, per_offer in extra["scores"].items()
        for offer_id, (statutory, council, points, reasons) in per_offer.items()],
        batch_size=5000)
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=allocation,
                 after={"round": round_, "seed": campaign.seed, "digest": inputs_digest,
                        "candidates": len(assignments),
                        "placed": sum(1 for v in assignments.values() if v is not None)})
    return allocation, True


def _published(campaign: Campaign, round_: str, kind: str) -> bool:
    return PublishedList.objects.filter(campaign=campaign, round=round_, kind=kind).exists()


def latest_allocation(campaign: Campaign, round_: str | None = None) -> Allocation | None:
    allocations = Allocation.objects.filter(campaign=campaign)
    if round_:
        allocations = allocations.filter(round=round_)
    return allocations.order_by("-created_at", "-pk").first()


def _posting_day(posted_on: datetime.date | None, scheduled: datetime.date) -> datetime.date:
    posted_on = posted_on or today()
    if posted_on < scheduled or posted_on > today():
        raise EducationError("outside_timetable", _("By the timetable this list is posted on "
                                                    "%(date)s."), date=polish_date(scheduled))
    return posted_on


def _listed(preferences: dict[int, list[tuple]]) -> dict[int, list[int]]:
    """Per offer, the applications that named it."""
    listed: dict[int, list[int]] = defaultdict(list)
    for application_id, rows in preferences.items():
        for _rank, offer_id in rows:
            listed[offer_id].append(application_id)
    return listed


def _names(application_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    return {pk: (last, first, code) for pk, last, first, code in Application.objects.filter(
        pk__in=application_ids).values_list("pk", "child__last_name", "child__first_name",
                                            "candidate_code")}


def _entries(application_ids: list[int], names: dict, result) -> list[dict]:
    """The list's content: names in alphabetical order and each one's result."""
    ordered = sorted(application_ids, key=lambda pk: (names[pk][0].casefold(),
                                                      names[pk][1].casefold(), names[pk][2]))
    return [{"name": f"{names[pk][0]} {names[pk][1]}", "result": result(pk)}
            for pk in ordered]


def _notify_all(application_ids: list[int], event: str, ref: str) -> None:
    """The parents' news of a list, after the commit, as one background task."""
    enqueue_after_commit("education.notify_applications", application_ids, event, ref)


@transaction.atomic(durable=True)
def publish_qualified_lists(campaign: Campaign, *, acting_user,
                            posted_on: datetime.date | None = None) -> list[PublishedList]:
    """The commission's lists of qualified and not qualified candidates (art. 158 ust. 1),
    from the allocation of the current input: every result and every list at once."""
    campaign = lock_campaign(campaign)
    round_ = round_of(campaign)
    if campaign.status not in (CampaignStatus.OPEN, CampaignStatus.SUPPLEMENTARY) or \
            _published(campaign, round_, ListKind.QUALIFIED):
        raise EducationError("wrong_stage", _("The recruitment is not at the stage for this "
                                              "step."))
    scheduled = campaign.supplementary_qualified_list_on if round_ == Round.SUPPLEMENTARY \
        else campaign.qualified_list_on
    posted_on = _posting_day(posted_on, scheduled)
    document, extra = build_input(campaign, round_)
    allocation = Allocation.objects.filter(
        campaign=campaign, round=round_, seed=campaign.seed,
        inputs_digest=matching.digest(document)).first()
    if allocation is None:
        raise EducationError("allocation_stale", _("The applications changed since the "
                                                   "allocation (or it has not run): run it "
                                                   "again."))
    ids = extra["application_ids"]
    names = _names(ids)
    pk_of_code = {names[pk][2]: pk for pk in ids}
    offer_of_institution = {o.institution_id: o.pk for o in extra["offers"].values()}
    placed: dict[int, int | None] = {}
    for code, institution_id in allocation.data["assignments"].items():
        placed[pk_of_code[code]] = offer_of_institution.get(institution_id)
    now = timezone.now()
    by_offer: dict[int | None, list[int]] = defaultdict(list)
    for pk, offer_id in placed.items():
        by_offer[offer_id].append(pk)
    for offer_id, members in by_offer.items():
        Application.objects.filter(pk__in=members).update(
            status=ApplicationStatus.QUALIFIED if offer_id else ApplicationStatus.NOT_QUALIFIED,
            qualified_offer_id=offer_id, decided_at=now)
    listed = _listed(extra["preferences"])
    lists = PublishedList.objects.bulk_create([
        PublishedList(municipality_id=campaign.municipality_id, campaign=campaign,
                      round=round_, offer=offer, kind=ListKind.QUALIFIED, posted_on=posted_on,
                      published_by=acting_user,
                      entries=_entries(listed[offer.pk], names, lambda pk, o=offer.pk: (
                          "zakwalifikowany" if placed[pk] == o else "niezakwalifikowany")))
        for offer in extra["offers"].values()])
    allocation.published_at = now
    allocation.save(update_fields=["published_at"])
    if round_ == Round.MAIN:
        campaign.status = CampaignStatus.QUALIFIED
        campaign.save(update_fields=["status"])
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=campaign,
                 after={"published": "qualified", "round": round_,
                        "posted_on": posted_on.isoformat(), "allocation": allocation.pk})
    _notify_all(ids, "qualified_list", f"qualified:{round_}")
    return lists


@transaction.atomic(durable=True)
def publish_admitted_lists(campaign: Campaign, *, acting_user,
                           posted_on: datetime.date | None = None) -> list[PublishedList]:
    """The lists of admitted and not admitted candidates (art. 158 ust. 3–4): a qualified
    candidate whose will was confirmed is admitted (an enrolment for the school year), one
    without confirmation loses the place; each list gives the lowest number of points that
    admitted."""
    campaign = lock_campaign(campaign)
    round_ = round_of(campaign)
    expected = CampaignStatus.SUPPLEMENTARY if round_ == Round.SUPPLEMENTARY \
        else CampaignStatus.QUALIFIED
    if campaign.status != expected or not _published(campaign, round_, ListKind.QUALIFIED) \
            or _published(campaign, round_, ListKind.ADMITTED):
        raise EducationError("wrong_stage", _("The recruitment is not at the stage for this "
                                              "step."))
    scheduled = campaign.supplementary_admitted_list_on if round_ == Round.SUPPLEMENTARY \
        else campaign.admitted_list_on
    posted_on = _posting_day(posted_on, scheduled)
    rows = list(_participants(campaign, round_).filter(status__in=TAKING_PART).values_list(
        "pk", "status", "qualified_offer_id", "child_id"))
    confirmed = [(pk, offer_id, child) for pk, status, offer_id, child in rows
                 if status == ApplicationStatus.CONFIRMED]
    institution_of = dict(Offer.objects.filter(campaign=campaign).values_list(
        "pk", "institution_id"))
    enrolled = set(Enrolment.objects.filter(
        municipality_id=campaign.municipality_id, school_year=campaign.year,
        child_id__in=[child for _pk, _o, child in confirmed]).values_list("child_id",
                                                                         flat=True))
    if enrolled:
        raise EducationError("already_enrolled_many", _(
            "%(count)s confirmed children already have a place for this school year: "
            "settle them first."), count=len(enrolled))
    now = timezone.now()
    Enrolment.objects.bulk_create([
        Enrolment(municipality_id=campaign.municipality_id, child_id=child,
                  institution_id=institution_of[offer_id], school_year=campaign.year,
                  source=EnrolmentSource.RECRUITMENT, application_id=pk,
                  created_by=acting_user)
        for pk, offer_id, child in confirmed], batch_size=2000)
    admitted = {pk: offer_id for pk, offer_id, _child in confirmed}
    admitted.update({pk: offer_id for pk, status, offer_id, _c in rows
                     if status == ApplicationStatus.ADMITTED})
    Application.objects.filter(pk__in=[pk for pk, *_r in confirmed]).update(
        status=ApplicationStatus.ADMITTED, decided_at=now)
    Application.objects.filter(pk__in=[pk for pk, *_r in rows if pk not in admitted]).update(
        status=ApplicationStatus.NOT_ADMITTED, decided_at=now)
    points = {(a, o): p for a, o, p in Score.objects.filter(
        application__campaign=campaign, application__round=round_).values_list(
        "application_id", "offer_id", "points")}
    lowest: dict[int, int] = {}
    for pk, offer_id in admitted.items():
        value = points.get((pk, offer_id), 0)
        lowest[offer_id] = min(lowest.get(offer_id, value), value)
    preferences = _rows_by_application(Preference, campaign, round_, "rank", "offer_id")
    listed = _listed(preferences)
    names = _names([pk for pk, *_r in rows])
    lists = PublishedList.objects.bulk_create([
        PublishedList(municipality_id=campaign.municipality_id, campaign=campaign,
                      round=round_, offer_id=offer_id, kind=ListKind.ADMITTED,
                      posted_on=posted_on, lowest_points=lowest.get(offer_id),
                      published_by=acting_user,
                      entries=_entries(listed[offer_id], names, lambda pk, o=offer_id: (
                          "przyjęty" if admitted.get(pk) == o else "nieprzyjęty")))
        for offer_id in institution_of])
    if round_ == Round.MAIN:
        campaign.status = CampaignStatus.ADMITTED
        campaign.save(update_fields=["status"])
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=campaign,
                 after={"published": "admitted", "round": round_,
                        "posted_on": posted_on.isoformat(), "admitted": len(admitted)})
    _notify_all([pk for pk, *_r in rows], "admitted_list", f"admitted:{round_}")
    return lists


__all__ = ["allocate_campaign", "build_input", "capacities", "latest_allocation",
           "publish_admitted_lists", "publish_qualified_lists", "round_of", "run_matching",
           "score_application"]
