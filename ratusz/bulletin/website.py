"""Writes of the units' websites (school, library, culture house, the office): pages,
news and events. The same rules as the BIP's editor: the HTML is sanitised, every image
needs an alternative text, and each change is audited. A refused write stores nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ratusz.bulletin.models import Event, NewsItem, WebPage
from ratusz.bulletin.services import BulletinError, missing_alt, sanitise
from ratusz.core.models import AuditAction, Unit
from ratusz.core.services import record_audit

#: Addresses of the website's own pages, which a page's slug may not take.
RESERVED_SLUGS = {"aktualnosci", "wydarzenia", "kontakt"}


@dataclass
class PageData:
    title: str
    body: str = ""
    slug: str = ""
    position: int = 0
    is_published: bool = True


@dataclass
class NewsData:
    title: str
    lead: str = ""
    body: str = ""
    published_at: datetime | None = None
    is_published: bool = True


@dataclass
class EventData:
    title: str
    starts_at: datetime | None
    description: str = ""
    ends_at: datetime | None = None
    place: str = ""
    is_published: bool = True
    errors: list = field(default_factory=list)


def _raise(errors: list) -> None:
    if errors:
        error = BulletinError("invalid_website_item", errors[0][1], errors[0][0])
        error.errors = errors
        raise error


def _title(errors: list, title: str, limit: int) -> None:
    if not title.strip():
        errors.append(("title", _("Give the title.")))
    elif len(title) > limit:
        errors.append(("title", _("The title may have at most %(n)d characters.") % {"n": limit}))


def _html(errors: list, name: str, html: str) -> str:
    cleaned = sanitise(html)
    if missing_alt(cleaned):
        errors.append((name, _("Every image needs an alternative text (what it shows) "
                               "for people who cannot see it.")))
    return cleaned


def _slug(text: str) -> str:
    return slugify(text.replace("ł", "l").replace("Ł", "L"))[:80]


def _audit(item, action: str, acting_user) -> None:
    record_audit(municipality=item.municipality, acting_user=acting_user, action=action,
                 target=item)


# --- pages -------------------------------------------------------------------------------

def _page_values(unit: Unit, data: PageData, page: WebPage | None) -> dict:
    errors: list = []
    _title(errors, data.title, 200)
    body = _html(errors, "body", data.body)
    slug = _slug(data.slug or data.title)
    if slug in RESERVED_SLUGS:
        errors.append(("slug", _("This address is taken by the website itself; "
                                 "choose another one.")))
    elif not slug:
        errors.append(("slug", _("Give the address of the page (letters, digits, hyphens).")))
    elif WebPage.objects.filter(unit=unit, slug=slug).exclude(
            pk=page.pk if page else None).exists():
        errors.append(("slug", _("Another page of this unit has this address.")))
    _raise(errors)
    return {"title": data.title.strip(), "body": body, "slug": slug,
            "position": max(0, int(data.position or 0)), "is_published": data.is_published}


def create_page(unit: Unit, data: PageData, *, acting_user) -> WebPage:
    values = _page_values(unit, data, None)
    with transaction.atomic():
        page = WebPage.objects.create(municipality_id=unit.municipality_id, unit=unit,
                                      **values)
        _audit(page, AuditAction.CREATED, acting_user)
    return page


def update_page(page: WebPage, data: PageData, *, acting_user) -> WebPage:
    values = _page_values(page.unit, data, page)
    with transaction.atomic():
        for name, value in values.items():
            setattr(page, name, value)
        page.updated_at = timezone.now()
        page.save()
        _audit(page, AuditAction.UPDATED, acting_user)
    return page


# --- news --------------------------------------------------------------------------------

def _news_values(data: NewsData) -> dict:
    errors: list = []
    _title(errors, data.title, 300)
    body = _html(errors, "body", data.body)
    _raise(errors)
    return {"title": data.title.strip(), "lead": data.lead.strip(), "body": body,
            "published_at": data.published_at or timezone.now(),
            "is_published": data.is_published}


def create_news(unit: Unit, data: NewsData, *, acting_user) -> NewsItem:
    values = _news_values(data)
    with transaction.atomic():
        item = NewsItem.objects.create(municipality_id=unit.municipality_id, unit=unit,
                                       **values)
        _audit(item, AuditAction.CREATED, acting_user)
    return item


def update_news(item: NewsItem, data: NewsData, *, acting_user) -> NewsItem:
    values = _news_values(data)
    with transaction.atomic():
        for name, value in values.items():
            setattr(item, name, value)
        item.save()
        _audit(item, AuditAction.UPDATED, acting_user)
    return item


# --- events ------------------------------------------------------------------------------

def _event_values(data: EventData) -> dict:
    errors: list = []
    _title(errors, data.title, 300)
    description = _html(errors, "description", data.description)
    if data.starts_at is None:
        errors.append(("starts_at", _("Give the start of the event.")))
    elif data.ends_at is not None and data.ends_at <= data.starts_at:
        errors.append(("ends_at", _("The end must be after the start.")))
    if len(data.place) > 300:
        errors.append(("place", _("The place may have at most 300 characters.")))
    _raise(errors)
    return {"title": data.title.strip(), "description": description,
            "starts_at": data.starts_at, "ends_at": data.ends_at,
            "place": data.place.strip(), "is_published": data.is_published}


def create_event(unit: Unit, data: EventData, *, acting_user) -> Event:
    values = _event_values(data)
    with transaction.atomic():
        event = Event.objects.create(municipality_id=unit.municipality_id, unit=unit,
                                     **values)
        _audit(event, AuditAction.CREATED, acting_user)
    return event


def update_event(event: Event, data: EventData, *, acting_user) -> Event:
    values = _event_values(data)
    with transaction.atomic():
        for name, value in values.items():
            setattr(event, name, value)
        event.save()
        _audit(event, AuditAction.UPDATED, acting_user)
    return event


# --- reads of the public pages ----------------------------------------------------------

def public_unit(municipality, slug: str) -> Unit | None:
    return Unit.objects.for_municipality(municipality).filter(slug=slug,
                                                              is_active=True).first()


def public_pages(unit: Unit):
    return WebPage.objects.for_municipality(unit.municipality).filter(unit=unit,
                                                                      is_published=True)


def public_news(unit: Unit):
    return NewsItem.objects.for_municipality(unit.municipality).filter(
        unit=unit, is_published=True, published_at__lte=timezone.now())


def public_events(unit: Unit):
    return Event.objects.for_municipality(unit.municipality).filter(unit=unit,
                                                                    is_published=True)


def upcoming_events(unit: Unit):
    now = timezone.now()
    return public_events(unit).filter(Q(starts_at__gte=now) | Q(ends_at__gte=now))


# --- iCalendar (RFC 5545) ---------------------------------------------------------------

def _ics_text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded (a CRLF and a space), not inside a character."""
    out, current = [], ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def ics(unit: Unit, events, host: str, url_for) -> str:
    """The unit's calendar as iCalendar text; `url_for(event)` gives the event's page."""
    stamp = _ics_time(timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Ratusz//Kalendarz wydarzen//PL",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_ics_text(unit.name)}"]
    for event in events:
        ends = event.ends_at or event.starts_at + timedelta(hours=1)
        lines += ["BEGIN:VEVENT", f"UID:event-{event.pk}@{host}", f"DTSTAMP:{stamp}",
                  f"DTSTART:{_ics_time(event.starts_at)}", f"DTEND:{_ics_time(ends)}",
                  f"SUMMARY:{_ics_text(event.title)}"]
        if event.place:
            lines.append(f"LOCATION:{_ics_text(event.place)}")
        text = strip_tags(event.description).strip()
        if text:
            lines.append(f"DESCRIPTION:{_ics_text(text)}")
        lines += [f"URL:{url_for(event)}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(part + "\r\n" for line in lines for part in _fold(line))
