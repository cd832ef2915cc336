"""`{{ attachment.name|file_name }}`: a file's name as the BIP's pages show it, with any
control character or bidirectional override (a name stored before names were cleaned,
"faktura\u202efdp.exe" reading as "fakturaexe.pdf") made a visible "\ufffd"."""

from django import template

from ratusz.bulletin.services import shown_file_name

register = template.Library()


@register.filter
def file_name(value) -> str:
    return shown_file_name("" if value is None else str(value))
