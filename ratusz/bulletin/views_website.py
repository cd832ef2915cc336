"""The public websites of a gmina's units (school, library, culture house, the office),
under /g/<slug>/strony/<unit>/: news, pages, the events calendar (also as iCalendar) and
the contact, in the same accessible frame as the BIP. Drafts and another gmina's items
answer 404.

Caching: exactly as the BIP's pages (``ratusz.bulletin.views``): an anonymous GET is kept
in the page cache for ``CACHE_SECONDS`` under the full path and the language, and
``TenantMiddleware`` answers a hit (``from_page_cache``) before the session and auth
middlewares, without the database. Pages are rendered with the CSRF placeholder, which
every response replaces with the visitor's own token. A 404 is never cached. Saving or
deleting a page, news item, event or unit renews the gmina's generation on commit
(``ratusz.bulletin.signals``), so an edit shows at once.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby
from urllib.parse import urlsplit

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from ratusz.bulletin import feeds, ical, selectors
from ratusz.bulletin.models import Site
from ratusz.bulletin.views import CSRF_PLACEHOLDER, _paginate, bip_view
from ratusz.core.models import Unit

PAGE_SIZE = 10
HOME_NEWS = 3
HOME_EVENTS = 5


#: The BIP's page cache wrapper as it is: a website's missing item raises Http404 (the
#: generic 404, never cached) rather than the BIP's own 404 page.
website_view = bip_view()


def _unit(request: HttpRequest, slug: str) -> Unit:
    unit = selectors.public_unit(request.municipality, slug)
    if unit is None:
        raise Http404
    unit.municipality = request.municipality  # the same row: no query to fetch it again
    return unit


def _bip_url(unit: Unit, site: Site | None) -> str:
    if site is None:
        return ""
    if site.path:
        return reverse("bip:unit-home", args=[unit.municipality.slug, site.path])
    return reverse("bip:home", args=[unit.municipality.slug])


def _contact(unit: Unit, site: Site | None) -> dict:
    municipality = unit.municipality
    street = f"{unit.street} {unit.building}".strip()
    town = f"{unit.postal_code} {unit.city}".strip()
    phone = (site.editor_phone if site else "") or (
        municipality.phone if unit.is_office else "")
    return {"street": street, "town": town, "email": unit.email or (
        municipality.email if unit.is_office else ""), "phone": phone}


def _render(request: HttpRequest, unit: Unit, template: str, context: dict,
            status: int = 200) -> HttpResponse:
    site = selectors.site_of_unit(unit.municipality, unit)
    return render(request, template, {
        "municipality": request.municipality, "unit": unit,
        "pages": selectors.public_pages(unit), "contact": _contact(unit, site),
        "bip_url": _bip_url(unit, site), "csrf_token": CSRF_PLACEHOLDER, **context},
        status=status)


@website_view
def home(request: HttpRequest, municipality_slug: str, unit: str) -> HttpResponse:
    unit_obj = _unit(request, unit)
    return _render(request, unit_obj, "bulletin/website/home.html", {
        "news": selectors.public_news(unit_obj)[:HOME_NEWS],
        "events": selectors.upcoming_events(unit_obj)[:HOME_EVENTS]})


@website_view
def news(request: HttpRequest, municipality_slug: str, unit: str) -> HttpResponse:
    unit_obj = _unit(request, unit)
    page = _paginate(request, selectors.public_news(unit_obj), PAGE_SIZE)
    return _render(request, unit_obj, "bulletin/website/news.html", {"page": page})


@website_view
def news_item(request: HttpRequest, municipality_slug: str, unit: str, item_id: int
              ) -> HttpResponse:
    unit_obj = _unit(request, unit)
    item = selectors.public_news_item(unit_obj, item_id)
    if item is None:
        raise Http404
    return _render(request, unit_obj, "bulletin/website/news_item.html", {"item": item})


def _months(events) -> list[dict]:
    def month(event):
        local = timezone.localtime(event.starts_at)
        return local.year, local.month

    return [{"month": timezone.localtime(items[0].starts_at).date().replace(day=1),
             "events": items}
            for _key, group in groupby(events, key=month) for items in [list(group)]]


@website_view
def events(request: HttpRequest, municipality_slug: str, unit: str) -> HttpResponse:
    unit_obj = _unit(request, unit)
    upcoming = list(selectors.upcoming_events(unit_obj)[:200])
    past = selectors.past_events(unit_obj, besides=upcoming)
    return _render(request, unit_obj, "bulletin/website/events.html", {
        "months": _months(upcoming), "past": past})


@website_view
def event(request: HttpRequest, municipality_slug: str, unit: str, event_id: int
          ) -> HttpResponse:
    unit_obj = _unit(request, unit)
    item = selectors.public_event(unit_obj, event_id)
    if item is None:
        raise Http404
    return _render(request, unit_obj, "bulletin/website/event.html", {"event": item})


@website_view
def events_ics(request: HttpRequest, municipality_slug: str, unit: str) -> HttpResponse:
    unit_obj = _unit(request, unit)
    items = selectors.calendar_events(unit_obj, since=timezone.now() - timedelta(days=90))

    # The public address, not the request's host: the calendar is cached and shared, and
    # an event's UID must not change with the address it was fetched from.
    def url_for(item) -> str:
        return feeds.absolute(reverse("website:event",
                                      args=[municipality_slug, unit_obj.slug, item.pk]))

    host = urlsplit(feeds.base_url()).hostname or "localhost"
    body = ical.ics(unit_obj, items, host, url_for)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{unit_obj.slug}.ics"'
    return response


@website_view
def page(request: HttpRequest, municipality_slug: str, unit: str, page: str) -> HttpResponse:
    unit_obj = _unit(request, unit)
    item = selectors.public_page(unit_obj, page)
    if item is None:
        raise Http404
    return _render(request, unit_obj, "bulletin/website/page.html", {"page": item})


@website_view
def contact(request: HttpRequest, municipality_slug: str, unit: str) -> HttpResponse:
    unit_obj = _unit(request, unit)
    return _render(request, unit_obj, "bulletin/website/contact.html", {})
