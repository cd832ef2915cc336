"""`{{ sender.display_name|shown }}`: a name, title or file name as the staff pages show it,
each control character and bidirectional override replaced by a visible U+FFFD
(`ratusz.cases.services.shown_text`). Input refuses them; this is for text stored before
it did, so that "faktura\u202efdp.exe" never reads as "fakturaexe.pdf"."""

from django import template
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
