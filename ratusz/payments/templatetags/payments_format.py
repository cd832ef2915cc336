"""Amounts in grosze and account numbers as people read them."""

from django import template

from ratusz.payments import nrb
from ratusz.payments.money import zloty_text

register = template.Library()


@register.filter
def zl(grosze) -> str:
    """`1 234,56 zł`."""
    try:
        return zloty_text(int(grosze))
    except (TypeError, ValueError):
        return ""


@register.filter
def nrb_grouped(number: str) -> str:
    return nrb.grouped(number or "")
