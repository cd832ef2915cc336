"""The editor's HTML made safe and accessible: what the BIP's entries and the units'
websites may carry (nh3), and the check that every image has an alternative text."""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import urlsplit

import nh3
from django.urls import reverse

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "ul", "ol", "li",
                "h2", "h3", "h4", "blockquote", "a", "img", "table", "thead", "tbody",
                "tfoot", "tr", "th", "td", "caption", "figure", "figcaption", "abbr", "code",
                "pre", "hr", "span", "iframe"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"}, "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "rowspan"}, "td": {"colspan", "rowspan"},
    "abbr": {"title"}, "span": {"lang"}, "p": {"lang"},
    "iframe": {"src", "title", "width", "height", "allowfullscreen"},
}
#: Session recordings may be embedded from these hosts only; other iframes are removed.
IFRAME_HOSTS = {"www.youtube-nocookie.com", "player.vimeo.com"}


def _filter_attribute(tag: str, attribute: str, value: str,
                      own_images: re.Pattern | None = None) -> str | None:
    if tag == "iframe" and attribute == "src":
        parts = urlsplit(value)
        return value if parts.scheme == "https" and parts.hostname in IFRAME_HOSTS else None
    if tag == "img" and attribute == "src" and own_images is not None:
        return value if own_images.fullmatch(value) else None
    if attribute in ("href", "src"):
        scheme = urlsplit(value).scheme.lower()
        if scheme not in ("", "http", "https", "mailto", "tel"):
            return None
    return value


def own_image_pattern(municipality_slug: str) -> re.Pattern:
    """The relative addresses of the gmina's own images of the text (/bip/obraz/<id>/)."""
    sample = reverse("bip:image", args=[municipality_slug, 1])
    prefix = sample[:sample.rindex("/1/") + 1]
    return re.compile(re.escape(prefix) + r"[1-9][0-9]{0,17}/")


def sanitise(html: str, *, own_images_of: str = "") -> str:
    """The editor's HTML reduced to safe, accessible markup: no scripts, event handlers,
    styles, foreign iframes or javascript: links; an iframe without an allowed source is
    dropped whole. With `own_images_of` (a gmina's slug) an image stays only when it is
    one of that gmina's own uploaded images (a relative /g/<slug>/bip/obraz/<id>/ address);
    any other image is dropped whole."""
    own_images = own_image_pattern(own_images_of) if own_images_of else None
    cleaned = nh3.clean(html or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        attribute_filter=partial(_filter_attribute, own_images=own_images),
                        link_rel="noopener noreferrer",
                        url_schemes={"http", "https", "mailto", "tel"}, strip_comments=True)
    if own_images is not None:
        cleaned = re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", cleaned)
    return re.sub(r"<iframe(?![^>]*\ssrc=)[^>]*>\s*</iframe>", "", cleaned)


def missing_alt(html: str) -> int:
    """How many images have no (or an empty) alternative text."""
    count = 0
    for tag in re.findall(r"<img\b[^>]*>", html or "", flags=re.I):
        match = re.search(r'\salt="([^"]*)"', tag)
        if match is None or not match.group(1).strip():
            count += 1
    return count
