"""Social help for pupils (u.s.o. art. 90b–90n) in the staff workspace: the submissions
waiting for their income test, the income test of a matter (household, per-person income,
eligibility, the amount proposed) with the decision, the decision's text put in the case,
the monthly payout list for the finance department (page and CSV); and the parent's
read-only page of their own matters."""

from __future__ import annotations

import csv
import datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ratusz.accounts.access import resident_required, staff_required
from ratusz.accounts.permissions import Permission
from ratusz.core.services import record_personal_data_access
from ratusz.education import scholarship_rules as rules
from ratusz.education import selectors_scholarships as selectors
from ratusz.education import services
from ratusz.education.errors import EducationError
from ratusz.education.models import HelpKind, HelpStatus, IncomeSource
from ratusz.payments.money import zloty_plain

VIEW = Permission.VIEW_EDUCATION
MANAGE = Permission.MANAGE_EDUCATION
EXTRA_ROWS = 2


def _matter(request: HttpRequest, application_id: int):
    item = selectors.help_application(request.municipality, application_id)
    if item is None:
        raise Http404
    return item


def _month(text: str | None) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text or "", "%Y-%m").date()
    except ValueError:
        return None


@staff_required(VIEW)
@require_GET
def help_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    return render(request, "education/scholarships/list.html", {
        "waiting": selectors.waiting_help_submissions(municipality)[:100],
        "matters": selectors.help_applications(municipality)[:200]})


@staff_required(MANAGE)
@require_POST
def help_open(request: HttpRequest, filed_id: int) -> HttpResponse:
    """The income test opened on the submission `filed_id` of the scholarship or allowance
    form (education.manage: the education department acts on these forms whichever
    department's register took them in)."""
    submission = selectors.help_submission(request.municipality, filed_id)
    if submission is None:
        raise Http404
    try:
        item = services.open_help_application(submission, acting_user=request.user)
    except EducationError as refusal:
        messages.error(request, str(refusal.message))
        return redirect("education-staff:help-list", request.municipality.slug)
    return redirect("education-staff:help-matter", request.municipality.slug, item.pk)


def _members_from_post(post) -> list[services.MemberData]:
    """The household rows of the income test's form; an empty row is skipped."""
    try:
        rows = min(int(post.get("rows", "0")), services.scholarships.MAX_MEMBERS + EXTRA_ROWS)
    except ValueError:
        rows = 0
    pupil = post.get("pupil", "")
    members = []
    for index in range(max(rows, 0)):
        prefix = f"m{index}-"
        name, relation = post.get(prefix + "name", ""), post.get(prefix + "relation", "")
        incomes = {}
        for source in IncomeSource.values:
            text = post.get(f"{prefix}{source}", "")
            try:
                incomes[source] = rules.parse_zloty(text)
            except rules.RuleError as error:
                raise EducationError("income_invalid", _(
                    "Member %(number)s: “%(text)s” is not an amount in złoty."),
                    number=len(members) + 1, text=str(text)[:20]) from error
        pesel = post.get(prefix + "pesel", "")
        if not (name.strip() or relation.strip() or pesel.strip() or any(incomes.values())):
            continue
        members.append(services.MemberData(name, relation, pesel, pupil == str(index),
                                           incomes))
    return members


def _grant_figures(post, item) -> dict:
    try:
        amount = rules.parse_zloty(post.get("amount", ""))
    except rules.RuleError as error:
        raise EducationError("amount_invalid", _("Give the amount in złoty, e.g. 124,00.")
                             ) from error
    figures = {"monthly_amount": amount}
    if item.kind == HelpKind.SCHOLARSHIP:
        first = _month(post.get("first_month"))
        if first is None:
            raise EducationError("first_month_invalid", _("Choose the first month."))
        try:
            count = int(post.get("month_count", ""))
        except ValueError as error:
            raise EducationError("months_invalid", _("Give the number of months, 1 to 10.")
                                 ) from error
        figures.update(first_month=first, month_count=count)
    return figures


