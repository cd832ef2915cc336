"""Reads of the social help for pupils (u.s.o. art. 90b–90n): the regulation in force,
the submissions waiting for their income test, the matters, their households and the
payout lists. Every function takes the gmina."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet, Sum

from ratusz.accounts.identity import pesel_digest
from ratusz.cases.models import OutgoingLetter
from ratusz.education.models import (
    HelpApplication,
    HouseholdMember,
    PayoutLine,
    ScholarshipRegulation,
)
from ratusz.eservices.models import Submission

#: The e-services' library forms of the social help (slugs).
HELP_SERVICE_SLUGS = ("stypendium-szkolne", "zasilek-szkolny")


def regulation_in_force(municipality, day: datetime.date) -> ScholarshipRegulation | None:
    return (ScholarshipRegulation.objects.for_municipality(municipality)
            .filter(effective_from__lte=day).order_by("-effective_from").first())


def regulations(municipality) -> QuerySet[ScholarshipRegulation]:
    return ScholarshipRegulation.objects.for_municipality(municipality).order_by(
        "-effective_from")


def letter_by_key(municipality, case_id: int, key: str) -> OutgoingLetter | None:
    return (OutgoingLetter.objects.for_municipality(municipality)
            .filter(case_id=case_id, template=key).order_by("pk").first())


def letter_of(municipality, letter_id: int | None) -> OutgoingLetter | None:
    if letter_id is None:
        return None
    return OutgoingLetter.objects.for_municipality(municipality).filter(pk=letter_id).first()


def waiting_help_submissions(municipality) -> QuerySet[Submission]:
    """Submissions of the scholarship and allowance forms with no matter opened yet."""
    opened = HelpApplication.objects.for_municipality(municipality).values("submission_id")
    return (Submission.objects.for_municipality(municipality)
            .filter(service__slug__in=HELP_SERVICE_SLUGS, withdrawn_at__isnull=True)
            .exclude(pk__in=opened).select_related("service", "case")
            .order_by("submitted_at", "pk"))


def help_submission(municipality, submission_id: int) -> Submission | None:
    return (Submission.objects.for_municipality(municipality)
            .filter(pk=submission_id, service__slug__in=HELP_SERVICE_SLUGS)
            .select_related("service").first())


def help_applications(municipality) -> QuerySet[HelpApplication]:
    return (HelpApplication.objects.for_municipality(municipality)
            .select_related("case").order_by("-applied_on", "-pk"))


def help_application(municipality, application_id: int) -> HelpApplication | None:
    return (HelpApplication.objects.for_municipality(municipality)
            .select_related("case", "submission", "regulation")
            .filter(pk=application_id).first())


def household(application: HelpApplication) -> list[HouseholdMember]:
    return list(HouseholdMember.objects.for_municipality(application.municipality_id)
                .filter(application=application)
                .prefetch_related(Prefetch("incomes")).order_by("position"))


def payout_months(municipality) -> list[datetime.date]:
    return list(PayoutLine.objects.for_municipality(municipality)
                .values_list("month", flat=True).distinct().order_by("month"))


def payout_lines(municipality, month: datetime.date) -> QuerySet[PayoutLine]:
    return (PayoutLine.objects.for_municipality(municipality)
            .filter(month=month.replace(day=1)).select_related("application", "corrects")
            .order_by("pk"))


def payout_total(municipality, month: datetime.date) -> int:
    return payout_lines(municipality, month).aggregate(total=Sum("amount"))["total"] or 0


def payout_line(municipality, line_id: int) -> PayoutLine | None:
    return PayoutLine.objects.for_municipality(municipality).filter(pk=line_id).first()


def resident_help_application(municipality, user, application_id: int
                              ) -> HelpApplication | None:
    """The resident's own matter (one they filed), for their read-only page."""
    if user is None or not user.is_authenticated:
        return None
    return (HelpApplication.objects.for_municipality(municipality)
            .filter(resident=user, pk=application_id).first())


def child_help_matters(municipality, user, child) -> list[HelpApplication]:
    """The resident's own matters for this child: the pupil named by the same PESEL, or,
    where the form gave none, by the same first name and surname."""
    if user is None or not user.is_authenticated:
        return []
    full_name = f"{child.first_name} {child.last_name}".casefold()
    return [item for item in HelpApplication.objects.for_municipality(municipality)
            .filter(resident=user).order_by("-applied_on", "-pk")
            if (item.pupil_pesel and pesel_digest(item.pupil_pesel) == child.identity_digest)
            or (not item.pupil_pesel and " ".join(item.pupil_name.split()).casefold()
                == full_name)]
