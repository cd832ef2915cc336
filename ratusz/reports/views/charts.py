"""The dashboards' charts: each an SVG image (pygal, drawn on the server) with a text
alternative, and the same numbers as a table beside it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ratusz.reports import charts, presentation
from ratusz.reports.indicators import BY_KEY

#: (title msgid, chart kind, indicator keys) of the dashboards' figures.
FIGURES = [
    (gettext_noop("Cases opened and settled by month"), "line",
     ("cases_opened", "cases_settled")),
    (gettext_noop("Days to settle by month"), "line",
     ("days_to_settle_median", "days_to_settle_p90")),
    (gettext_noop("Electronic share of incoming correspondence by month"), "bar",
     ("incoming_electronic_share",)),
    (gettext_noop("Requests filed through the e-office by month"), "bar", ("submissions",)),
    (gettext_noop("Matters overdue at the end of each month"), "bar", ("cases_overdue",)),
    (gettext_noop("BIP documents published and files downloaded by month"), "line",
     ("bip_documents", "bip_downloads")),
]


def figure(title: str, kind: str, months: list[str], series: list[tuple[str, list]]) -> dict:
    """One chart with its table: {"title", "uri", "alt", "months", "series"}."""
    if kind == "bar" and len(series) == 1:
        uri = charts.bar_chart(title, months, series[0][1])
    else:
        uri = charts.line_chart(title, months, series)
    return {"title": title, "uri": uri, "months": months, "series": series,
            "rows": [[month, *[values[index] for _name, values in series]]
                     for index, month in enumerate(months)],
            "alt": _("%(title)s. The numbers are in the table below the chart.")
            % {"title": title}}


def dashboard_figures(document: dict) -> list[dict]:
    months = presentation.months(document)
    values = document.get("indicators", {})
    figures = []
    for title, kind, keys in FIGURES:
        present = [key for key in keys if key in values]
        if not present or not months:
            continue
        series = [(str(BY_KEY[key].name), [values[key]["by_month"].get(month)
                                           for month in months]) for key in present]
        figures.append(figure(_(title), kind, months, series))
    return figures


def comparison_figure(title: str, names: list[str], values: list) -> dict:
    uri = charts.horizontal_bars(title, names, values)
    return {"title": title, "uri": uri, "rows": list(zip(names, values, strict=True)),
            "alt": _("%(title)s. The numbers are in the table below the chart.")
            % {"title": title}}


def trend_figure(title: str, trend: dict) -> dict:
    series = [(row["name"], row["values"]) for row in trend["rows"]]
    return figure(title, "line", trend["months"], series)
