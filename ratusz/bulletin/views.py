"""The public BIP of a gmina and of each of its units, under /g/<slug>/bip/.

Every page carries the mandatory elements (the BIP logo linking to bip.gov.pl, the subject
menu, the search box, the editorial office); the home pages also the latest entries,
the instructions and the links to the other units' BIPs. No advertising, no third-party
tracking: views and downloads are counted by us (not for robots, not in the print view).

Caching: an anonymous GET (no session, no pending message) of a public page is kept in
the page cache (``ratusz.core.pagecache``: each process's memory, keyed by the gmina's
generation, which every edit renews) for ``CACHE_SECONDS`` under the full path and the
language; a hit costs one memory lookup (plus, for an entry, a view added to the
process's buffer, written to the database every few seconds). ``TenantMiddleware`` asks the cache
(``from_page_cache``) before the session, auth and messages middlewares run, so a hit
skips them; a miss goes the usual way and the view does not ask the cache again. The
language switch of the layout needs a CSRF token, so pages are rendered with a placeholder
that every response (cached or not) replaces with the visitor's own token. Attachment
downloads and searches with a query are never cached; 404s are not cached.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from ratusz.bulletin import feeds, selectors, services
from ratusz.bulletin.models import Attachment, Entry, EntryState, Section, Site, is_inline_image
from ratusz.core import pagecache

CACHE_SECONDS = 60
PAGE_SIZE = 20
REGISTER_PAGE_SIZE = 50
#: Rendered in place of the CSRF token (pages are cached); replaced per response.
CSRF_PLACEHOLDER = "bip-csrf-placeholder-7d0c5e"
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Content-Security-Policy")
FRAME_SOURCES = " ".join(f"https://{host}" for host in sorted(services.IFRAME_HOSTS))
ATOM_TYPE = "application/atom+xml; charset=utf-8"


class BipNotFound(Exception):
    """Answered with the BIP's own 404 page (menu and search), not the generic one."""

    def __init__(self, site: Site | None = None):
        super().__init__("not found")
        self.site = site


# --- caching and counting ---------------------------------------------------------------

def _cacheable(request: HttpRequest) -> bool:
    return (request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES)


def _cache_key(request: HttpRequest) -> str:
    return pagecache.key(request.municipality.pk, translation.get_language(),
                         request.get_full_path())


