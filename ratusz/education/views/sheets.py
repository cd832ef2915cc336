"""The organisation sheets' pages in the staff workspace: the department's table of all
schools' sheets for a school year (totals, status, the gmina's rates), a version's page
(the director's editor while it is a draft; the department's review once sent: comments,
opinions, return, the wójt's approval, corrections and annexes) and an annex's diff.

There is no director's role yet: both sides act with education.manage (the department's
permission), the record says who did each step."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.education import selectors_sheets, services, sheet_rules
from ratusz.education.errors import EducationError
from ratusz.education.models import EmploymentForm, OpinionBody, SheetVersion

VIEW = Permission.VIEW_EDUCATION
MANAGE = Permission.MANAGE_EDUCATION


def _next_school_year() -> int:
    today = timezone.localdate()
    return today.year if today.month < 9 else today.year + 1


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("rok", ""))
    except ValueError:
        return _next_school_year()
    return year if 2000 <= year <= 2100 else _next_school_year()


def _version(request: HttpRequest, sheet_version_id: int) -> SheetVersion:
    item = selectors_sheets.access_version_by_id(request.municipality, sheet_version_id)
    if item is None:
        raise Http404
    return item


@staff_required(VIEW)
def sheets(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    year = _year(request)
    return render(request, "education/sheets/sheets.html", {
        "year": year, "table": selectors_sheets.year_table(municipality, year),
        "years": sorted(set(selectors_sheets.school_years(municipality)) | {year},
                        reverse=True),
        "rates": selectors_sheets.rates(municipality, year),
        "schools": selectors_sheets.sheet_schools(municipality)})


@staff_required(MANAGE)
@require_POST
def sheet_create(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    school = selectors_sheets.access_school_by_id(municipality, request.POST.get("school"))
    year = request.POST.get("school_year", "")
    if school is None:
        messages.error(request, _("Choose the school."))
        return redirect("education-staff:sheets", municipality.slug)
    try:
        version = services.create_sheet(school, acting_user=request.user, school_year=year)
    except EducationError as refusal:
        messages.error(request, str(refusal.message))
        return redirect("education-staff:sheets", municipality.slug)
    messages.success(request, _("The sheet has been created."))
    return redirect("education-staff:sheet-version", municipality.slug, version.pk)


@staff_required(MANAGE)
@require_POST
def sheet_rates(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    year = request.POST.get("school_year", "")
    try:
        services.set_rates(municipality, acting_user=request.user, school_year=year,
                           hour_rate=_grosze(request.POST.get("hour_rate", "")),
                           weeks=request.POST.get("weeks", ""))
    except EducationError as refusal:
        messages.error(request, str(refusal.message))
    else:
        messages.success(request, _("The rates have been saved."))
    return redirect(f"{_url('education-staff:sheets', municipality)}?rok={year}")


def _url(name: str, municipality, *args) -> str:
    return reverse(name, args=[municipality.slug, *args])


def _grosze(value: str):
    """An amount in złoty as typed (“95,50”) → grosze; what is not an amount is passed on
    for the service to refuse with its message."""
    text = value.strip().replace(" ", "").replace(",", ".")
    try:
        whole, _dot, part = text.partition(".")
        if not whole.isdigit() or (part and (not part.isdigit() or len(part) > 2)):
            return None
        return int(whole) * 100 + int((part or "0").ljust(2, "0"))
    except ValueError:
        return None


@staff_required(VIEW)
def version(request: HttpRequest, sheet_version_id: int) -> HttpResponse:
    item = _version(request, sheet_version_id)
    sheet = item.sheet
    divisions = selectors_sheets.divisions(item)
    grid = [{"code": code, "name": name,
             "cells": [{"division": division,
                        "hours": next((line.hours for line in division.hours.all()
                                       if line.subject == code), 0),
                        "minimum": sheet_rules.FRAMEWORK.get(division.grade, {}).get(code, 0)}
                       for division in divisions]}
            for code, name in sheet_rules.SUBJECTS]
    return render(request, "education/sheets/version.html", {
        "version": item, "sheet": sheet, "divisions": divisions, "grid": grid,
        "summary": selectors_sheets.summary(item),
        "teachers": selectors_sheets.teachers(item),
        "additional": selectors_sheets.additional(item),
        "comments": selectors_sheets.comments(item),
        "opinions": selectors_sheets.opinions(item),
        "events": selectors_sheets.events(item),
        "versions": selectors_sheets.versions(sheet),
        "latest": selectors_sheets.latest_version(sheet),
        "rates": selectors_sheets.rates(request.municipality, sheet.school_year),
        "subjects": sheet_rules.SUBJECTS, "additional_kinds": sheet_rules.ADDITIONAL_KINDS,
        "employment_forms": EmploymentForm.choices, "opinion_bodies": OpinionBody.choices,
        "grades": sheet_rules.GRADES, "today": timezone.localdate(),
        "approval_deadline": sheet_rules.approval_deadline(sheet.school_year),
        "sending_deadline": sheet_rules.sending_deadline(sheet.school_year),
        "framework_verified": sheet_rules.FRAMEWORK_VERIFIED})


def _teacher_data(post) -> services.TeacherData:
    return services.TeacherData(
        name=post.get("name", ""), qualifications=post.get("qualifications", ""),
        subjects=post.get("subjects", ""), employment=post.get("employment", ""),
        pensum=post.get("pensum", ""), contracted_hours=post.get("contracted_hours", ""),
        assigned_hours=post.get("assigned_hours", ""),
        overtime_consent=post.get("overtime_consent") == "on")


def _found(value):
    if value is None:
        raise EducationError("line_not_found", _("There is no such line in this version."))
    return value


def _edit(item: SheetVersion, action: str, post, user) -> str | None:
    """The director's steps on a draft: one service call each; the message, or None when
    `action` is not one of them."""
    if action == "add_division":
        services.add_division(item, acting_user=user, grade=post.get("grade"),
                              name=post.get("name", ""), pupils=post.get("pupils"))
        return _("The division has been added.")
    if action == "update_division":
        services.update_division(
            _found(selectors_sheets.access_division(item, post.get("division"))),
            acting_user=user, pupils=post.get("pupils"),
            hours={code: post.get(f"hours-{code}") or 0 for code in sheet_rules.SUBJECT_NAMES})
        return _("The division has been saved.")
    if action == "remove_division":
        services.remove_division(
            _found(selectors_sheets.access_division(item, post.get("division"))),
            acting_user=user)
        return _("The division has been removed.")
    if action == "add_additional":
        division = (_found(selectors_sheets.access_division(item, post.get("division")))
                    if post.get("division") else None)
        services.add_additional(item, acting_user=user, kind=post.get("kind", ""),
                                hours=post.get("hours"), division=division,
                                description=post.get("description", ""))
        return _("The hours have been added.")
    if action == "remove_additional":
        services.remove_additional(
            _found(selectors_sheets.access_additional(item, post.get("line"))),
            acting_user=user)
        return _("The hours have been removed.")
    if action == "save_teacher":
        teacher = (_found(selectors_sheets.access_teacher(item, post.get("teacher")))
                   if post.get("teacher") else None)
        services.save_teacher(item, _teacher_data(post), acting_user=user, teacher=teacher)
        return _("The teacher has been saved.")
    if action == "remove_teacher":
        services.remove_teacher(
            _found(selectors_sheets.access_teacher(item, post.get("teacher"))),
            acting_user=user)
        return _("The teacher has been removed.")
    if action == "send":
        services.send_version(item, acting_user=user)
        return _("The sheet has been sent to the education department.")
    return None


def _review(item: SheetVersion, action: str, post, user) -> str | None:
    """The department's steps on a sent version: one service call each."""
    if action == "comment":
        services.comment_version(item, acting_user=user, text=post.get("text", ""),
                                 line=post.get("line", ""))
        return _("The comment has been added.")
    if action == "return":
        services.return_version(item, acting_user=user, text=post.get("text", ""))
        return _("The sheet has been returned to the director.")
    if action == "request_opinion":
        services.request_opinion(item, acting_user=user, body=post.get("body", ""),
                                 body_name=post.get("body_name", ""),
                                 requested_on=post.get("requested_on", ""))
        return _("The request for an opinion has been recorded.")
    if action == "record_opinion":
        opinion = (_found(selectors_sheets.access_opinion(item, post.get("opinion")))
                   if post.get("opinion") else None)
        services.record_opinion(item, acting_user=user, given_on=post.get("given_on", ""),
                                text=post.get("text", ""), body=post.get("body", ""),
                                body_name=post.get("body_name", ""), opinion=opinion)
        return _("The opinion has been recorded.")
    if action == "approve":
        services.approve_version(item, acting_user=user,
                                 approved_on=post.get("approved_on", ""),
                                 approved_by=post.get("approved_by", ""))
        return _("The wójt's approval has been registered.")
    return None


