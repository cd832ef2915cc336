"""Reads of the education app; every read of a gmina's rows takes the gmina. Protected rows
come through `access_…` functions: missing, foreign and forbidden look the same (None)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from ratusz.accounts import selectors as account_selectors
from ratusz.accounts.permissions import Role
from ratusz.core.models import Department, Locality, Unit, UnitKind
from ratusz.education.models import (
    Allocation,
    Appeal,
    AppealDecision,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    Campaign,
    CampaignStatus,
    Criterion,
    Institution,
    Justification,
    ListKind,
    Offer,
    PublishedList,
    Score,
)
from ratusz.education.models.attendance import (
    Absence,
    AttendanceAgreement,
    FeeStatement,
    Presence,
    StatementStatus,
)
from ratusz.payments import selectors as payment_selectors

#: Statuses after the qualified lists: the result exists and can be explained.
WITH_RESULT = [ApplicationStatus.QUALIFIED, ApplicationStatus.NOT_QUALIFIED,
               ApplicationStatus.CONFIRMED, ApplicationStatus.ADMITTED,
               ApplicationStatus.NOT_ADMITTED]


def campaigns(municipality) -> QuerySet[Campaign]:
    return Campaign.objects.for_municipality(municipality).order_by("-year", "kind")


def public_campaigns(municipality) -> QuerySet[Campaign]:
    """The campaigns parents see: all but those still being prepared."""
    return campaigns(municipality).exclude(status=CampaignStatus.DRAFT)


def access_campaign_by_id(municipality, campaign_id: int) -> Campaign | None:
    return campaigns(municipality).filter(pk=campaign_id).first()


def access_public_campaign(municipality, campaign_id: int) -> Campaign | None:
    return public_campaigns(municipality).filter(pk=campaign_id).first()


def offers(campaign: Campaign) -> list[Offer]:
    return list(Offer.objects.filter(campaign=campaign).select_related("institution__unit"))


def access_offer_by_id(campaign: Campaign, offer_id: int) -> Offer | None:
    return Offer.objects.filter(campaign=campaign, pk=offer_id).select_related(
        "institution__unit").first()


def criteria(campaign: Campaign) -> list[Criterion]:
    return list(Criterion.objects.filter(campaign=campaign))


def institutions(municipality) -> QuerySet[Institution]:
    return Institution.objects.for_municipality(municipality).select_related("unit")


def access_institution_by_id(municipality, institution_id: int) -> Institution | None:
    return institutions(municipality).filter(pk=institution_id).first()


def education_units(municipality) -> QuerySet[Unit]:
    """Units that can be institutions: preschools and schools."""
    return Unit.objects.for_municipality(municipality).filter(
        kind__in=[UnitKind.PRESCHOOL, UnitKind.SCHOOL], is_active=True).order_by("name")


def access_unit_by_id(municipality, unit_id: int) -> Unit | None:
    return education_units(municipality).filter(pk=unit_id).first()


def commission_scope(municipality, user) -> frozenset[int] | None:
    """The institutions whose commission (and director) this officer is: the education
    role held in the department of a preschool's or school's own unit limits the officer
    to those institutions (their applications, lists, justifications and appeals); held
    in the town hall or gmina-wide, it is the education department's and reaches the whole
    gmina (None)."""
    units = {assignment.unit_id for assignment in account_selectors.role_assignments_of(
        municipality, user) if assignment.role == Role.EDUCATION}
    if not units or None in units:
        return None
    institutions = dict(Institution.objects.for_municipality(municipality).filter(
        unit_id__in=units).values_list("unit_id", "pk"))
    if set(institutions) != units:
        return None
    return frozenset(institutions.values())


def in_scope(scope: frozenset[int] | None, institution_id: int | None) -> bool:
    """Whether an officer of `scope` acts for this institution."""
    return scope is None or institution_id in scope


def departments(municipality) -> QuerySet[Department]:
    return Department.objects.for_municipality(municipality).filter(is_active=True)


def access_department_by_id(municipality, department_id: int) -> Department | None:
    return departments(municipality).filter(pk=department_id).first()


def localities(municipality) -> QuerySet[Locality]:
    return Locality.objects.for_municipality(municipality).order_by("name")


def resident_applications(municipality, user) -> QuerySet[Application]:
    """What this parent filed in the gmina, newest first."""
    return (Application.objects.for_municipality(municipality).filter(guardian=user)
            .select_related("campaign", "child", "qualified_offer__institution__unit")
            .order_by("-submitted_at", "-pk"))


def access_resident_application(municipality, user, public_id) -> Application | None:
    """The parent's own application; another's looks missing."""
    return resident_applications(municipality, user).filter(public_id=public_id).first()


def _naming(applications: QuerySet[Application], scope: frozenset[int] | None
            ) -> QuerySet[Application]:
    if scope is None:
        return applications
    return applications.filter(pk__in=Application.objects.filter(
        preferences__offer__institution_id__in=scope).values("pk"))


def campaign_applications(campaign: Campaign, *, offer_id: int | None = None,
                          status: str = "", scope: frozenset[int] | None = None
                          ) -> QuerySet[Application]:
    """The applications of a campaign for the staff (those preferring `offer_id`; for a
    commission, those naming one of its institutions)."""
    applications = _naming(Application.objects.filter(campaign=campaign)
                           .select_related("child", "qualified_offer__institution__unit")
                           .order_by("child__last_name", "child__first_name", "pk"), scope)
    if offer_id:
        applications = applications.filter(preferences__offer_id=offer_id)
    if status:
        applications = applications.filter(status=status)
    return applications


def access_application_by_id(municipality, application_id: int, *,
                             scope: frozenset[int] | None = None) -> Application | None:
    """An application of the gmina; for a commission, only one naming its institution."""
    return _naming(Application.objects.for_municipality(municipality).filter(pk=application_id)
                   .select_related("campaign", "child", "qualified_offer__institution__unit"),
                   scope).first()


def first_choice(application: Application) -> int | None:
    """The institution of the application's first preference (whose commission verifies)."""
    return application.preferences.filter(rank=1).values_list(
        "offer__institution_id", flat=True).first()


