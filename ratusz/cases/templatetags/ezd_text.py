"""`{{ sender.display_name|shown }}`: a name, title or file name as the staff pages show it,
each control character and bidirectional override replaced by a visible U+FFFD
(`ratusz.cases.services.shown_text`). Input refuses them; this is for text stored before
it did, so that "faktura\u202efdp.exe" never reads as "fakturaexe.pdf".

`{{ entry.letter_date|partial_date }}`: a letter's date (whole, month or year only) in the
pages' Polish format."""

import datetime

from django import template
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from ratusz.cases.letters import keep_together
from ratusz.cases.services import shown_text

register = template.Library()


@register.filter
def shown(value) -> str:
    return shown_text(value)


@register.filter
def keep_mark(value, case_mark: str) -> str:
    """`{{ letter.subject|keep_mark:case.mark }}`: the text (escaped unless already safe)
    with the case mark kept on one line, as the letter prints it."""
    return mark_safe(keep_together(str(conditional_escape(value)), case_mark))  # noqa: S308


@register.filter
def partial_date(value, format_name: str = "DATE_FORMAT") -> str:
    """`{{ entry.letter_date|partial_date }}`: the date of a letter as given, which may be
    a whole date, a month or only a year ("2026-12-07", "2026-12", "2026"), in the one
    Polish format of the pages ("7 grudnia 2026", "Grudzień 2026", "2026"); narrow tables
    pass "SHORT_DATE_FORMAT" ("07.12.2026"). Anything else is shown as stored."""
    text = str(value or "")
    try:
        if len(text) == 10:
            return date_format(datetime.date.fromisoformat(text), format_name)
        if len(text) == 7:
            month = datetime.date.fromisoformat(f"{text}-01")
            return date_format(month, "YEAR_MONTH_FORMAT" if format_name == "DATE_FORMAT"
                               else "m.Y")
    except ValueError:
        pass
    return text
