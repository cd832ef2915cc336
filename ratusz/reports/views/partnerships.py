"""A partnership coordinator's pages: the member gminy's figures side by side, rankings,
trends by month, the test inquiries; exports. Only numbers of the members reach here."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ratusz.reports import forms, presentation, selectors, services
from ratusz.reports.indicators import BY_KEY, COMPUTED, HEADLINE_KEYS
from ratusz.reports.views import common
from ratusz.reports.views.charts import comparison_figure, trend_figure

COMPARED_KEYS = (*HEADLINE_KEYS, "test_inquiry_days")


def _labels() -> dict:
    labels = {indicator.key: str(indicator.name) for indicator in COMPUTED}
    labels["test_inquiry_days"] = _("Days to answer a test inquiry (average)")
    return labels


def _comparison(members: list[dict]) -> dict:
    labels = _labels()
    return {"keys": [(key, labels[key]) for key in COMPARED_KEYS],
            "rows": [{"name": member["name"], "slug": member["slug"],
                      "values": [member["document"]["indicators"].get(key, {}).get("value")
                                 for key in COMPARED_KEYS]} for member in members]}


@common.coordinator_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/partnerships/home.html", {
        "partnerships": selectors.partnerships_of(request.user)})


def _key(request) -> str:
    key = request.GET.get("wskaznik", "cases_settled")
    return key if key in COMPARED_KEYS or (key in BY_KEY and not BY_KEY[key].missing) \
        else "cases_settled"


@common.coordinator_required
def dashboard(request: HttpRequest, partnership) -> HttpResponse:
    """The members side by side, a ranking and a trend of one indicator."""
    year = common.year_of(request)
    key = _key(request)
    members = selectors.member_documents(partnership, year)
    labels = _labels()
    ranking = presentation.ranking(members, key)
    trend = presentation.trend_table(members, key)
    return render(request, "reports/partnerships/dashboard.html", {
        "partnership": partnership, "year": year, "key": key, "label": labels.get(key, key),
        "members": members, "comparison": _comparison(members), "ranking": ranking,
        "ranking_figure": comparison_figure(
            _("Ranking: %(indicator)s") % {"indicator": labels.get(key, key)},
            [row["name"] for row in ranking], [row["value"] for row in ranking]),
        "trend": trend,
        "trend_figure": trend_figure(
            _("Trend by month: %(indicator)s") % {"indicator": labels.get(key, key)}, trend)
        if trend["months"] else None,
        "choices": sorted(labels.items(), key=lambda item: item[1]),
        "years": common.years_offered(),
    })


@common.coordinator_required
def export(request: HttpRequest, partnership, table: str, file_format: str) -> HttpResponse:
    year = common.year_of(request)
    key = _key(request)
    members = selectors.member_documents(partnership, year)
    labels = _labels()
    if table == "porownanie":
        comparison = _comparison(members)
        content = (_("Comparison"), [_("Gmina"), *[name for _k, name in comparison["keys"]]],
                   [[row["name"], *["" if v is None else v for v in row["values"]]]
                    for row in comparison["rows"]])
    elif table == "ranking":
        content = (_("Ranking"), [_("Position"), _("Gmina"), labels.get(key, key)],
                   [[row["position"] or "", row["name"],
                     "" if row["value"] is None else row["value"]]
                    for row in presentation.ranking(members, key)])
    elif table == "trend":
        trend = presentation.trend_table(members, key)
        content = (_("Trend"), [_("Gmina"), *trend["months"]],
                   [[row["name"], *["" if v is None else v for v in row["values"]]]
                    for row in trend["rows"]])
    elif table == "zapytania":
        content = (_("Test inquiries"), [_("Gmina"), _("Filed"), _("Answered"),
                                         _("Unanswered"), _("Average days to answer")],
                   [[member["name"], member["inquiries"]["filed"],
                     member["inquiries"]["answered"], member["inquiries"]["unanswered"],
                     member["inquiries"]["average_days"] or ""] for member in members])
    else:
        raise Http404
    return common.export(file_format, f"{table}-{partnership.slug}-{year}", content)


@common.coordinator_required
@require_http_methods(["GET", "POST"])
def inquiries(request: HttpRequest, partnership) -> HttpResponse:
    """Schedule a test inquiry to some or all member gminy; see their answer times."""
    members = selectors.accepted_members(partnership)
    form = forms.InquiryForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data.get("municipalities") or [])
        try:
            for municipality in members:
                if not chosen or municipality.slug in chosen:
                    services.schedule_inquiry(municipality, acting_user=request.user,
                                              on=form.cleaned_data["scheduled_for"],
                                              partnership=partnership)
        except services.PartnershipError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The test inquiries are scheduled."))
            return redirect("partnerships:inquiries", partnership.slug)
    year = common.year_of(request)
    return render(request, "reports/partnerships/inquiries.html", {
        "partnership": partnership, "form": form,
        "members": selectors.member_documents(partnership, year)},
        status=400 if form.errors else 200)