def application_details(application: Application) -> dict:
    """Preferences, declared criteria, documents, justifications and appeals of one."""
    return {
        "preferences": list(application.preferences.select_related(
            "offer__institution__unit").order_by("rank")),
        "declared": list(application.declared.select_related(
            "criterion", "offer__institution__unit")),
        "documents": list(application.documents.all()),
        "justifications": list(Justification.objects.filter(application=application)
                               .select_related("offer__institution__unit")),
        "appeals": list(Appeal.objects.filter(application=application)
                        .select_related("case", "incoming", "offer__institution__unit")),
    }


def access_document(municipality, document_id: int, *,
                    scope: frozenset[int] | None = None) -> ApplicationDocument | None:
    documents = ApplicationDocument.objects.for_municipality(municipality).filter(
        pk=document_id)
    if scope is not None:
        documents = documents.filter(application__in=_naming(Application.objects.all(), scope))
    return documents.first()


def status_counts(campaign: Campaign) -> dict[str, int]:
    return dict(Application.objects.filter(campaign=campaign).values_list("status")
                .annotate(count=Count("pk")).values_list("status", "count"))


def offer_demand(campaign: Campaign) -> dict[int, dict]:
    """Per offer: applications naming it, as first choice, and admitted there."""
    rows = Offer.objects.filter(campaign=campaign).annotate(
        applied=Count("preferences", filter=~Q(
            preferences__application__status=ApplicationStatus.WITHDRAWN)),
        first_choice=Count("preferences", filter=Q(preferences__rank=1) & ~Q(
            preferences__application__status=ApplicationStatus.WITHDRAWN)))
    return {row.pk: {"applied": row.applied, "first_choice": row.first_choice}
            for row in rows}


def published_lists(campaign: Campaign, offer: Offer | None = None
                    ) -> QuerySet[PublishedList]:
    lists = PublishedList.objects.filter(campaign=campaign).select_related(
        "offer__institution__unit")
    return lists.filter(offer=offer) if offer is not None else lists


def lowest_admitted(campaign: Campaign) -> dict[int, int | None]:
    """The lowest points that admitted, per offer, from the posted admitted lists."""
    return dict(PublishedList.objects.filter(campaign=campaign, kind=ListKind.ADMITTED)
                .values_list("offer_id", "lowest_points"))


