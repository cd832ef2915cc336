"""What the reports' pages share: the year asked for, the tables for export, the
coordinator's gate, and file answers."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ratusz.reports import exports, presentation, selectors
from ratusz.reports.indicators import BY_KEY, HEADLINE_KEYS


def year_of(request) -> int:
    """The year asked for (`?rok=`), this year by default; an impossible one is this
    year too."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("rok", this_year))
    except (TypeError, ValueError):
        return this_year
    return year if selectors.FIRST_YEAR <= year <= this_year else this_year


def years_offered() -> range:
    this_year = timezone.localdate().year
    return range(this_year, this_year - 5, -1)


def key_of(request, default: str = "cases_settled") -> str:
    key = request.GET.get("wskaznik", default)
    return key if key in BY_KEY and not BY_KEY[key].missing else default


def file_response(file_format: str, name: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


def _value(value):
    return "" if value is None else value


def document_table(document: dict, table: str) -> tuple[str, list[str], list[list]] | None:
    """A table of a gmina's (or a unit's) indicators document, as (title, header, rows)."""
    if table == "wskazniki":
        rows = presentation.indicator_rows(document)
        return (_("Indicators"), [_("Key"), _("Indicator"), _("Unit"), _("Value"),
                                  _("Source"), _("Seed or programme"), _("Not computed")],
                [[row["key"], row["name"], row["unit"], _value(row["value"]), row["source"],
                  row["seed"], row["missing"]] for row in rows])
    if table == "miesiace":
        keys = list(document.get("indicators", {}))
        monthly = presentation.monthly_table(document, keys)
        return (_("Indicators by month"), [_("Indicator"), _("Unit"), *monthly["months"]],
                [[row["name"], row["unit"], *[_value(v) for v in row["values"]]]
                 for row in monthly["rows"]])
    if table == "jednostki":
        units = presentation.unit_table(document, HEADLINE_KEYS)
        return (_("Units"), [_("Unit"), *[f"{name} ({unit})" for _k, name, unit in
                                         units["keys"]]],
                [[row["name"], *[_value(v) for v in row["values"]]] for row in units["rows"]])
    tables = document.get("tables", {})
    if table in ("jrwa", "rodzaje"):
        rows = tables.get("settle_by_jrwa" if table == "jrwa" else "settle_by_type", [])
        first = _("JRWA class") if table == "jrwa" else _("Case type")
        return (_("Time to settle"), [first, _("Cases settled"), _("Median (days)"),
                                      _("90th percentile (days)")],
                [[row["group"], row["cases"], _value(row["median"]), _value(row["p90"])]
                 for row in rows])
    if table == "uslugi":
        return (_("Requests by service and channel"), [_("Service"), _("Channel"),
                                                       _("Requests")],
                [[row["service"], row["channel"], row["count"]]
                 for row in tables.get("requests_by_service", [])])
    if table == "kanaly":
        return (_("Incoming correspondence by channel"), [_("Channel"), _("Items")],
                [[row["channel"], row["count"]] for row in tables.get("incoming_by_channel",
                                                                      [])])
    if table == "powiadomienia":
        return (_("Alert messages delivered by channel"), [_("Channel"), _("Messages")],
                [[row["channel"], row["count"]] for row in tables.get("messages_by_channel",
                                                                      [])])
    return None


DOCUMENT_TABLES = ("wskazniki", "miesiace", "jednostki", "jrwa", "rodzaje", "uslugi",
                   "kanaly", "powiadomienia")


def export(file_format: str, name: str, table: tuple[str, list[str], list[list]] | None
           ) -> HttpResponse:
    if table is None or file_format not in exports.FORMATS:
        raise Http404
    title, header, rows = table
    return file_response(file_format, name, exports.render(file_format, title, header, rows))


def coordinator_required(view):
    """A signed-in partnership coordinator (with the second factor where staff need one)
    of the partnership in the address; everyone else gets 404, as for a missing page."""

    @wraps(view)
    def wrapper(request, *args, partnership_slug: str | None = None, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.kind != "coordinator":
            raise Http404
        if settings.RATUSZ_STAFF_2FA_REQUIRED and not user.is_verified():
            return redirect(f"{reverse('accounts:two-factor')}?next={request.path}")
        if partnership_slug is None:
            return view(request, *args, **kwargs)
        partnership = selectors.access_partnership(user, partnership_slug)
        if partnership is None:
            raise Http404
        return view(request, partnership, *args, **kwargs)

    return wrapper