@staff_required(MANAGE)
@require_POST
def help_matter_action(request: HttpRequest, application_id: int) -> HttpResponse:
    """The household saved (`household`), or the decision (`grant`, `refuse`)."""
    item = _matter(request, application_id)
    slug = request.municipality.slug
    action = request.POST.get("action", "")
    if action not in ("household", "grant", "refuse"):
        raise Http404
    try:
        if action == "household":
            services.record_household(item, acting_user=request.user,
                                      members=_members_from_post(request.POST))
            messages.success(request, _("The household is saved."))
        else:
            figures = _grant_figures(request.POST, item) if action == "grant" else {}
            services.decide_help(item, acting_user=request.user, grant=action == "grant",
                                 reason=request.POST.get("reason", ""), **figures)
            return redirect("education-staff:help-decision", slug, item.pk)
    except EducationError as refusal:
        messages.error(request, str(refusal.message))
    return redirect("education-staff:help-matter", slug, item.pk)


def _zloty_field(grosze: int | None) -> str:
    """An amount as the form shows it for editing: "1800,00"; nothing for None or 0."""
    return zloty_plain(grosze).replace(".", ",") if grosze else ""


def _income_cells(incomes: dict) -> list[tuple[str, str, str]]:
    return [(value, label, _zloty_field(incomes.get(value)))
            for value, label in IncomeSource.choices]


@never_cache
@staff_required(VIEW)
@require_GET
def help_matter(request: HttpRequest, application_id: int) -> HttpResponse:
    """The income test: the household and its incomes, the per-person income against the
    threshold, the eligibility, the amount proposed by the regulation; the decision."""
    item = _matter(request, application_id)
    members = selectors.household(item)
    record_personal_data_access(
        municipality=request.municipality, staff=request.user, subject=item.resident,
        subject_label=item.applicant_name, context="education.help",
        fields=["household", "incomes", "pesel"], path=request.path)
    regulation = item.regulation or selectors.regulation_in_force(request.municipality,
                                                                  item.applied_on)
    allowance = regulation.family_allowance if regulation else rules.FAMILY_ALLOWANCE
    rows = [{"index": index, "member": member,
             "cells": _income_cells({i.source: i.net_amount for i in member.incomes.all()})}
            for index, member in enumerate(members)]
    rows += [{"index": len(rows) + n, "member": None, "cells": _income_cells({})}
             for n in range(EXTRA_ROWS)]
    proposed = services.proposal(item) if regulation else None
    year = item.school_year
    return render(request, "education/scholarships/matter.html", {
        "item": item, "rows": rows, "sources": IncomeSource.choices,
        "regulation": regulation,
        "threshold": regulation.income_threshold if regulation else rules.INCOME_THRESHOLD,
        "bounds": rules.scholarship_bounds(allowance), "cap": rules.allowance_cap(allowance),
        "proposal": proposed, "proposal_text": _zloty_field(proposed),
        "school_months": [datetime.date(year if m >= 9 else year + 1, m, 1)
                          for m in rules.SCHOOL_MONTHS],
        "is_open": item.status == HelpStatus.OPEN})


@never_cache
@staff_required(VIEW)
@require_GET
def help_decision(request: HttpRequest, application_id: int) -> HttpResponse:
    """The decision's text with the figures, the legal basis and the appeal instruction;
    the clerk puts it in the case as a draft letter."""
    item = _matter(request, application_id)
    return render(request, "education/scholarships/decision.html", {
        "item": item, "payouts": item.payouts.order_by("month", "pk"),
        "letter": selectors.letter_of(request.municipality, item.decision_letter_id)})


@staff_required(MANAGE)
@require_POST
def help_letter(request: HttpRequest, application_id: int) -> HttpResponse:
    item = _matter(request, application_id)
    try:
        services.put_decision_in_case(item, acting_user=request.user)
        messages.success(request, _("The decision is a draft letter in the case now."))
    except EducationError as refusal:
        messages.error(request, str(refusal.message))
    return redirect("education-staff:help-decision", request.municipality.slug, item.pk)


@staff_required(VIEW, Permission.VIEW_PAYMENTS)
@require_GET
def payouts(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    months = selectors.payout_months(municipality)
    month = _month(request.GET.get("month"))
    if month is None:
        current = timezone.localdate().replace(day=1)
        month = current if current in months or not months else months[-1]
    return render(request, "education/scholarships/payouts.html", {
        "month": month, "months": months, "lines": selectors.payout_lines(municipality, month),
        "total": selectors.payout_total(municipality, month)})


CSV_HEADER = ["line", "month", "recipient", "pupil", "amount_grosze", "amount_pln",
              "account", "title", "corrects", "paid_at"]


@staff_required(VIEW, Permission.VIEW_PAYMENTS)
@require_GET
def payouts_csv(request: HttpRequest) -> HttpResponse:
    """The month's payout list for the finance department (UTF-8, `;`-separated); the
    current month unless `month=YYYY-MM` names another."""
    month = _month(request.GET.get("month")) or timezone.localdate().replace(day=1)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="wyplaty-stypendia-'
                                       f'{month:%Y-%m}.csv"')
    writer = csv.writer(response, delimiter=";")
    writer.writerow(CSV_HEADER)
    for line in selectors.payout_lines(request.municipality, month):
        writer.writerow([line.pk, f"{line.month:%Y-%m}", _safe(line.recipient_name),
                         _safe(line.pupil_name), line.amount, zloty_plain(line.amount),
                         line.account, _safe(line.title), line.corrects_id or "",
                         line.paid_at.isoformat() if line.paid_at else ""])
    return response


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


