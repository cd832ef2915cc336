"""Reads of the reports app; every read of a gmina's rows takes the gmina. A partnership's
comparison reads each member's numbers inside that member's own tenant context."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone

from ratusz.core.models import Municipality
from ratusz.core.selectors import list_municipalities
from ratusz.core.tenancy import tenant_context
from ratusz.reports import sources
from ratusz.reports.calculation import compute_indicators
from ratusz.reports.models import (
    ClockAdjustment,
    IndicatorSnapshot,
    InquiryStatus,
    MatterClock,
    MemberStatus,
    Partnership,
    PartnershipMember,
    ReportRecipient,
    TestInquiry,
)

#: The earliest year a page or the API asks about.
FIRST_YEAR = 2000


def municipality_by_id(municipality_id: int) -> Municipality | None:
    return list_municipalities(include_inactive=True).filter(pk=municipality_id).first()


def indicators_document(municipality: Municipality, year: int) -> dict:
    """The gmina's indicators of `year`: the stored snapshot (kept current by the refresh),
    or, for a year without one, computed from the rollups (never from the other apps'
    history)."""
    snapshot = IndicatorSnapshot.objects.for_municipality(municipality).filter(
        year=year).first()
    if snapshot is not None:
        return snapshot.payload
    return compute_indicators(municipality, year)


def snapshot_time(municipality: Municipality, year: int):
    return (IndicatorSnapshot.objects.for_municipality(municipality).filter(year=year)
            .values_list("computed_at", flat=True).first())


# --- The watch -------------------------------------------------------------------------------

def overdue_matters(municipality: Municipality, *, user=None, today: date | None = None
                    ) -> QuerySet[MatterClock]:
    """Open matters past their deadline, the longest late first; for a staff member, only
    those of the departments whose cases they see and their own."""
    today = today or timezone.localdate()
    clocks = (MatterClock.objects.for_municipality(municipality)
              .filter(is_open=True, is_test=False, deadline__lt=today)
              .select_related("department", "handler", "unit").order_by("deadline", "pk"))
    if user is not None:
        seen = sources.departments_seen(user, municipality)
        clocks = clocks.filter(Q(department_id__in=seen) | Q(handler=user))
    return clocks


def due_soon(municipality: Municipality, *, user=None, days: int = 7,
             today: date | None = None) -> QuerySet[MatterClock]:
    today = today or timezone.localdate()
    clocks = (MatterClock.objects.for_municipality(municipality)
              .filter(is_open=True, is_test=False, deadline__gte=today,
                      deadline__lte=today.fromordinal(today.toordinal() + days))
              .select_related("department", "handler").order_by("deadline", "pk"))
    if user is not None:
        seen = sources.departments_seen(user, municipality)
        clocks = clocks.filter(Q(department_id__in=seen) | Q(handler=user))
    return clocks


def clock_of_case(municipality: Municipality, case_id: int) -> MatterClock | None:
    return (MatterClock.objects.for_municipality(municipality).select_related("department")
            .filter(case_id=case_id).first())


def adjustments_of_case(municipality: Municipality, case_id: int) -> list[ClockAdjustment]:
    return list(ClockAdjustment.objects.for_municipality(municipality)
                .filter(case_id=case_id).select_related("created_by"))


def report_recipient_ids(municipality: Municipality) -> set[int]:
    return set(ReportRecipient.objects.for_municipality(municipality)
               .values_list("user_id", flat=True))


# --- Partnerships ----------------------------------------------------------------------------

def partnerships_of(user) -> QuerySet[Partnership]:
    """The partnerships this coordinator coordinates."""
    if not getattr(user, "is_authenticated", False) or user.kind != "coordinator":
        return Partnership.objects.none()
    return Partnership.objects.filter(coordinators=user).order_by("name")


def access_partnership(user, slug: str) -> Partnership | None:
    """A partnership this coordinator coordinates; any other looks missing."""
    return partnerships_of(user).filter(slug=slug).first()


def accepted_members(partnership: Partnership) -> list[Municipality]:
    """The gminy that accepted, by name. Membership rows name a gmina and its decision
    only; they are read across gminy for the partnership (the figures are not)."""
    with tenant_context(None, all_municipalities=True):
        ids = list(PartnershipMember.objects.filter(partnership=partnership,
                                                    status=MemberStatus.ACCEPTED)
                   .values_list("municipality_id", flat=True))
    return list(list_municipalities().filter(pk__in=ids).order_by("name"))


def member_documents(partnership: Partnership, year: int) -> list[dict]:
    """Each accepted member's indicators of `year`, read inside that member's tenant
    context: only numbers leave it (the units' part stays behind)."""
    members = []
    for municipality in accepted_members(partnership):
        with tenant_context(municipality):
            document = indicators_document(municipality, year)
            inquiries = inquiry_figures(municipality, partnership)
        numbers = {"indicators": document.get("indicators", {}),
                   "computed_at": document.get("computed_at")}
        numbers["indicators"] = {**numbers["indicators"],
                                 "test_inquiry_days": inquiries["indicator"]}
        members.append({"slug": municipality.slug, "name": municipality.name,
                        "document": numbers, "inquiries": inquiries})
    return members


def inquiry_figures(municipality: Municipality, partnership: Partnership | None) -> dict:
    """Numbers of the gmina's test inquiries (of this partnership, or all): how many were
    filed, answered, and the days of each answer."""
    inquiries = TestInquiry.objects.for_municipality(municipality)
    if partnership is not None:
        inquiries = inquiries.filter(partnership=partnership)
    rows = list(inquiries.values_list("status", "answer_days", "scheduled_for"))
    answered = [days for status, days, _on in rows if status == InquiryStatus.ANSWERED]
    filed = sum(1 for status, _days, _on in rows if status in (InquiryStatus.FILED,
                                                                InquiryStatus.ANSWERED))
    average = round(sum(answered) / len(answered), 1) if answered else None
    return {"scheduled": sum(1 for status, _d, _o in rows
                             if status == InquiryStatus.SCHEDULED),
            "filed": filed, "answered": len(answered), "average_days": average,
            "unanswered": filed - len(answered),
            "indicator": {"value": average, "unit": "days", "by_month": {}}}


def memberships_of(municipality: Municipality) -> QuerySet[PartnershipMember]:
    """The gmina's invitations and memberships."""
    return (PartnershipMember.objects.for_municipality(municipality)
            .select_related("partnership").order_by("partnership__name"))


def access_membership(municipality: Municipality, member_id: int) -> PartnershipMember | None:
    return memberships_of(municipality).filter(pk=member_id).first()


def inquiries_of(municipality: Municipality) -> QuerySet[TestInquiry]:
    return (TestInquiry.objects.for_municipality(municipality)
            .select_related("partnership").order_by("-scheduled_for", "-pk"))


def due_inquiry_gminy(today: date | None = None) -> list[Municipality]:
    """Gminy with a test inquiry due (system work)."""
    today = today or timezone.localdate()
    with tenant_context(None, all_municipalities=True):
        ids = set(TestInquiry.objects.filter(status=InquiryStatus.SCHEDULED,
                                             scheduled_for__lte=today)
                  .values_list("municipality_id", flat=True))
    return list(list_municipalities().filter(pk__in=ids))
