"""The editor's HTML made safe and accessible: what the BIP's entries and the units'
websites may carry (nh3), and the check that every image has an alternative text.

Every address the sanitiser keeps (a link's `href`, an image's or an embedded recording's
`src`) is rebuilt from its parsed parts, never passed through as it came: a browser and
Python's URL parser must not be able to read one address two ways. So an address with a
backslash (a browser reads it as a slash), a control character, a tab or a line break
(a browser drops them), user information before an `@`, a host that is not a plain (or
internationalised) domain name, or no scheme but two leading slashes is dropped."""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import quote, urlsplit, urlunsplit

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
#: Schemes of the links and images kept (and addresses relative to the BIP itself).
LINK_SCHEMES = {"http", "https", "mailto", "tel"}

#: What no kept address may hold anywhere: a backslash, a control character (tab and line
#: breaks included) or DEL.
_AMBIGUOUS = re.compile(r"[\\\x00-\x1f\x7f]")
#: A host as it is rebuilt: ASCII labels of letters, digits and hyphens (an international
#: name goes in its punycode form), an optional final dot.
_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*"
                   r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?")
#: Characters left as they are in a rebuilt path, query and fragment (existing %-escapes
#: included); anything else, spaces and non-ASCII letters among them, is %-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"


def _host(hostname: str | None) -> str | None:
    """The host in its ASCII form, or None when it is not a domain name or an IPv4
    address."""
    if not hostname:
        return None
    try:
        ascii_host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    return ascii_host if _HOST.fullmatch(ascii_host) else None


def rebuilt_url(value: str, *, schemes: set[str] = LINK_SCHEMES,
                hosts: set[str] | None = None, relative: bool = True) -> str | None:
    """The address rebuilt from its scheme, host, port, path, query and fragment, or None
    when it cannot be kept: a scheme outside `schemes`, a host outside `hosts` (when
    given), a relative address where `relative` is False, or any ambiguous form (see the
    module's text)."""
    value = value.strip(" ")
    if not value or _AMBIGUOUS.search(value):
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    path = quote(parts.path, safe=_PATH_SAFE)
    tail = (quote(parts.query, safe=_QUERY_SAFE), quote(parts.fragment, safe=_QUERY_SAFE))
    scheme = parts.scheme.lower()
    if not scheme:
        # Relative to the page: never "//host" (another site without a scheme), never a
        # first segment with a colon (read as a scheme by some).
        if (not relative or parts.netloc or value.startswith("//")
                or ":" in path.split("/", 1)[0]):
            return None
        return urlunsplit(("", "", path, *tail))
    if scheme not in schemes:
        return None
    if scheme in ("mailto", "tel"):
        if parts.netloc or not path or hosts is not None:
            return None
        return urlunsplit((scheme, "", path, *tail))
    if "@" in parts.netloc:
        return None  # user information: the host a reader sees is not the one used
    host = _host(parts.hostname)
    if host is None or (hosts is not None and host not in hosts):
        return None
    if port is not None and hosts is not None:
        return None  # an embedded recording comes from its host's own port
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((scheme, netloc, path, *tail))


def _filter_attribute(tag: str, attribute: str, value: str,
                      own_images: re.Pattern | None = None) -> str | None:
    if tag == "iframe" and attribute == "src":
        return rebuilt_url(value, schemes={"https"}, hosts=IFRAME_HOSTS, relative=False)
    if tag == "img" and attribute == "src" and own_images is not None:
        return value if own_images.fullmatch(value) else None
    if attribute in ("href", "src"):
        return rebuilt_url(value)
    return value


def own_image_pattern(municipality_slug: str) -> re.Pattern:
    """The relative addresses of the gmina's own images of the text (/bip/obraz/<id>/)."""
    sample = reverse("bip:image", args=[municipality_slug, 1])
    prefix = sample[:sample.rindex("/1/") + 1]
    return re.compile(re.escape(prefix) + r"[1-9][0-9]{0,17}/")


def sanitise(html: str, *, own_images_of: str = "") -> str:
    """The editor's HTML reduced to safe, accessible markup: no scripts, event handlers,
    styles, foreign iframes or javascript: links, every kept address rebuilt from its
    parts; an iframe without an allowed source is dropped whole. With `own_images_of` (a
    gmina's slug) an image stays only when it is one of that gmina's own uploaded images
    (a relative /g/<slug>/bip/obraz/<id>/ address); any other image is dropped whole."""
    own_images = own_image_pattern(own_images_of) if own_images_of else None
    cleaned = nh3.clean(html or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        attribute_filter=partial(_filter_attribute, own_images=own_images),
                        link_rel="noopener noreferrer",
                        url_schemes=LINK_SCHEMES, strip_comments=True)
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