def allocation(campaign: Campaign) -> Allocation | None:
    """The campaign's latest allocation run."""
    return Allocation.objects.filter(campaign=campaign).order_by("-created_at", "-pk").first()


def pending_justifications(campaign: Campaign) -> QuerySet[Justification]:
    return (Justification.objects.filter(application__campaign=campaign, given_at__isnull=True)
            .select_related("application__child", "offer__institution__unit"))


def pending_appeals(campaign: Campaign) -> QuerySet[Appeal]:
    return (Appeal.objects.filter(application__campaign=campaign,
                                  decision=AppealDecision.PENDING)
            .select_related("application__child", "case", "offer__institution__unit"))


def explanation(application: Application) -> dict | None:
    """Why the child was placed where it was: per preference, the points with the reason
    of each criterion, the lottery rank, and the claim of the last candidate admitted
    there; None before the results exist."""
    if application.status not in WITH_RESULT:
        return None
    run = (Allocation.objects.filter(campaign=application.campaign_id,
                                     round=application.round, published_at__isnull=False)
           .order_by("-published_at", "-pk").first())
    if run is None:
        return None
    scores = {s.offer_id: s for s in Score.objects.filter(application=application)}
    rows, placed_seen = [], False
    for preference in application.preferences.select_related(
            "offer__institution__unit").order_by("rank"):
        offer = preference.offer
        cutoff = run.cutoffs.get(str(offer.institution_id), {})
        score = scores.get(offer.pk)
        placed = application.qualified_offer_id == offer.pk
        if placed:
            outcome = "placed"
        elif placed_seen:
            outcome = "not_needed"
        else:
            outcome = "refused"
        placed_seen = placed_seen or placed
        rows.append({"rank": preference.rank, "offer": offer, "score": score,
                     "cutoff": cutoff, "outcome": outcome})
    tie_break = next((s.tie_break for s in scores.values()), None)
    return {"rows": rows, "tie_break": tie_break, "seed": run.seed,
            "candidate": application.candidate_code, "resident": application.is_resident,
            "allocation": run}


def waiting_for_commission(municipality, scope: frozenset[int] | None = None) -> dict:
    """What waits in the gmina's open recruitments (for a commission: at its institutions,
    applications where it is the first choice): applications to verify, justifications
    to give, appeals to decide (count, and the first of each as (label, application id,
    detail))."""
    applications = (Application.objects.for_municipality(municipality)
                    .filter(status=ApplicationStatus.SUBMITTED,
                            campaign__status__in=[CampaignStatus.OPEN,
                                                  CampaignStatus.SUPPLEMENTARY])
                    .select_related("child").order_by("received_on", "pk"))
    justifications = (Justification.objects.for_municipality(municipality)
                      .filter(given_at__isnull=True).select_related("application__child")
                      .order_by("due_on"))
    appeals = (Appeal.objects.for_municipality(municipality)
               .filter(decision=AppealDecision.PENDING).select_related(
                   "application__child", "case").order_by("decide_by"))
    if scope is not None:
        applications = applications.filter(preferences__rank=1,
                                           preferences__offer__institution_id__in=scope)
        justifications = justifications.filter(offer__institution_id__in=scope)
        appeals = appeals.filter(offer__institution_id__in=scope)
    items = [(f"{j.application.child.full_name}: uzasadnienie", j.application_id,
              j.due_on.isoformat()) for j in justifications[:5]]
    items += [(f"{a.application.child.full_name}: odwołanie {a.case.mark}", a.application_id,
               a.decide_by.isoformat()) for a in appeals[:5]]
    items += [(a.child.full_name, a.pk, a.received_on.isoformat()) for a in applications[:10]]
    return {"count": applications.count() + justifications.count() + appeals.count(),
            "items": items}


# --- Attendance, meals and fees ---

def preschools(municipality) -> QuerySet[Institution]:
    """The institutions with stays to charge (preschools and preschool classes)."""
    return institutions(municipality).filter(kind__in=["preschool", "preschool_class"])


def resident_agreements(municipality, user) -> list:
    """The caller's children's current agreements (the latest one of each child)."""
    latest: dict[int, AttendanceAgreement] = {}
    for agreement in (AttendanceAgreement.objects.for_municipality(municipality)
                      .filter(child__guardians=user)
                      .select_related("child", "institution__unit", "meal_plan")
                      .order_by("valid_from")):
        latest[agreement.child_id] = agreement
    return sorted(latest.values(), key=lambda a: (a.child.first_name, a.child.pk))