@staff_required(Permission.MANAGE_PAYMENTS)
@require_POST
def payouts_paid(request: HttpRequest) -> HttpResponse:
    month = _month(request.POST.get("month"))
    if month is None:
        raise Http404
    count = services.mark_month_paid(request.municipality, month, acting_user=request.user)
    messages.success(request, _("Lines marked paid: %(count)s.") % {"count": count})
    return redirect(f"{_payouts_url(request)}?month={month:%Y-%m}")


def _payouts_url(request: HttpRequest) -> str:
    return reverse("education-staff:help-payouts", args=[request.municipality.slug])


@staff_required(MANAGE)
@require_POST
def payout_correct(request: HttpRequest, line_id: int) -> HttpResponse:
    line = selectors.payout_line(request.municipality, line_id)
    if line is None:
        raise Http404
    month = _month(request.POST.get("month")) or line.month
    try:
        amount = rules.parse_zloty(request.POST.get("amount", ""))
        services.correct_payout(line, acting_user=request.user, amount=amount, month=month,
                                reason=request.POST.get("reason", ""))
        messages.success(request, _("The correction is a new line of the list."))
    except rules.RuleError:
        messages.error(request, _("Give the difference in złoty, e.g. -24,80."))
    except EducationError as refusal:
        messages.error(request, str(refusal.message))
    return redirect(f"{_payouts_url(request)}?month={month:%Y-%m}")


@never_cache
@resident_required
@require_GET
def my_help(request: HttpRequest, municipality_slug: str, application_id: int
            ) -> HttpResponse:
    """The parent's own scholarship or allowance matter: state, amount, payouts (read)."""
    item = selectors.resident_help_application(request.municipality, request.user,
                                               application_id)
    if item is None:
        raise Http404
    return render(request, "education/scholarships/mine.html", {
        "item": item, "lines": item.payouts.order_by("month", "pk")})


def _tiers_from_text(text: str) -> list[dict]:
    """The tiers typed one a line as "income up to; monthly amount" in złoty."""
    tiers = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split(";")
        try:
            if len(parts) != 2:
                raise rules.RuleError("tier_line")
            up_to, amount = (rules.parse_zloty(part) for part in parts)
        except rules.RuleError as error:
            raise EducationError("tier_line_invalid", _(
                "Line %(number)s: write the income limit and the amount in złoty separated "
                "by a semicolon, e.g. 500,00; 200,00."), number=number) from error
        tiers.append({"up_to": up_to, "amount": amount})
    return tiers


@staff_required(VIEW)
@require_GET
def help_regulations(request: HttpRequest) -> HttpResponse:
    """The council's regulations (regulamin) with their tiers, newest first."""
    return render(request, "education/scholarships/regulations.html", {
        "regulations": selectors.regulations(request.municipality),
        "bounds": rules.scholarship_bounds(), "threshold": rules.INCOME_THRESHOLD})


@staff_required(MANAGE)
@require_POST
def help_regulation_create(request: HttpRequest) -> HttpResponse:
    post = request.POST
    try:
        try:
            effective_from = datetime.date.fromisoformat(post.get("effective_from", ""))
        except ValueError as error:
            raise EducationError("date_invalid", _("Give the date the regulation is in "
                                                   "force from.")) from error
        services.set_regulation(request.municipality, acting_user=request.user,
                                effective_from=effective_from,
                                resolution=post.get("resolution", ""),
                                tiers=_tiers_from_text(post.get("tiers", "")))
        messages.success(request, _("The regulation is saved."))
    except EducationError as refusal:
        messages.error(request, str(refusal.message))
    return redirect("education-staff:help-regulations", request.municipality.slug)
