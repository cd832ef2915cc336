"""Attendance, meals and fees: the parent's page per child (declared hours, this month's
attendance and absences, reporting an absence before the cut-off, the statements with
their payment), the staff's tablet page of the day (arrivals, departures, absences) and
the month end (compute, review, issue)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ratusz.accounts.access import resident_required, staff_required
from ratusz.accounts.permissions import Permission
from ratusz.core.services import record_personal_data_access
from ratusz.education import selectors, selectors_library, selectors_scholarships, services
from ratusz.education.errors import EducationError
from ratusz.education.services.attendance import (
    first_of_month,
    month_days,
    policy_of,
)

VIEW = Permission.VIEW_EDUCATION
MANAGE = Permission.MANAGE_EDUCATION


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def _month(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(f"{(value or '').strip()[:7]}-01")
    except ValueError:
        return default


# --- The parent -----------------------------------------------------------------------------

@never_cache
@resident_required
def children(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    """The caller's children with a place in the gmina's preschools (a resident with none
    here: 404, as for a page that does not exist)."""
    agreements = selectors.resident_agreements(request.municipality, request.user)
    if not agreements:
        raise Http404
    return render(request, "education/attendance/children.html", {
        "rows": [{"agreement": a, "preview": services.fee_preview(a)} for a in agreements]})


@never_cache
@resident_required
@require_http_methods(["GET", "POST"])
def child(request: HttpRequest, municipality_slug: str, child_id: int) -> HttpResponse:
    """One child: declared hours, this month's days, the absence form, the statements."""
    municipality, today = request.municipality, timezone.localdate()
    agreement = selectors.access_resident_agreement(municipality, request.user, child_id,
                                                    today)
    if agreement is None:
        raise Http404
    error = ""
    if request.method == "POST":
        day = _date(request.POST.get("day"))
        target = selectors.access_resident_agreement(municipality, request.user, child_id,
                                                     day) if day else None
        try:
            if day is None or target is None:
                raise EducationError("day_required", _("Give the day of the absence."))
            services.report_absence(target, user=request.user, day=day,
                                    meals=request.POST.get("meals") == "on")
        except EducationError as refusal:
            error = str(refusal.message)
        else:
            messages.success(request, _("The absence on %(day)s has been reported.")
                             % {"day": day.strftime("%d.%m.%Y")})
            url = reverse("education:attendance-child", args=[municipality.slug, child_id])
            return redirect(f"{url}?miesiac={day:%Y-%m}")
    this_month = first_of_month(today)
    month = _month(request.GET.get("miesiac"), this_month)
    if not this_month - datetime.timedelta(days=400) <= month <= this_month + \
            datetime.timedelta(days=62):
        month = this_month
    records = selectors.month_attendance(agreement, month)
    days = [{"day": day, "absence": records["absences"].get(day),
             "presence": records["presences"].get(day), "future": day > today}
            for day in month_days(month) if agreement.covers(day)]
    statements = [{"statement": s, "payment": selectors.statement_payment(
        municipality, s, request.user)} for s in selectors.agreement_statements(agreement)]
    policy = policy_of(agreement.institution)
    return render(request, "education/attendance/child.html", {
        "agreement": agreement, "policy": policy, "days": days, "error": error,
        "month": month, "is_this_month": month == this_month,
        "next_month": first_of_month(this_month + datetime.timedelta(days=32)),
        "preview": services.fee_preview(agreement),
        "forecast": services.fee_forecast(agreement, month), "statements": statements,
        "pay_url": reverse("payments:account", args=[municipality.slug]),
        "default_day": request.POST.get("day") or today.isoformat(),
        "library": selectors_library.child_library(municipality, request.user,
                                                   agreement.child),
        "applications": selectors.child_applications(municipality, request.user,
                                                     agreement.child),
        "help_matters": selectors_scholarships.child_help_matters(
            municipality, request.user, agreement.child)},
        status=422 if error else 200)


# --- Staff ----------------------------------------------------------------------------------

