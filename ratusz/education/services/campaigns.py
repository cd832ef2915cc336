"""Setting up a recruitment: the campaign and its timetable (the wójt's order, art. 154),
the institutions with their places, the criteria (art. 131), continuation declarations
(art. 153), the lottery drawn in front of the commission, the rounds."""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases import selectors as ezd_selectors
from ratusz.core.models import AuditAction, Department, Unit
from ratusz.core.services import record_audit
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    STATUTORY_CRITERIA,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Criterion,
    CriterionStage,
    Enrolment,
    EnrolmentSource,
    Institution,
    Offer,
)
from ratusz.education.services.children import ChildData, child_for
from ratusz.education.services.common import clean_text, lock_campaign, polish_date, today

#: The main round's dates in the order they must come (each not before the previous).
MAIN_TIMETABLE = ["continuation_from", "continuation_until", "applications_from",
                  "applications_until", "verification_until", "qualified_list_on",
                  "confirmation_until", "admitted_list_on"]
SUPPLEMENTARY_TIMETABLE = ["supplementary_from", "supplementary_until",
                           "supplementary_qualified_list_on",
                           "supplementary_confirmation_until",
                           "supplementary_admitted_list_on"]
#: At most six criteria of the council [unverified: art. 131 ust. 6 as read in practice].
MAX_COUNCIL_CRITERIA = 6
MAX_PREFERENCES_ALLOWED = 10


def check_timetable(dates: dict[str, datetime.date | None], year: int) -> None:
    """Every date of the main round given, in order and in the recruitment's year; the
    supplementary round all or nothing, after the main one."""
    labels = {name: Campaign._meta.get_field(name).verbose_name
              for name in MAIN_TIMETABLE + SUPPLEMENTARY_TIMETABLE}
    for name in MAIN_TIMETABLE:
        if not isinstance(dates.get(name), datetime.date):
            raise EducationError("timetable_incomplete", _("Give the date “%(field)s” of the "
                                                           "timetable."), field=labels[name])
    supplementary = [dates.get(name) for name in SUPPLEMENTARY_TIMETABLE]
    if any(supplementary) and not all(supplementary):
        raise EducationError("timetable_incomplete", _("Give every date of the supplementary "
                                                       "round, or none."))
    order = MAIN_TIMETABLE + (SUPPLEMENTARY_TIMETABLE if all(supplementary) else [])
    for earlier, later in zip(order, order[1:], strict=False):
        if dates[later] < dates[earlier]:
            raise EducationError("timetable_order", _("The timetable is out of order: "
                                                      "“%(later)s” comes before “%(earlier)s”."),
                                 later=labels[later], earlier=labels[earlier])
    for name in order:
        if dates[name].year != year:
            raise EducationError("timetable_year", _("The date “%(field)s” is not in the "
                                                     "recruitment's year %(year)s."),
                                 field=labels[name], year=year)


@transaction.atomic(durable=True)
def create_campaign(municipality, *, acting_user, year: int, kind: str, name: str,
                    dates: dict[str, datetime.date | None], max_preferences: int = 3,
                    statutory_points: int = 100, timetable_act: str = "",
                    criteria_act: str = "", tie_break_rule: str = "",
                    appeals_department: Department | None = None,
                    appeals_jrwa_symbol: str = "402") -> Campaign:
    """A recruitment for the school year starting in September of `year`. A preschool
    campaign gets the seven statutory criteria of art. 131 ust. 2 (equal value); the
    council's criteria are added with `add_criterion`."""
    if kind not in CampaignKind.values:
        raise EducationError("kind_invalid", _("Choose the kind of recruitment."))
    if not 2000 <= year <= today().year + 1:
        raise EducationError("year_invalid", _("The year %(year)s is out of range."),
                             year=year)
    name = clean_text(name, name=str(_("name")), limit=200, required=True)
    check_timetable(dates, year)
    if not 1 <= max_preferences <= MAX_PREFERENCES_ALLOWED:
        raise EducationError("max_preferences_invalid", _("The number of preferences must be "
                                                          "between 1 and %(limit)s."),
                             limit=MAX_PREFERENCES_ALLOWED)
    if Campaign.objects.for_municipality(municipality).filter(year=year, kind=kind).exists():
        raise EducationError("campaign_exists", _("This gmina already has a recruitment of "
                                                  "this kind for %(year)s."), year=year)
    if appeals_department is not None and appeals_department.municipality_id != \
            municipality.pk:
        raise EducationError("department_not_found", _("There is no such department."))
    campaign = Campaign(
        municipality=municipality, year=year, kind=kind, name=name,
        max_preferences=max_preferences, statutory_points=statutory_points,
        timetable_act=clean_text(timetable_act, name="timetable_act", limit=300),
        criteria_act=clean_text(criteria_act, name="criteria_act", limit=300),
        appeals_department=appeals_department,
        appeals_jrwa_symbol=clean_text(appeals_jrwa_symbol, name="jrwa", limit=20) or "402",
        **{name: dates.get(name) for name in MAIN_TIMETABLE + SUPPLEMENTARY_TIMETABLE})
    if tie_break_rule:
        campaign.tie_break_rule = clean_text(tie_break_rule, name="tie_break_rule", limit=500)
    campaign.save()
    if kind == CampaignKind.PRESCHOOL:
        Criterion.objects.bulk_create([
            Criterion(municipality=municipality, campaign=campaign,
                      stage=CriterionStage.STATUTORY, code=code, name=label,
                      points=statutory_points, documents=documents, position=position)
            for position, (code, label, documents) in enumerate(STATUTORY_CRITERIA, 1)])
    record_audit(municipality=municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=campaign,
                 after={"year": year, "kind": kind, "name": name})
    return campaign


