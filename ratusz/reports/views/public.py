"""The gmina's indicators as open data: an HTML page, CSV and JSON, for everyone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from ratusz.reports import presentation, selectors
from ratusz.reports.views import common
from ratusz.reports.views.charts import dashboard_figures


def _open_data(document: dict) -> dict:
    """The API's document without the dashboards' internal tables."""
    return {key: document[key] for key in ("municipality", "year", "computed_at",
                                           "indicators", "units", "not_computed")
            if key in document}


def indicators_page(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    year = common.year_of(request)
    document = selectors.indicators_document(request.municipality, year)
    return render(request, "reports/public/indicators.html", {
        "year": year, "document": document, "rows": presentation.indicator_rows(document),
        "figures": dashboard_figures(document), "units": presentation.unit_table(document),
        "municipality": request.municipality, "years": common.years_offered()})


def indicators_json(request: HttpRequest, municipality_slug: str) -> JsonResponse:
    year = common.year_of(request)
    response = JsonResponse(_open_data(selectors.indicators_document(request.municipality,
                                                                     year)),
                            json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def indicators_csv(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    year = common.year_of(request)
    document = selectors.indicators_document(request.municipality, year)
    table = "miesiace" if request.GET.get("tabela") == "miesiace" else "wskazniki"
    return common.export("csv", f"wskazniki-{request.municipality.slug}-{year}",
                         common.document_table(document, table))
