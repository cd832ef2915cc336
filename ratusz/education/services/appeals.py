"""The appeal path of art. 158 ust. 6–9 Prawo oświatowe, with the campaign's days (3 each
since the 2023 change as the gminy publish them [unverified: the amending act]):

1. within `justification_request_days` of the admitted list the parent asks the
   commission for the justification of the refusal;
2. the commission gives it within `justification_days`: the reasons, the lowest points
   that admitted and the candidate's points;
3. within `appeal_days` of receiving it the parent appeals to the director: the appeal is
   registered in the institution's incoming register and a case of the EZD is opened with
   the director's deadline (`appeal_decision_days`);
4. the director decides; the decision is recorded and the case closed. A complaint to the
   administrative court follows within 30 days (outside this system)."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.cases import services as ezd
from ratusz.cases.models import AccessLevel, Channel
from ratusz.core.effects import after_commit
from ratusz.core.models import AuditAction
from ratusz.core.services import record_audit
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    Appeal,
    AppealDecision,
    Application,
    ApplicationStatus,
    EnrolmentSource,
    Justification,
    ListKind,
    Offer,
    PublishedList,
    Score,
)
from ratusz.education.services import news
from ratusz.education.services.applications import lock_application
from ratusz.education.services.common import clean_text, days_after, polish_date, today
from ratusz.education.services.enrolments import admit_within

logger = logging.getLogger("ratusz.education")
TEXT_LIMIT = 10_000


def refusing_offers(application: Application) -> list[Offer]:
    """The preferred institutions that refused the child: all of them when it was not
    admitted, else those the parent preferred to the one that admitted it."""
    preferences = [p.offer for p in application.preferences.select_related(
        "offer__institution__unit").order_by("rank")]
    if application.status == ApplicationStatus.ADMITTED:
        placed = [o.pk for o in preferences].index(application.qualified_offer_id) \
            if application.qualified_offer_id in [o.pk for o in preferences] else 0
        return preferences[:placed]
    if application.status == ApplicationStatus.NOT_ADMITTED:
        return preferences
    return []


@transaction.atomic(durable=True)
def request_justification(application: Application, *, acting_user, offer: Offer,
                          requested_on: datetime.date | None = None) -> Justification:
    """The parent asks the commission of `offer` why the child was not admitted there."""
    application = lock_application(application)
    requested_on = requested_on or today()
    if offer.pk not in [o.pk for o in refusing_offers(application)]:
        raise EducationError("nothing_to_justify", _("This institution did not refuse the "
                                                     "child: there is nothing to justify."))
    posted = PublishedList.objects.filter(campaign=application.campaign,
                                          round=application.round, offer=offer,
                                          kind=ListKind.ADMITTED).first()
    if posted is None:
        raise EducationError("nothing_to_justify", _("This institution did not refuse the "
                                                     "child: there is nothing to justify."))
    until = days_after(posted.posted_on, application.campaign.justification_request_days)
    if requested_on > until:
        raise EducationError("justification_late", _("The justification could be requested "
                                                     "until %(date)s."),
                             date=polish_date(until))
    if Justification.objects.filter(application=application, offer=offer).exists():
        raise EducationError("justification_requested", _("The justification has already "
                                                          "been requested."))
    score = Score.objects.filter(application=application, offer=offer).first()
    justification = Justification.objects.create(
        municipality_id=application.municipality_id, application=application, offer=offer,
        due_on=days_after(requested_on, application.campaign.justification_days),
        lowest_points=posted.lowest_points,
        candidate_points=score.points if score else 0)
    record_audit(municipality=application.campaign.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=justification,
                 after={"offer": offer.pk, "due_on": justification.due_on.isoformat()})
    return justification


@transaction.atomic(durable=True)
def give_justification(justification: Justification, *, acting_user, text: str
                       ) -> Justification:
    """The commission's justification: its reasons; the lowest points that admitted and the
    candidate's points are filled in from the lists and the scores."""
    justification = Justification.objects.select_for_update().get(pk=justification.pk)
    if justification.given_at is not None:
        raise EducationError("justification_given", _("The justification has already been "
                                                      "given."))
    justification.text = clean_text(text, name=str(_("reasons")), limit=TEXT_LIMIT,
                                    required=True,
                                    required_message=_("Write the reasons of the refusal."))
    justification.given_at, justification.given_by = timezone.now(), acting_user
    justification.save(update_fields=["text", "given_at", "given_by"])
    record_audit(municipality=justification.application.campaign.municipality,
                 acting_user=acting_user, action=AuditAction.UPDATED, target=justification,
                 after={"given": True})
    after_commit(news.notify, justification.application_id, "justification_given",
                 f"justification:{justification.pk}")
    return justification