@transaction.atomic(durable=True)
def ensure_institution(unit: Unit, *, acting_user, kind: str) -> Institution:
    """The unit as an education institution (made once)."""
    institution = Institution.objects.for_municipality(unit.municipality_id).filter(
        unit=unit).first()
    if institution is None:
        institution = Institution.objects.create(municipality_id=unit.municipality_id,
                                                 unit=unit, kind=kind)
        record_audit(municipality=unit.municipality, acting_user=acting_user,
                     action=AuditAction.CREATED, target=institution, after={"kind": kind})
    return institution


def _editable(campaign: Campaign) -> None:
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.OPEN):
        raise EducationError("campaign_closed_for_changes", _("The places and criteria "
                                                              "cannot change after the "
                                                              "allocation."))


@transaction.atomic(durable=True)
def add_offer(campaign: Campaign, *, acting_user, institution: Institution, places: int,
              groups: str = "") -> Offer:
    """An institution takes part with its places (before continuations and catchment
    registrations, which `capacity` subtracts); given again, its places change."""
    campaign = lock_campaign(campaign)
    _editable(campaign)
    if institution.municipality_id != campaign.municipality_id:
        raise EducationError("institution_not_found", _("There is no such institution."))
    if not 0 <= places <= 10_000:
        raise EducationError("places_invalid", _("The number of places must be between 0 and "
                                                 "10,000."))
    groups = clean_text(groups, name=str(_("groups or classes")), limit=300)
    offer, created = Offer.objects.update_or_create(
        municipality_id=campaign.municipality_id, campaign=campaign, institution=institution,
        defaults={"places": places, "groups": groups})
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED if created else AuditAction.UPDATED, target=offer,
                 after={"places": places, "groups": groups})
    return offer


@transaction.atomic(durable=True)
def add_criterion(campaign: Campaign, *, acting_user, name: str, points: int,
                  documents: str = "", per_institution: bool = False,
                  code: str = "") -> Criterion:
    """A criterion the council adopted (stage 2, art. 131 ust. 4) with its points and the
    documents that prove it."""
    campaign = lock_campaign(campaign)
    if campaign.status != CampaignStatus.DRAFT:
        raise EducationError("criteria_fixed", _("Criteria can be added only before the "
                                                 "recruitment opens."))
    name = clean_text(name, name=str(_("name")), limit=300, required=True)
    documents = clean_text(documents, name=str(_("documents that prove it")), limit=500)
    council = Criterion.objects.filter(campaign=campaign, stage=CriterionStage.COUNCIL)
    if council.count() >= MAX_COUNCIL_CRITERIA:
        raise EducationError("too_many_criteria", _("The council may adopt at most %(limit)s "
                                                    "criteria."), limit=MAX_COUNCIL_CRITERIA)
    if not 1 <= points <= 1000:
        raise EducationError("points_invalid", _("A criterion gives between 1 and 1,000 "
                                                 "points."))
    total = (council.aggregate(total=Sum("points"))["total"] or 0) + points
    if campaign.kind == CampaignKind.PRESCHOOL and total >= campaign.statutory_points:
        raise EducationError("points_too_high", _(
            "The council's points together (%(total)s) must stay below the points of one "
            "statutory criterion (%(statutory)s), so that the first stage decides first."),
            total=total, statutory=campaign.statutory_points)
    code = code or f"c{council.count() + 1}"
    criterion = Criterion.objects.create(
        municipality_id=campaign.municipality_id, campaign=campaign,
        stage=CriterionStage.COUNCIL, code=code, name=name, points=points,
        documents=documents, per_institution=per_institution, position=council.count() + 1)
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=criterion,
                 after={"points": points, "per_institution": per_institution})
    return criterion


