"""Tables made from an indicators document (no database): the rows that the dashboards,
the exports, the open data and the monthly report show. A row's values are numbers or
None (not computed for the period)."""

from __future__ import annotations

from ratusz.reports.indicators import BY_KEY, HEADLINE_KEYS, INDICATORS, LOWER_IS_BETTER


def _label(key: str) -> tuple[str, str]:
    indicator = BY_KEY[key]
    return str(indicator.name), str(indicator.unit_label)


def indicator_rows(document: dict) -> list[dict]:
    """One row per indicator: key, name, unit, the year's value, source and seed; those
    that cannot be computed yet carry the reason instead of a value."""
    values = document.get("indicators", {})
    rows = []
    for indicator in INDICATORS:
        entry = values.get(indicator.key)
        rows.append({"key": indicator.key, "name": str(indicator.name),
                     "unit": str(indicator.unit_label),
                     "value": entry["value"] if entry else None,
                     "source": str(indicator.source), "seed": str(indicator.seed),
                     "missing": str(indicator.missing) if indicator.missing else ""})
    return rows


def months(document: dict) -> list[str]:
    first = next(iter(document.get("indicators", {}).values()), None)
    return list(first["by_month"]) if first else []


def monthly_table(document: dict, keys=HEADLINE_KEYS) -> dict:
    """{"months": [...], "rows": [{"key", "name", "unit", "values": [...]}]}."""
    columns = months(document)
    values = document.get("indicators", {})
    rows = []
    for key in keys:
        if key not in values:
            continue
        name, unit = _label(key)
        rows.append({"key": key, "name": name, "unit": unit,
                     "values": [values[key]["by_month"].get(month) for month in columns]})
    return {"months": columns, "rows": rows}


def month_rows(document: dict, month: str) -> list[dict]:
    """Every computed indicator's value in one month (the monthly report)."""
    rows = []
    for key, entry in document.get("indicators", {}).items():
        name, unit = _label(key)
        rows.append({"key": key, "name": name, "unit": unit,
                     "value": entry["by_month"].get(month), "year": entry["value"]})
    return rows


def unit_table(document: dict, keys=HEADLINE_KEYS) -> dict:
    """The units side by side: {"keys": [(key, name, unit)], "rows": [{"unit", "name",
    "values"}]}."""
    units = document.get("units", [])
    present = [key for key in keys if any(key in unit["indicators"] for unit in units)]
    return {"keys": [(key, *_label(key)) for key in present],
            "rows": [{"unit": unit["unit"], "name": unit["name"], "unit_id": unit.get("id"),
                      "values": [unit["indicators"].get(key, {}).get("value")
                                 for key in present]} for unit in units]}


def unit_document(document: dict, unit_slug: str) -> dict | None:
    """The document of one unit, shaped like the gmina's."""
    for unit in document.get("units", []):
        if unit["unit"] == unit_slug:
            return {"municipality": document["municipality"], "year": document["year"],
                    "unit": unit["unit"], "name": unit["name"],
                    "indicators": unit["indicators"], "tables": {}}
    return None


def comparison_table(members: list[dict], keys=HEADLINE_KEYS) -> dict:
    """Member gminy side by side: members are {"slug", "name", "document"}."""
    return {"keys": [(key, *_label(key)) for key in keys],
            "rows": [{"slug": member["slug"], "name": member["name"],
                      "values": [member["document"].get("indicators", {}).get(key, {})
                                 .get("value") for key in keys]} for member in members]}


def ranking(members: list[dict], key: str) -> list[dict]:
    """The members ordered best first by one indicator (lower is better for delays and
    complaints); those without a value last."""
    lower_better = key in LOWER_IS_BETTER
    valued = [(member["name"], member["slug"], member["document"].get("indicators", {})
               .get(key, {}).get("value")) for member in members]
    with_value = sorted([row for row in valued if row[2] is not None],
                        key=lambda row: row[2], reverse=not lower_better)
    rows, position, previous = [], 0, object()
    for index, (name, slug, value) in enumerate(with_value, start=1):
        if value != previous:
            position, previous = index, value
        rows.append({"position": position, "name": name, "slug": slug, "value": value})
    rows += [{"position": None, "name": name, "slug": slug, "value": None}
             for name, slug, value in valued if value is None]
    return rows


def trend_table(members: list[dict], key: str) -> dict:
    """One indicator by month for every member."""
    columns: list[str] = []
    for member in members:
        for month in member["document"].get("indicators", {}).get(key, {}).get("by_month",
                                                                                {}):
            if month not in columns:
                columns.append(month)
    columns.sort()
    return {"months": columns,
            "rows": [{"slug": member["slug"], "name": member["name"],
                      "values": [member["document"].get("indicators", {}).get(key, {})
                                 .get("by_month", {}).get(month) for month in columns]}
                     for member in members]}


def format_value(value) -> str:
    """A number as the tables show it: integers without decimals, others with one, in
    Polish style (decimal comma); a dash for none."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}".replace(".", ",")
    return f"{int(value):,}".replace(",", "\u00a0")