def _act(item: SheetVersion, request: HttpRequest) -> tuple[str, SheetVersion]:
    """The step the form asks for; answers the message and the version to show next."""
    post, user = request.POST, request.user
    action = post.get("action", "")
    if action == "correct":
        return (_("A new version has been prepared for the correction."),
                services.prepare_correction(item, acting_user=user))
    if action == "annex":
        return _("The annex has been prepared."), services.start_annex(item, acting_user=user)
    message = _edit(item, action, post, user) or _review(item, action, post, user)
    if message is None:
        raise EducationError("action_unknown", _("There is no such step."))
    return message, item


@staff_required(MANAGE)
@require_POST
def version_action(request: HttpRequest, sheet_version_id: int) -> HttpResponse:
    item = _version(request, sheet_version_id)
    try:
        message, target = _act(item, request)
    except EducationError as refusal:
        messages.error(request, str(refusal.message))
        return redirect("education-staff:sheet-version", request.municipality.slug, item.pk)
    messages.success(request, message)
    return redirect("education-staff:sheet-version", request.municipality.slug, target.pk)


@staff_required(VIEW)
def version_diff(request: HttpRequest, sheet_version_id: int) -> HttpResponse:
    item = _version(request, sheet_version_id)
    if item.base is None:
        raise Http404
    changes = sheet_rules.diff(selectors_sheets.snapshot(item.base),
                               selectors_sheets.snapshot(item))
    changes["teachers"] = [(name, field, _shown(old), _shown(new))
                           for name, field, old, new in changes["teachers"]]
    names = {**sheet_rules.SUBJECT_NAMES, **FIELD_NAMES}
    return render(request, "education/sheets/diff.html", {
        "version": item, "sheet": item.sheet, "base": item.base, "changes": changes,
        "names": names, "empty": not any(changes.values()),
        "old_summary": selectors_sheets.summary(item.base),
        "new_summary": selectors_sheets.summary(item)})


def _shown(value):
    """A teacher's value as people read it (the employment's name, yes or no)."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return dict(EmploymentForm.choices).get(value, value)


FIELD_NAMES = {
    "grade": gettext_lazy("grade"), "pupils": gettext_lazy("pupils"),
    "qualifications": gettext_lazy("qualifications"),
    "subjects": gettext_lazy("subjects taught"), "employment": gettext_lazy("employment"),
    "pensum": gettext_lazy("pensum"), "contracted_hours": gettext_lazy("hours of employment"),
    "assigned_hours": gettext_lazy("hours assigned"),
    "overtime_consent": gettext_lazy("consent to overtime"),
}