@transaction.atomic(durable=True)
def open_campaign(campaign: Campaign, *, acting_user) -> Campaign:
    """Open the recruitment: it must have institutions, and each institution's unit must be
    able to register appeals (the department and the JRWA class of the campaign)."""
    campaign = lock_campaign(campaign)
    if campaign.status != CampaignStatus.DRAFT:
        raise EducationError("not_draft", _("The recruitment is already open."))
    offers = list(Offer.objects.filter(campaign=campaign).select_related("institution__unit"))
    if not offers:
        raise EducationError("no_institutions", _("Add the institutions taking part first."))
    if campaign.appeals_department is None:
        raise EducationError("no_appeals_department", _("Choose the department that "
                                                        "registers appeals."))
    for offer in offers:
        unit = offer.institution.unit
        if ezd_selectors.final_class(unit, campaign.appeals_jrwa_symbol) is None:
            raise EducationError("appeals_jrwa_missing", _(
                "The JRWA of %(unit)s has no final class %(symbol)s for appeals: load the "
                "JRWA or choose another class."), unit=unit.name,
                symbol=campaign.appeals_jrwa_symbol)
    campaign.status = CampaignStatus.OPEN
    campaign.save(update_fields=["status"])
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=campaign, after={"status": "open"})
    return campaign


@transaction.atomic(durable=True)
def draw_lottery(campaign: Campaign, *, acting_user, witnesses: str) -> Campaign:
    """Draw the lottery seed in front of the commission, once; it orders the tied
    candidates of every institution and is published with the allocation."""
    campaign = lock_campaign(campaign)
    witnesses = clean_text(witnesses, name=str(_("members of the commission present")),
                           limit=500, required=True,
                           required_message=_("Name the members of the commission present at "
                                              "the draw."))
    if campaign.seed is not None:
        raise EducationError("lottery_drawn", _("The lottery was already drawn on %(date)s."),
                             date=polish_date(timezone.localdate(campaign.seed_drawn_at)))
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.OPEN):
        raise EducationError("lottery_late", _("The lottery is drawn before the allocation."))
    campaign.seed = secrets.randbits(62)
    campaign.seed_drawn_at = timezone.now()
    campaign.seed_drawn_by = acting_user
    campaign.seed_witnesses = witnesses
    campaign.save(update_fields=["seed", "seed_drawn_at", "seed_drawn_by", "seed_witnesses"])
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=campaign,
                 after={"seed": campaign.seed, "witnesses": witnesses})
    return campaign


@transaction.atomic(durable=True)
def record_continuation(campaign: Campaign, *, acting_user, offer: Offer, child: ChildData,
                        declared_on: datetime.date | None = None) -> Enrolment:
    """A parent's declaration that the child continues at the preschool (art. 153 ust. 2),
    within the 7 days before recruitment: it keeps the place and takes it from the
    recruitment."""
    campaign = lock_campaign(campaign)
    declared_on = declared_on or today()
    if offer.campaign_id != campaign.pk:
        raise EducationError("institution_not_found", _("There is no such institution."))
    if campaign.kind != CampaignKind.PRESCHOOL:
        raise EducationError("no_continuation", _("Continuation declarations are made for "
                                                  "preschools only."))
    if not campaign.continuation_from <= declared_on <= campaign.continuation_until or \
            declared_on > today():
        raise EducationError("outside_timetable", _(
            "Continuation declarations are accepted from %(start)s to %(end)s."),
            start=polish_date(campaign.continuation_from),
            end=polish_date(campaign.continuation_until))
    record = child_for(campaign.municipality, child, guardian=None)
    if Enrolment.objects.filter(child=record, school_year=campaign.year).exists():
        raise EducationError("already_enrolled", _("The child already has a place for this "
                                                   "school year."))
    enrolment = Enrolment.objects.create(
        municipality_id=campaign.municipality_id, child=record,
        institution=offer.institution, school_year=campaign.year,
        source=EnrolmentSource.CONTINUATION, created_by=acting_user)
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=enrolment,
                 after={"source": "continuation", "institution": offer.institution_id})
    return enrolment


def _advance(campaign: Campaign, *, acting_user, expected: str, status: str) -> Campaign:
    campaign = lock_campaign(campaign)
    if campaign.status != expected:
        raise EducationError("wrong_stage", _("The recruitment is not at the stage for this "
                                              "step."))
    campaign.status = status
    campaign.save(update_fields=["status"])
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=campaign, after={"status": status})
    return campaign


@transaction.atomic(durable=True)
def open_supplementary_round(campaign: Campaign, *, acting_user) -> Campaign:
    """The supplementary round on the places left, non-residents included."""
    if campaign.supplementary_from is None:
        raise EducationError("no_supplementary_dates", _("Give the dates of the supplementary "
                                                         "round first."))
    return _advance(campaign, acting_user=acting_user, expected=CampaignStatus.ADMITTED,
                    status=CampaignStatus.SUPPLEMENTARY)


@transaction.atomic(durable=True)
def close_campaign(campaign: Campaign, *, acting_user) -> Campaign:
    campaign = lock_campaign(campaign)
    if campaign.status not in (CampaignStatus.ADMITTED, CampaignStatus.SUPPLEMENTARY):
        raise EducationError("wrong_stage", _("The recruitment is not at the stage for this "
                                              "step."))
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.UPDATED, target=campaign, after={"status": "closed"})
    return campaign
