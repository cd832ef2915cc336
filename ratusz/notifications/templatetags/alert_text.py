"""`{{ alert.headline|printable }}`: an alert's text without the characters no page may
print — the control characters XML forbids (HTML forbids them too) and the bidirectional
overrides that make text read differently from what it is. Input refuses them; this is
for alerts stored before it did, so the banner on every page of a gmina stays clean."""

from django import template

from ratusz.core.text import BIDI_CONTROLS, XML_FORBIDDEN

register = template.Library()


@register.filter(is_safe=True)
def printable(value) -> str:
    text = "" if value is None else str(value)
    return BIDI_CONTROLS.sub("", XML_FORBIDDEN.sub("", text))
