"""Numbers of the reports as the pages show them."""

from django import template

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
