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

from ratusz.core.effects import after_commit
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
    CriterionStage,
    DeclarationStatus,
    Enrolment,
    EnrolmentSource,
    ListKind,
    Offer,
    PublishedList,
    Round,
    Score,
)
from ratusz.education.services import news
from ratusz.education.services.common import lock_campaign, polish_date, today
from ratusz.education.services.enrolments import admit_within

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


def score_application(campaign: Campaign, application: Application, offers: list[int],
                      declared: list) -> dict[int, tuple[int, int, int, list]]:
    """Per preferred offer: (statutory criteria met, council's points, points, reasons).
    Only what the commission confirmed counts; a per-institution criterion counts at its
    institution only."""
    result = {}
    for offer_id in offers:
        statutory, council, reasons = 0, 0, []
        for item in declared:
            criterion = item.criterion
            if item.offer_id is not None and item.offer_id != offer_id:
                continue
            counted = item.status == DeclarationStatus.CONFIRMED
            value = campaign.statutory_points if criterion.stage == \
                CriterionStage.STATUTORY else criterion.points
            if counted and criterion.stage == CriterionStage.STATUTORY:
                statutory += 1
            elif counted:
                council += criterion.points
            reasons.append({"code": criterion.code, "name": criterion.name,
                            "stage": criterion.stage, "points": value if counted else 0,
                            "status": item.status})
        result[offer_id] = (statutory, council,
                            statutory * campaign.statutory_points + council, reasons)
    return result


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
                        .prefetch_related("preferences", "declared__criterion"))
    offers = {offer.pk: offer for offer in Offer.objects.filter(campaign=campaign)
              .select_related("institution__unit")}
    free = capacities(campaign, round_)
    ranks = matching.lottery_ranks([a.candidate_code for a in applications], campaign.seed)
    candidates, scores = [], {}
    for application in applications:
        preferred = [p.offer_id for p in sorted(application.preferences.all(),
                                                key=lambda p: p.rank)]
        scored = score_application(campaign, application, preferred,
                                   list(application.declared.all()))
        scores[application.pk] = scored
        candidates.append({
            "id": application.candidate_code,
            "preferences": [offers[o].institution_id for o in preferred],
            "scores": {str(offers[o].institution_id): scored[o][2] for o in preferred},
            "tie_break": ranks[application.candidate_code],
            "resident": application.is_resident})
    candidates.sort(key=lambda c: c["id"])
    document = {
        "seed": campaign.seed,
        "institutions": [{"id": offer.institution_id, "name": offer.institution.name,
                          "capacity": free[offer.pk]}
                         for offer in sorted(offers.values(),
                                             key=lambda o: o.institution_id)],
        "candidates": candidates,
    }
    return document, {"scores": scores, "applications": applications, "offers": offers}


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
    applications = extra["applications"]
    Score.objects.filter(application__in=applications).delete()
    Score.objects.bulk_create([
        Score(municipality_id=campaign.municipality_id, application_id=application_id,
              offer_id=offer_id, statutory_count=statutory, council_points=council,
              points=points, reasons=reasons)
        for application_id, per_offer in extra["scores"].items()
        for offer_id, (statutory, council, points, reasons) in per_offer.items()],
        batch_size=2000)
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=allocation,
                 after={"round": round_, "seed": campaign.seed, "digest": inputs_digest,
                        "candidates": len(applications),
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


def _list_entries(applications: list[Application], offer_id: int, placed) -> list[dict]:
    """The list's content: names in alphabetical order and each one's result."""
    listed = [a for a in applications if offer_id in a.offer_ids]
    listed.sort(key=lambda a: (a.child.last_name.casefold(), a.child.first_name.casefold(),
                               a.candidate_code))
    return [{"name": f"{a.child.last_name} {a.child.first_name}",
             "result": placed(a, offer_id)} for a in listed]


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
    by_code = {a.candidate_code: a for a in extra["applications"]}
    offer_of_institution = {o.institution_id: o for o in extra["offers"].values()}
    ranks = {c["id"]: c["tie_break"] for c in document["candidates"]}
    now = timezone.now()
    for code, institution_id in allocation.data["assignments"].items():
        application = by_code[code]
        offer = offer_of_institution.get(institution_id) if institution_id else None
        application.status = ApplicationStatus.QUALIFIED if offer else \
            ApplicationStatus.NOT_QUALIFIED
        application.qualified_offer = offer
        application.tie_break_rank = ranks[code]
        application.decided_at = now
        application.offer_ids = {p.offer_id for p in application.preferences.all()}
    Application.objects.bulk_update(list(by_code.values()),
                                    ["status", "qualified_offer", "tie_break_rank",
                                     "decided_at"], batch_size=2000)
    lists = PublishedList.objects.bulk_create([
        PublishedList(municipality_id=campaign.municipality_id, campaign=campaign,
                      round=round_, offer=offer, kind=ListKind.QUALIFIED, posted_on=posted_on,
                      published_by=acting_user,
                      entries=_list_entries(list(by_code.values()), offer.pk, lambda a, o: (
                          "zakwalifikowany" if a.qualified_offer_id == o
                          else "niezakwalifikowany")))
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
    for application in by_code.values():
        after_commit(news.notify, application.pk, "qualified_list", f"qualified:{round_}")
    return lists


@transaction.atomic(durable=True)
def publish_admitted_lists(campaign: Campaign, *, acting_user,
                           posted_on: datetime.date | None = None) -> list[PublishedList]:
    """The lists of admitted and not admitted candidates (art. 158 ust. 3–4): a qualified
    candidate whose will was confirmed is admitted, one without confirmation loses the
    place; each list gives the lowest number of points that admitted."""
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
    applications = list(_participants(campaign, round_).filter(status__in=TAKING_PART)
                        .prefetch_related("preferences"))
    offers = list(Offer.objects.filter(campaign=campaign))
    points = {(s.application_id, s.offer_id): s.points for s in Score.objects.filter(
        application__campaign=campaign, application__round=round_)}
    lowest: dict[int, int] = {}
    now = timezone.now()
    rest = []
    for application in applications:
        application.offer_ids = {p.offer_id for p in application.preferences.all()}
        if application.status == ApplicationStatus.CONFIRMED:
            offer_id = application.qualified_offer_id
            admit_within(application, acting_user=acting_user,
                         offer=next(o for o in offers if o.pk == offer_id),
                         source=EnrolmentSource.RECRUITMENT)
            value = points.get((application.pk, offer_id), 0)
            lowest[offer_id] = min(lowest.get(offer_id, value), value)
        elif application.status != ApplicationStatus.ADMITTED:
            application.status = ApplicationStatus.NOT_ADMITTED
            application.decided_at = now
            rest.append(application)
    Application.objects.bulk_update(rest, ["status", "decided_at"], batch_size=2000)
    lists = PublishedList.objects.bulk_create([
        PublishedList(municipality_id=campaign.municipality_id, campaign=campaign,
                      round=round_, offer=offer, kind=ListKind.ADMITTED, posted_on=posted_on,
                      lowest_points=lowest.get(offer.pk), published_by=acting_user,
                      entries=_list_entries(applications, offer.pk, lambda a, o: (
                          "przyjęty" if a.status == ApplicationStatus.ADMITTED and
                          a.qualified_offer_id == o else "nieprzyjęty")))
        for offer in offers])
    if round_ == Round.MAIN:
        campaign.status = CampaignStatus.ADMITTED
        campaign.save(update_fields=["status"])
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=campaign,
                 after={"published": "admitted", "round": round_,
                        "posted_on": posted_on.isoformat()})
    for application in applications:
        after_commit(news.notify, application.pk, "admitted_list", f"admitted:{round_}")
    return lists


__all__ = ["allocate_campaign", "build_input", "capacities", "latest_allocation",
           "publish_admitted_lists", "publish_qualified_lists", "round_of", "run_matching",
           "score_application"]