@transaction.atomic(durable=True)
def file_appeal(justification: Justification, *, acting_user, text: str,
                filed_on: datetime.date | None = None) -> Appeal:
    """The parent's appeal to the director, registered in the institution's incoming
    register with a case opened for the director's decision and its deadline."""
    justification = Justification.objects.select_for_update().select_related(
        "application__campaign", "offer__institution__unit").get(pk=justification.pk)
    application = justification.application
    campaign = application.campaign
    filed_on = filed_on or today()
    text = clean_text(text, name=str(_("appeal")), limit=TEXT_LIMIT, required=True,
                      required_message=_("Write the appeal."))
    if justification.given_at is None:
        raise EducationError("justification_pending", _("The appeal follows the commission's "
                                                        "justification, not given yet."))
    until = days_after(timezone.localdate(justification.given_at), campaign.appeal_days)
    if filed_on > until:
        raise EducationError("appeal_late", _("The appeal could be filed until %(date)s."),
                             date=polish_date(until))
    if Appeal.objects.filter(justification=justification).exists():
        raise EducationError("appeal_filed", _("The appeal has already been filed."))
    unit = justification.offer.institution.unit
    guardian = application.guardian
    first, _sep, last = application.guardian_name.rpartition(" ")
    sender = ezd.SenderData(kind="person", first_name=(guardian.first_name if guardian
                                                       else first)[:100],
                            last_name=(guardian.last_name if guardian else last or first)[:100],
                            email=application.guardian_email)
    title = f"Odwołanie od rozstrzygnięcia komisji rekrutacyjnej – {campaign.name}"[:500]
    entry = ezd.register_incoming_within(
        unit, acting_user=acting_user, title=title, senders=[sender], received_on=filed_on,
        channel=Channel.ESERVICE, document_type="odwołanie",
        access_level=AccessLevel.NON_PUBLIC)
    decide_by = days_after(filed_on, campaign.appeal_decision_days)
    case = ezd.open_case_within(
        unit, acting_user=acting_user, department=campaign.appeals_department,
        jrwa_symbol=campaign.appeals_jrwa_symbol, title=title, incoming=entry,
        description=f"Odwołanie do dyrektora ({unit.name}) od rozstrzygnięcia komisji "
                    f"rekrutacyjnej, art. 158 ust. 8 Prawa oświatowego. Kandydat: "
                    f"{application.candidate_code}.",
        deadline=decide_by, access_level=AccessLevel.NON_PUBLIC)
    appeal = Appeal.objects.create(
        municipality_id=application.municipality_id, application=application,
        offer=justification.offer, justification=justification, text=text,
        decide_by=decide_by, incoming=entry, case=case)
    record_audit(municipality=campaign.municipality, acting_user=acting_user,
                 action=AuditAction.CREATED, target=appeal,
                 after={"case": case.mark, "decide_by": decide_by.isoformat()})
    after_commit(news.notify, application.pk, "appeal_registered", f"appeal:{appeal.pk}")
    return appeal


def decide_appeal(appeal: Appeal, *, acting_user, upheld: bool, reasoning: str) -> Appeal:
    """The director's decision: upheld admits the child at the institution; the decision is
    recorded, then the EZD case is closed (its own transaction: a refusal there is logged
    and leaves the decision)."""
    with transaction.atomic(durable=True):
        appeal = Appeal.objects.select_for_update().select_related(
            "application__campaign", "offer").get(pk=appeal.pk)
        if appeal.decision != AppealDecision.PENDING:
            raise EducationError("appeal_decided", _("The appeal has already been decided."))
        appeal.reasoning = clean_text(reasoning, name=str(_("reasoning of the decision")),
                                      limit=TEXT_LIMIT, required=True,
                                      required_message=_("Write the reasoning of the "
                                                         "decision."))
        appeal.decision = AppealDecision.UPHELD if upheld else AppealDecision.DISMISSED
        appeal.decided_at, appeal.decided_by = timezone.now(), acting_user
        appeal.save(update_fields=["reasoning", "decision", "decided_at", "decided_by"])
        if upheld:
            application = lock_application(appeal.application)
            admit_within(application, acting_user=acting_user, offer=appeal.offer,
                         source=EnrolmentSource.APPEAL)
        record_audit(municipality=appeal.application.campaign.municipality,
                     acting_user=acting_user, action=AuditAction.UPDATED, target=appeal,
                     after={"decision": appeal.decision})
        after_commit(news.notify, appeal.application_id, "appeal_decided",
                     f"appeal-decided:{appeal.pk}")
    try:
        ezd.close_case(appeal.case, acting_user=acting_user,
                       note=f"Rozstrzygnięcie dyrektora: {appeal.get_decision_display()}")
    except ezd.EzdError:
        logger.warning("education.appeal_case_not_closed", extra={"appeal": appeal.pk,
                                                                  "case": appeal.case_id})
    return appeal