def _with_token(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if response.get("Content-Type", "").startswith("text/html"):
        marker = CSRF_PLACEHOLDER.encode()
        if marker in response.content:
            response.content = response.content.replace(marker, get_token(request).encode())
    return response


def _from_cache(request: HttpRequest, stored: tuple) -> HttpResponse:
    status, content, headers = stored
    response = HttpResponse(content, status=status)
    for name, value in headers.items():
        response[name] = value
    return _with_token(request, response)


def bip_view(*, cache_when=None, counter=None, cached: bool = True):
    """Wrap a public page (the BIP's and the units' websites'): the page cache, the BIP's
    helpful 404 and the view counter that also runs for cached pages."""

    def decorate(view):
        def page_key(request: HttpRequest) -> str | None:
            if cached and _cacheable(request) and (cache_when is None or cache_when(request)):
                return _cache_key(request)
            return None

        def cached_page(request: HttpRequest, key: str, kwargs: dict) -> HttpResponse | None:
            stored = pagecache.get(key)
            if stored is None:
                request._page_cache_missed_key = key  # the view need not ask again
                return None
            if counter is not None:
                counter(request, kwargs)
            return _from_cache(request, stored)

        def from_page_cache(request: HttpRequest, kwargs: dict) -> HttpResponse | None:
            """The cached page, or None (not cacheable, or not in the cache). Also asked
            by TenantMiddleware before the session and auth middlewares run."""
            key = page_key(request)
            return None if key is None else cached_page(request, key, kwargs)

        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            key = getattr(request, "_page_cache_missed_key", None)
            if key is None:
                key = page_key(request)
                response = None if key is None else cached_page(request, key, kwargs)
                if response is not None:
                    return response
            try:
                response = view(request, *args, **kwargs)
            except BipNotFound as missing:
                return _with_token(request, _not_found_page(request, missing.site))
            if (key is not None and response.status_code == 200
                    and not getattr(response, "streaming", False)):
                headers = {name: response[name] for name in KEPT_HEADERS if name in response}
                pagecache.put(key, (response.status_code, response.content, headers),
                              CACHE_SECONDS)
            return _with_token(request, response)

        safe = require_safe(wrapper)
        if cached:
            safe.from_page_cache = from_page_cache
        return safe

    return decorate


def count_view(request: HttpRequest, kwargs: dict) -> bool:
    """One view of an entry page, unless a robot asks (cached pages count too); says
    whether it was counted."""
    if request.method != "GET" or selectors.is_bot(request.META.get("HTTP_USER_AGENT", "")):
        return False
    services.count_view(request.municipality.pk, int(kwargs["entry_id"]))
    return True


# --- the page frame ---------------------------------------------------------------------

def _frame(request: HttpRequest, site: Site | None, current_section: Section | None = None
           ) -> dict:
    municipality = request.municipality
    site = site or selectors.office_site(municipality)
    items = selectors.menu(site) if site else []
    ancestry = set()
    section = current_section
    while section is not None:
        ancestry.add(section.pk)
        section = section.parent
    return {
        "municipality": municipality, "site": site, "menu": items,
        "current_section_ids": ancestry,
        "current_section_id": current_section.pk if current_section else None,
        "site_url": selectors.site_url(site) if site else reverse(
            "bip:home", args=[municipality.slug]),
        "csrf_token": CSRF_PLACEHOLDER,
    }


def _render(request: HttpRequest, template: str, context: dict, *, site: Site | None = None,
            section: Section | None = None, status: int = 200) -> HttpResponse:
    return render(request, template, {**_frame(request, site, section), **context},
                  status=status)


def _not_found_page(request: HttpRequest, site: Site | None = None) -> HttpResponse:
    return _render(request, "bulletin/404.html", {"query": ""}, site=site, status=404)


def _paginate(request: HttpRequest, items, size: int = PAGE_SIZE):
    return Paginator(items, size).get_page(request.GET.get("page"))


def _office(request: HttpRequest) -> Site:
    site = selectors.office_site(request.municipality)
    if site is None:
        raise BipNotFound()
    return site


def _unit(request: HttpRequest, unit: str) -> Site:
    site = selectors.unit_site(request.municipality, unit)
    if site is None:
        raise BipNotFound()
    return site


def _entry(request: HttpRequest, entry_id: int) -> Entry:
    entry = selectors.readable_entry(request.municipality, entry_id)
    if entry is None:
        raise BipNotFound()
    return entry


def _section_trail(section: Section) -> list[dict]:
    trail, current = [], section.parent
    while current is not None:
        trail.insert(0, {"title": current.title, "url": selectors.section_url(current)})
        current = current.parent
    return trail


# --- home pages -------------------------------------------------------------------------

def _home(request: HttpRequest, site: Site) -> HttpResponse:
    municipality = request.municipality
    return _render(request, "bulletin/home.html", {
        "latest": selectors.latest_entries(municipality, site if site.path else None),
        "other_units": selectors.other_units(municipality, site),
        "feed_url": reverse("bip:unit-feed", args=[municipality.slug, site.path])
        if site.path else reverse("bip:feed", args=[municipality.slug]),
    }, site=site)


@bip_view()
def home(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    return _home(request, _office(request))


@bip_view()
def unit_home(request: HttpRequest, municipality_slug: str, unit: str) -> HttpResponse:
    return _home(request, _unit(request, unit))


# --- sections ---------------------------------------------------------------------------

def _section_page(request: HttpRequest, site: Site, slug: str) -> HttpResponse:
    section = selectors.section_by_slug(site, slug)
    if section is None:
        raise BipNotFound(site)
    municipality = request.municipality
    page = _paginate(request, selectors.section_entries(section))
    children = [{"title": child.title, "url": selectors.section_url(child, site)}
                for child in selectors.subsections(section)]
    unit_args = [site.path] if site.path else []
    prefix = "unit-" if site.path else ""
    context = {
        "section": section, "page": page, "children": children,
        "trail": _section_trail(section),
        "feed_url": reverse(f"bip:{prefix}section-feed",
                            args=[municipality.slug, *unit_args, section.slug]),
    }
    if section.is_register:
        context["exports"] = [
            {"format": fmt, "url": reverse(f"bip:{prefix}export",
                                           args=[municipality.slug, *unit_args,
                                                 section.slug, fmt])}
            for fmt in ("csv", "json")]
    return _render(request, "bulletin/section.html", context, site=site, section=section)


@bip_view()
def section(request: HttpRequest, municipality_slug: str, section: str) -> HttpResponse:
    return _section_page(request, _office(request), section)


@bip_view()
def unit_section(request: HttpRequest, municipality_slug: str, unit: str, section: str
                 ) -> HttpResponse:
    return _section_page(request, _unit(request, unit), section)


# --- an entry ---------------------------------------------------------------------------

def _entry_context(entry: Entry) -> dict:
    last = selectors.last_version(entry)
    files = selectors.live_attachments(entry)
    for file in files:
        file.kind = file.name.rsplit(".", 1)[-1].upper() if "." in file.name else ""
        file.absolute_url = feeds.attachment_url(file, entry.site.municipality.slug)
    return {
        "entry": entry, "attachments": files,
        "last_version": last, "expired": selectors.is_expired(entry),
        "withdrawn": entry.state == EntryState.WITHDRAWN,
        "section_url": selectors.section_url(entry.section, entry.site),
        "entered_by": entry.entered_by.get_full_name() or entry.entered_by.username,
    }


def _allow_frames(response: HttpResponse, entry: Entry) -> HttpResponse:
    """Session recordings embedded from the allowed hosts need a frame-src."""
    if "<iframe" in entry.body:
        response["Content-Security-Policy"] = (
            f"{settings.CONTENT_SECURITY_POLICY}; frame-src {FRAME_SOURCES}")
    return response


@bip_view(counter=count_view)
def entry(request: HttpRequest, municipality_slug: str, entry_id: int) -> HttpResponse:
    item = _entry(request, entry_id)
    if count_view(request, {"entry_id": item.pk}):
        item.views += 1  # the page shows the count with this view
    context = _entry_context(item)
    context["trail"] = [*_section_trail(item.section),
                        {"title": item.section.title, "url": context["section_url"]}]
    response = _render(request, "bulletin/entry.html", context, site=item.site,
                       section=item.section)
    return _allow_frames(response, item)


@bip_view()
def entry_print(request: HttpRequest, municipality_slug: str, entry_id: int) -> HttpResponse:
    item = _entry(request, entry_id)
    context = _entry_context(item)
    context.update({"municipality": request.municipality, "csrf_token": CSRF_PLACEHOLDER,
                    "page_url": feeds.absolute(reverse("bip:entry",
                                                       args=[municipality_slug, item.pk]))})
    return _allow_frames(render(request, "bulletin/entry_print.html", context), item)


# --- versions and the change register ---------------------------------------------------

@bip_view()
def versions(request: HttpRequest, municipality_slug: str, entry_id: int) -> HttpResponse:
    item = _entry(request, entry_id)
    return _render(request, "bulletin/versions.html", {
        "entry": item, "versions": selectors.entry_versions(item),
        "withdrawn": item.state == EntryState.WITHDRAWN,
    }, site=item.site, section=item.section)


def _version(request: HttpRequest, entry_id: int, number: int):
    item = _entry(request, entry_id)
    version = selectors.version_of(item, number)
    if version is None:
        raise BipNotFound(item.site)
    return item, version


@bip_view()
def version(request: HttpRequest, municipality_slug: str, entry_id: int, number: int
            ) -> HttpResponse:
    item, archived = _version(request, entry_id, number)
    response = _render(request, "bulletin/version.html", {
        "entry": item, "version": archived, "meta": archived.metadata,
        "is_current": archived.number == item.version,
        "files": selectors.version_files(item, archived.metadata),
    }, site=item.site, section=item.section)
    return _allow_frames(response, item)


@bip_view()
def version_diff(request: HttpRequest, municipality_slug: str, entry_id: int, number: int
                 ) -> HttpResponse:
    item, archived = _version(request, entry_id, number)
    previous = selectors.version_of(item, number - 1) if number > 1 else None
    old_body = previous.body if previous else ""
    paragraphs = selectors.diff(old_body, archived.body)
    return _render(request, "bulletin/diff.html", {
        "entry": item, "version": archived, "previous": previous,
        "paragraphs": paragraphs,
        "changed": any(p.kind != "equal" for p in paragraphs),
        "title_changed": previous is not None and previous.title != archived.title,
        "metadata_changes": selectors.metadata_changes(
            previous.metadata if previous else {}, archived.metadata),
    }, site=item.site, section=item.section)


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


@bip_view()
def register(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    municipality = request.municipality
    all_sites = selectors.sites(municipality)
    site_id = _int_param(request, "jednostka")
    if site_id not in {s.pk for s in all_sites}:
        site_id = None
    page = _paginate(request, selectors.change_register(municipality, site_id),
                     REGISTER_PAGE_SIZE)
    return _render(request, "bulletin/register.html", {
        "page": page, "sites": all_sites, "site_id": site_id,
    })


# --- attachments ------------------------------------------------------------------------

@bip_view(cached=False)
def attachment(request: HttpRequest, municipality_slug: str, attachment_id: int
               ) -> HttpResponse:
    found = selectors.attachment(request.municipality, attachment_id)
    if (found is None or is_inline_image(found)  # images: /bip/obraz/<id>/
            or selectors.readable_entry(request.municipality, found.entry_id) is None):
        raise BipNotFound()
    response = stored_file(found, as_attachment=True, content_type=found.content_type)
    if response is None:
        raise BipNotFound()
    if request.method == "GET" and not selectors.is_bot(
            request.META.get("HTTP_USER_AGENT", "")):
        services.record_download(found)
    return response


def stored_file(found: Attachment, *, as_attachment: bool, content_type: str
                ) -> FileResponse | None:
    """The attachment's bytes, never sniffed by the browser; None when the file is gone."""
    try:
        handle = found.file.open("rb")
    except OSError:  # FileNotFoundError included
        return None
    response = FileResponse(handle, as_attachment=as_attachment,
                            filename=services.safe_file_name(found.name) or "plik",
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Length"] = str(found.size)
    return response


# --- search -----------------------------------------------------------------------------

def _no_query(request: HttpRequest) -> bool:
    return not request.GET.get("q", "").strip()


@bip_view(cache_when=_no_query)
def search(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    municipality = request.municipality
    query = request.GET.get("q", "").strip()[:200]
    all_sites = selectors.sites(municipality)
    site_ids = {s.pk for s in all_sites}
    site_id = _int_param(request, "jednostka")
    site_id = site_id if site_id in site_ids else None
    sections = selectors.sections_of_sites(municipality, site_ids)
    section_id = _int_param(request, "dzial")
    section_id = section_id if section_id in {s.pk for s in sections} else None
    terms = selectors.search_terms(query)
    page, results = None, []
    if terms:
        page = _paginate(request, selectors.search(municipality, terms, site_id=site_id,
                                                   section_id=section_id))
        results = [{"entry": e, "snippet": selectors.snippet(e.search_text, terms),
                    "withdrawn": e.state == EntryState.WITHDRAWN,
                    "expired": selectors.is_expired(e)} for e in page]
    groups = [{"site": site, "sections": [s for s in sections if s.site_id == site.pk]}
              for site in all_sites]
    return _render(request, "bulletin/search.html", {
        "query": query, "terms": terms, "page": page, "results": results,
        "sites": all_sites, "site_id": site_id, "section_groups": groups,
        "section_id": section_id, "too_short": bool(query) and not terms,
    })


# --- feeds, sitemap, exports ------------------------------------------------------------

def _atom(content: bytes) -> HttpResponse:
    return HttpResponse(content, content_type=ATOM_TYPE)


@bip_view()
def feed(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    return _atom(feeds.atom_feed(request.municipality, self_path=request.path,
                                 alternate_path=reverse("bip:home", args=[municipality_slug])))


@bip_view()
def unit_feed(request: HttpRequest, municipality_slug: str, unit: str) -> HttpResponse:
    site = _unit(request, unit)
    return _atom(feeds.atom_feed(request.municipality, site=site, self_path=request.path,
                                 alternate_path=selectors.site_url(site)))


def _section_feed(request: HttpRequest, site: Site, slug: str) -> HttpResponse:
    found = selectors.section_by_slug(site, slug)
    if found is None:
        raise BipNotFound(site)
    return _atom(feeds.atom_feed(request.municipality, section=found, self_path=request.path,
                                 alternate_path=selectors.section_url(found, site)))


@bip_view()
def section_feed(request: HttpRequest, municipality_slug: str, section: str) -> HttpResponse:
    return _section_feed(request, _office(request), section)


@bip_view()
def unit_section_feed(request: HttpRequest, municipality_slug: str, unit: str, section: str
                      ) -> HttpResponse:
    return _section_feed(request, _unit(request, unit), section)


@bip_view()
def sitemap(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    return HttpResponse(feeds.sitemap(request.municipality),
                        content_type="application/xml; charset=utf-8")


def _export(request: HttpRequest, site: Site, slug: str, fmt: str) -> HttpResponse:
    found = selectors.section_by_slug(site, slug)
    if found is None or not found.is_register or fmt not in ("csv", "json"):
        raise BipNotFound(site)
    name = f"{site.path or request.municipality.slug}-{found.slug}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(feeds.export_csv(found), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(feeds.export_json(found),
                                content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@bip_view()
def export(request: HttpRequest, municipality_slug: str, section: str, fmt: str
           ) -> HttpResponse:
    return _export(request, _office(request), section, fmt)


@bip_view()
def unit_export(request: HttpRequest, municipality_slug: str, unit: str, section: str,
                fmt: str) -> HttpResponse:
    return _export(request, _unit(request, unit), section, fmt)


# --- instructions, statistics, 404 ------------------------------------------------------

@bip_view()
def instructions(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    site = _office(request)
    unpublished = selectors.section_by_slug(site, "informacje-nieudostepnione")
    return _render(request, "bulletin/instructions.html", {
        "unpublished_url": selectors.section_url(unpublished, site) if unpublished else "",
    }, site=site)


@bip_view()
def stats(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    return _render(request, "bulletin/stats.html",
                   selectors.statistics(request.municipality))


@bip_view(cached=False)
def not_found(request: HttpRequest, municipality_slug: str, rest: str = "") -> HttpResponse:
    """Any other address under /bip/: a missing slash is added, otherwise the BIP's 404."""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            query = request.META.get("QUERY_STRING", "")
            return redirect(request.path + "/" + (f"?{query}" if query else ""))
    raise BipNotFound()
