"""Numbers of the reports as the pages show them."""

from django import template
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime

from ratusz.reports.presentation import format_value

register = template.Library()


@register.filter
def figure(value) -> str:
    """A number in Polish style (a dash for none)."""
    return format_value(value)


@register.filter
def at(values, index):
    """The item at `index` of a list (for tables built in rows)."""
    try:
        return values[index]
    except (IndexError, KeyError, TypeError):
        return None


@register.filter
def moment(value) -> str:
    """A time kept as ISO text (a snapshot's `computed_at`) in the site's Polish format,
    in local time."""
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if parsed is None:
        return value or ""
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return formats.date_format(parsed, "DATETIME_FORMAT")
