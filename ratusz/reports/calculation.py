"""The gmina's indicators of a year computed from the rollups (the days' figures) and the
watch's clocks: numbers only, the API's document plus the dashboards' tables. A read: it
writes nothing (the refresh stores its result as the year's snapshot)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ratusz.core.models import Municipality
from ratusz.core.selectors import list_units
from ratusz.reports.indicators import BY_KEY, COMPUTED, NOT_COMPUTED, median, percentile
from ratusz.reports.models import DailyFigure, MatterClock


def months_of(year: int, today: date) -> list[str]:
    last = 12 if year < today.year else (today.month if year == today.year else 0)
    return [f"{year}-{month:02d}" for month in range(1, last + 1)]


def compute_indicators(municipality: Municipality, year: int, *,
                       today: date | None = None) -> dict:
    """The gmina's indicators of `year` from the rollups and the clocks (numbers only):
    the API's document plus the dashboards' tables. The caller is in the gmina's tenant
    context."""
    today = today or timezone.localdate()
    months = months_of(year, today)
    flows: dict = defaultdict(Counter)  # (key, unit_id) -> {month: value}
    states: dict = defaultdict(dict)  # (key, unit_id) -> {day: value}
    dimensions: dict = defaultdict(Counter)  # key -> {(unit_id, dimension): value}
    figures = (DailyFigure.objects.for_municipality(municipality)
               .filter(day__gte=date(year, 1, 1), day__lte=date(year, 12, 31)).order_by()
               .values_list("unit_id", "day", "key", "dimension", "value"))
    for unit_id, day, key, dimension, value in figures.iterator(chunk_size=5000):
        if dimension:
            dimensions[key][(unit_id, dimension)] += value
        elif BY_KEY[key].kind == "state":
            states[(key, unit_id)][day] = value
        else:
            flows[(key, unit_id)][day.strftime("%Y-%m")] += value
    histograms = _settle_histograms(municipality, year)
    units = list(list_units(municipality))
    unit_ids = [unit.pk for unit in units]

    def block(unit_ids_in: list, unit_level: bool) -> dict:
        result = {}
        for indicator in COMPUTED:
            if unit_level and not indicator.per_unit:
                continue
            by_month = _by_month(indicator, unit_ids_in, months, flows, states, histograms)
            result[indicator.key] = {"value": _total(indicator, by_month, unit_ids_in, flows,
                                                     states, histograms),
                                     "unit": indicator.unit, "by_month": by_month}
        return result

    all_units = [*unit_ids, None]
    document = {
        "municipality": municipality.slug, "year": year,
        "computed_at": timezone.now().isoformat(timespec="seconds"),
        "indicators": block(all_units, False),
        "units": [{"unit": unit.slug, "name": unit.name, "id": unit.pk,
                   "indicators": block([unit.pk], True)}
                  for unit in units],
        "not_computed": [indicator.key for indicator in NOT_COMPUTED],
        "tables": _tables(dimensions, histograms, {unit.pk: unit.slug for unit in units}),
    }
    return document


def _settle_histograms(municipality: Municipality, year: int) -> dict:
    """{(month, unit_id, jrwa, case type): {days: count}} of the cases settled in `year`."""
    rows = (MatterClock.objects.for_municipality(municipality)
            .filter(is_test=False, settled_on__year=year, days_to_settle__isnull=False)
            .annotate(month=TruncMonth("settled_on")).order_by()
            .values_list("month", "unit_id", "jrwa_symbol", "case_type", "days_to_settle")
            .annotate(n=Count("pk")))
    histograms: dict = defaultdict(Counter)
    for month, unit_id, jrwa, case_type, days, count in rows:
        histograms[(month.strftime("%Y-%m"), unit_id, jrwa, case_type)][days] += count
    return histograms


def _merged(histograms: dict, *, months=None, unit_ids=None, jrwa=None, case_type=None
            ) -> Counter:
    merged: Counter = Counter()
    for (month, unit_id, symbol, type_name), histogram in histograms.items():
        if (months is not None and month not in months) or \
                (unit_ids is not None and unit_id not in unit_ids) or \
                (jrwa is not None and symbol != jrwa) or \
                (case_type is not None and type_name != case_type):
            continue
        merged.update(histogram)
    return merged


def _state_value(key: str, unit_ids: list, states: dict, month: str | None) -> int | None:
    latest = None
    for unit_id in unit_ids:
        series = states.get((key, unit_id), {})
        days = [day for day in series if month is None or day.strftime("%Y-%m") == month]
        if days:
            latest = max(latest or days[0], max(days))
    if latest is None:
        return None
    return sum(states.get((key, unit_id), {}).get(latest, 0) for unit_id in unit_ids)


def _flow(key: str, unit_ids: list, flows: dict, month: str | None) -> int:
    total = 0
    for unit_id in unit_ids:
        series = flows.get((key, unit_id), {})
        total += series.get(month, 0) if month else sum(series.values())
    return total


def _value(indicator, unit_ids, flows, states, histograms, month: str | None):
    kind = indicator.kind
    if kind == "flow":
        return _flow(indicator.key, unit_ids, flows, month)
    if kind == "state":
        return _state_value(indicator.key, unit_ids, states, month)
    if kind in ("share", "per_mille"):
        numerator = _flow(indicator.numerator, unit_ids, flows, month)
        denominator = _flow(indicator.denominator, unit_ids, flows, month)
        if not denominator:
            return None
        scale = 100 if kind == "share" else 1000
        return round(numerator * scale / denominator, 1)
    histogram = _merged(histograms, months={month} if month else None,
                        unit_ids=set(unit_ids))
    result = median(histogram) if kind == "median" else percentile(histogram, 0.9)
    return None if result is None else round(result, 1)


def _by_month(indicator, unit_ids, months, flows, states, histograms) -> dict:
    return {month: _value(indicator, unit_ids, flows, states, histograms, month)
            for month in months}


def _total(indicator, by_month, unit_ids, flows, states, histograms):
    if indicator.kind == "state":
        known = [value for value in by_month.values() if value is not None]
        return known[-1] if known else 0
    value = _value(indicator, unit_ids, flows, states, histograms, None)
    return value if value is not None else 0


def _tables(dimensions: dict, histograms: dict, unit_slugs: dict) -> dict:
    def settle_rows(field: int) -> list[dict]:
        groups: dict = defaultdict(Counter)
        for key, histogram in histograms.items():
            groups[key[field]].update(histogram)
        return [{"group": group or "—", "cases": sum(histogram.values()),
                 "median": median(histogram), "p90": percentile(histogram, 0.9)}
                for group, histogram in sorted(groups.items())]

    services: Counter = Counter()
    for (_unit, dimension), value in dimensions.get("service_requests", {}).items():
        services[dimension] += value
    channels: Counter = Counter()
    for (_unit, channel), value in dimensions.get("incoming_total", {}).items():
        channels[channel] += value
    messages: Counter = Counter()
    for (_unit, channel), value in dimensions.get("messages_delivered", {}).items():
        messages[channel] += value
    return {
        "settle_by_jrwa": settle_rows(2),
        "settle_by_type": settle_rows(3),
        "requests_by_service": [
            {"service": key.split("|")[0], "channel": key.split("|")[1], "count": value}
            for key, value in sorted(services.items(), key=lambda item: -item[1])],
        "incoming_by_channel": [{"channel": key, "count": value}
                                for key, value in sorted(channels.items())],
        "messages_by_channel": [{"channel": key, "count": value}
                                for key, value in sorted(messages.items())],
    }