def access_resident_agreement(municipality, user, child_id: int, day=None):
    """The agreement of the caller's child `child_id` covering `day` (or, when none
    covers it, the child's latest, so the caller can say why); None when the child is not
    the caller's."""
    found = list(AttendanceAgreement.objects.for_municipality(municipality)
                 .filter(child_id=child_id, child__guardians=user)
                 .select_related("child", "institution__unit", "meal_plan")
                 .order_by("valid_from"))
    if not found:
        return None
    if day is not None:
        for agreement in found:
            if agreement.covers(day):
                return agreement
    return found[-1]


def month_attendance(agreement, month) -> dict:
    """The month's absences and presences of an agreement, by day."""
    return {"absences": {a.day: a for a in Absence.objects.filter(
                agreement=agreement, day__year=month.year, day__month=month.month)},
            "presences": {p.day: p for p in Presence.objects.filter(
                agreement=agreement, day__year=month.year, day__month=month.month)}}


def agreement_statements(agreement) -> list:
    """The issued statements of an agreement, newest month and version first."""
    return list(FeeStatement.objects.filter(agreement=agreement,
                                            status=StatementStatus.ISSUED)
                .select_related("corrects").order_by("-month", "-version"))


def statement_payment(municipality, statement, user) -> dict:
    """The payment state of a statement's obligations (payments' fee state per kind), and
    where `user` pays what is open of them (the taxpayer account's payment page)."""
    states = {kind: payment_selectors.fee_state(municipality, statement.external_id(kind))
              for kind in ("stay", "meals")}
    states = {kind: state for kind, state in states.items() if state is not None}
    open_ids = [instalment.pk for kind in states
                for instalment in payment_selectors.instalments_for_external_id(
                    municipality, user, statement.external_id(kind))
                if instalment.settled_at is None]
    pay_url = ""
    if open_ids:
        pay_url = reverse("payments:pay", args=[municipality.slug]) + "?" + urlencode(
            [("pozycja", pk) for pk in open_ids])
    return {"states": states, "account": next((s.account for s in states.values()), ""),
            "to_pay": sum(s.to_pay for s in states.values()), "pay_url": pay_url,
            "paid": bool(states) and all(s.paid for s in states.values())}


def day_sheet(institution, day, group: str = "") -> list[dict]:
    """The institution's children with a place on `day`, with their absence and presence."""
    agreements = (AttendanceAgreement.objects.for_municipality(institution.municipality)
                  .filter(institution=institution, valid_from__lte=day, valid_until__gte=day)
                  .select_related("child"))
    if group:
        agreements = agreements.filter(group=group)
    agreements = list(agreements)
    ids = [a.pk for a in agreements]
    absences = {a.agreement_id: a for a in Absence.objects.filter(agreement_id__in=ids,
                                                                 day=day)}
    presences = {p.agreement_id: p for p in Presence.objects.filter(agreement_id__in=ids,
                                                                   day=day)}
    return [{"agreement": a, "absence": absences.get(a.pk), "presence": presences.get(a.pk)}
            for a in agreements]


def groups_of(institution) -> list[str]:
    return sorted(set(AttendanceAgreement.objects.filter(institution=institution)
                      .exclude(group="").values_list("group", flat=True)))


def access_institution_agreement(institution, agreement_id: int):
    return (AttendanceAgreement.objects.for_municipality(institution.municipality)
            .filter(institution=institution, pk=agreement_id).select_related("child")
            .first())


def month_statements(institution, month) -> list:
    """The month's statements of an institution: every version, drafts included."""
    return list(FeeStatement.objects.for_municipality(institution.municipality)
                .filter(agreement__institution=institution, month=month)
                .select_related("agreement__child", "corrects")
                .order_by("agreement__child__last_name", "agreement__child__first_name",
                          "version"))


def child_applications(municipality, user, child) -> QuerySet[Application]:
    """The resident's recruitment applications for this child, newest first."""
    return (Application.objects.for_municipality(municipality)
            .filter(child=child, guardian=user).select_related("campaign")
            .order_by("-pk"))