def _institution(request: HttpRequest, institution_id: int):
    item = selectors.preschools(request.municipality).filter(pk=institution_id).first()
    if item is None:
        raise Http404
    return item


@staff_required(VIEW)
def attendance(request: HttpRequest) -> HttpResponse:
    """The gmina's preschools: their day and their month end."""
    return render(request, "education/attendance/staff_index.html", {
        "institutions": selectors.preschools(request.municipality)})


@staff_required(VIEW)
def attendance_day(request: HttpRequest, institution_id: int) -> HttpResponse:
    """Today's children of the institution (or of one group), with big buttons."""
    institution = _institution(request, institution_id)
    group = request.GET.get("grupa", "")[:60]
    today = timezone.localdate()
    return render(request, "education/attendance/day.html", {
        "institution": institution, "group": group, "today": today,
        "groups": selectors.groups_of(institution),
        "rows": selectors.day_sheet(institution, today, group)})


MARKS = {"arrival": services.record_arrival, "departure": services.record_departure}


@staff_required(MANAGE)
@require_POST
def attendance_mark(request: HttpRequest, institution_id: int, agreement_id: int
                    ) -> HttpResponse:
    institution = _institution(request, institution_id)
    agreement = selectors.access_institution_agreement(institution, agreement_id)
    action = request.POST.get("action", "")
    if agreement is None or action not in {*MARKS, "absent"}:
        raise Http404
    try:
        if action == "absent":
            services.record_absence(agreement, acting_user=request.user,
                                    day=timezone.localdate())
        else:
            MARKS[action](agreement, acting_user=request.user)
    except EducationError as refusal:
        messages.error(request, f"{agreement.child}: {refusal.message}")
    url = reverse("education-staff:attendance-day", args=[request.municipality.slug,
                                                          institution.pk])
    group = request.POST.get("grupa", "")[:60]
    return redirect(f"{url}?grupa={group}#child-{agreement.pk}" if group
                    else f"{url}#child-{agreement.pk}")


MONTH_ACTIONS = {"compute": services.compute_month, "issue": services.issue_month,
                 "close": services.close_month}


def _previous_month() -> datetime.date:
    return first_of_month(first_of_month(timezone.localdate()) - datetime.timedelta(days=1))


@staff_required(VIEW)
def fees_month(request: HttpRequest, institution_id: int) -> HttpResponse:
    """The month end: the month's statements (drafts to review, issued ones, corrections)."""
    institution = _institution(request, institution_id)
    month = _month(request.GET.get("miesiac"), _previous_month())
    statements = selectors.month_statements(institution, month)
    if statements:
        record_personal_data_access(
            municipality=request.municipality, staff=request.user, context="preschool_fees",
            subject_label=f"{institution.name}: {month:%m.%Y} ({len(statements)})",
            fields=["child name", "fees"], path=request.path)
    return render(request, "education/attendance/month.html", {
        "institution": institution, "month": month, "statements": statements,
        "policy": policy_of(institution),
        "drafts": sum(1 for s in statements if s.status == "draft")})


@staff_required(MANAGE)
@require_POST
def fees_month_action(request: HttpRequest, institution_id: int) -> HttpResponse:
    """Compute the month's statements, issue the drafts, or both ("Close the month")."""
    institution = _institution(request, institution_id)
    month = _month(request.POST.get("month"), _previous_month())
    action = MONTH_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        raise Http404
    try:
        result = action(institution, month, acting_user=request.user)
    except EducationError as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _(
            "Statements computed: %(drafts)s new or corrected, %(unchanged)s unchanged; "
            "issued: %(issued)s.") % {"drafts": result.get("drafts", 0),
                                      "unchanged": result.get("unchanged", 0),
                                      "issued": result.get("issued", 0)})
    url = reverse("education-staff:fees-month", args=[request.municipality.slug,
                                                      institution.pk])
    return redirect(f"{url}?miesiac={month:%Y-%m}")
