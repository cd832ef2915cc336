"""`{{ sender.display_name|shown }}`: a name, title or file name as the staff pages show it,
each control character and bidirectional override replaced by a visible U+FFFD
(`ratusz.cases.services.shown_text`). Input refuses them; this is for text stored before
it did, so that "faktura\u202efdp.exe" never reads as "fakturaexe.pdf"."""

from django import template

from ratusz.cases.services import shown_text

register = template.Library()


@register.filter
def shown(value) -> str:
    return shown_text(value)
