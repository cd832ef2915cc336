"""Writes of the units' websites (school, library, culture house, the office): pages,
news and events. The same rules as the BIP's editor: the HTML is sanitised, every image
needs an alternative text, and each change is audited. A refused write stores nothing.
Every write saves (or deletes) the row itself, never by ``QuerySet.update``, so the
gmina's page cache is renewed when it commits (``ratusz.bulletin.signals``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ratusz.bulletin.models import Event, NewsItem, WebPage
from ratusz.bulletin.services.checks import (
    MAX_HTML,
    MAX_LEAD,
    YEARS_AHEAD_EVENT,
    YEARS_AHEAD_PUBLICATION,
    check_date,
    check_texts,
    years_ahead,
)
from ratusz.bulletin.services.errors import BulletinError, raise_invalid
from ratusz.bulletin.services.sanitising import missing_alt, sanitise
from ratusz.core.models import AuditAction, Unit
from ratusz.core.services import record_audit

#: Addresses of the website's own pages, which a page's slug may not take.
RESERVED_SLUGS = {"aktualnosci", "wydarzenia", "kontakt"}
#: The highest position of a page in its website's menu (a larger one is taken as this).
MAX_POSITION = 10_000


class MoveDirection(StrEnum):
    """Where a page moves in its website's menu (the value of the staff form's button)."""

    UP = "up"
    DOWN = "down"


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


def _raise(errors: list) -> None:
    raise_invalid("invalid_website_item", errors)


def _title(errors: list, title: str, limit: int) -> None:
    if not title.strip():
        errors.append(("title", _("Give the title.")))
    elif len(title) > limit:
        errors.append(("title", _("The title may have at most %(n)d characters.") % {"n": limit}))
    check_texts(errors, {"title": (title, limit)})


def _html(errors: list, name: str, html: str) -> str:
    check_texts(errors, {name: (html, MAX_HTML)})
    if any(field == name for field, _message in errors):
        return ""
    cleaned = sanitise(html)
    if missing_alt(cleaned):
        errors.append((name, _("Every image needs an alternative text (what it shows) "
                               "for people who cannot see it.")))
    # What a character reference (&#6;) becomes once the HTML is parsed.
    check_texts(errors, {name: (cleaned, len(cleaned))})
    return cleaned


def _slug(text: str) -> str:
    return slugify(text.replace("ł", "l").replace("Ł", "L"))[:80]


def _audit(item, action: str, acting_user, *, before: dict | None = None,
           after: dict | None = None) -> None:
    record_audit(municipality=item.municipality, acting_user=acting_user, action=action,
                 target=item, before=before, after=after)


@transaction.atomic(durable=True)
def _create(model, unit: Unit, values: dict, acting_user):
    """A new page, news item or event of the unit's website, audited."""
    item = model.objects.create(municipality_id=unit.municipality_id, unit=unit, **values)
    _audit(item, AuditAction.CREATED, acting_user)
    return item


@transaction.atomic(durable=True)
def _update(item, values: dict, acting_user):
    """The item with the checked values saved (a full save, which renews the page cache)."""
    for name, value in values.items():
        setattr(item, name, value)
    item.save()
    _audit(item, AuditAction.UPDATED, acting_user)
    return item


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
            "position": min(max(0, int(data.position or 0)), MAX_POSITION),
            "is_published": data.is_published}


def create_page(unit: Unit, data: PageData, *, acting_user) -> WebPage:
    return _create(WebPage, unit, _page_values(unit, data, None), acting_user)


def update_page(page: WebPage, data: PageData, *, acting_user) -> WebPage:
    values = _page_values(page.unit, data, page)
    return _update(page, {**values, "updated_at": timezone.now()}, acting_user)


# --- news --------------------------------------------------------------------------------

def _news_values(data: NewsData) -> dict:
    errors: list = []
    _title(errors, data.title, 300)
    check_texts(errors, {"lead": (data.lead, MAX_LEAD)})
    body = _html(errors, "body", data.body)
    check_date(errors, "published_at", data.published_at,
               latest=years_ahead(YEARS_AHEAD_PUBLICATION))
    _raise(errors)
    return {"title": data.title.strip(), "lead": data.lead.strip(), "body": body,
            "published_at": data.published_at or timezone.now(),
            "is_published": data.is_published}


def create_news(unit: Unit, data: NewsData, *, acting_user) -> NewsItem:
    return _create(NewsItem, unit, _news_values(data), acting_user)


def update_news(item: NewsItem, data: NewsData, *, acting_user) -> NewsItem:
    return _update(item, _news_values(data), acting_user)


# --- events ------------------------------------------------------------------------------

def _event_values(data: EventData) -> dict:
    errors: list = []
    _title(errors, data.title, 300)
    description = _html(errors, "description", data.description)
    latest = years_ahead(YEARS_AHEAD_EVENT)
    if data.starts_at is None:
        errors.append(("starts_at", _("Give the start of the event.")))
    elif (check_date(errors, "starts_at", data.starts_at, latest=latest)
          & check_date(errors, "ends_at", data.ends_at, latest=latest)
          and data.ends_at is not None and data.ends_at <= data.starts_at):
        errors.append(("ends_at", _("The end must be after the start.")))
    if len(data.place) > 300:
        errors.append(("place", _("The place may have at most 300 characters.")))
    check_texts(errors, {"place": (data.place, 300)})
    _raise(errors)
    return {"title": data.title.strip(), "description": description,
            "starts_at": data.starts_at, "ends_at": data.ends_at,
            "place": data.place.strip(), "is_published": data.is_published}


def create_event(unit: Unit, data: EventData, *, acting_user) -> Event:
    return _create(Event, unit, _event_values(data), acting_user)


def update_event(event: Event, data: EventData, *, acting_user) -> Event:
    return _update(event, _event_values(data), acting_user)


# --- deleting and publishing (pages, news, events alike) -------------------------------

def _locked(item: WebPage | NewsItem | Event) -> WebPage | NewsItem | Event:
    """The item's row, locked for this transaction; refused when it is gone."""
    locked = type(item).objects.select_for_update().filter(pk=item.pk).first()
    if locked is None:
        raise BulletinError("website_item_gone", _("This item no longer exists."))
    return locked


@transaction.atomic(durable=True)
def delete_item(item: WebPage | NewsItem | Event, *, acting_user) -> None:
    """Delete a page, news item or event of a unit's website, with an audit entry that
    keeps its title; it leaves the public website when the transaction commits."""
    locked = _locked(item)
    _audit(locked, AuditAction.DELETED, acting_user,
           before={"title": locked.title, "is_published": locked.is_published})
    locked.delete()


@transaction.atomic(durable=True)
def set_published(item: WebPage | NewsItem | Event, is_published: bool, *, acting_user
                  ) -> WebPage | NewsItem | Event:
    """Publish an item or take it off the website (it is kept as a draft). Asking for the
    state it already has is refused, so two editors pressing at once give one change."""
    locked = _locked(item)
    if locked.is_published == is_published:
        raise BulletinError("website_same_state",
                            _("This item is already published.") if is_published
                            else _("This item is not published."), "is_published")
    locked.is_published = is_published
    locked.save(update_fields=["is_published"])
    _audit(locked, AuditAction.UPDATED, acting_user,
           before={"is_published": not is_published}, after={"is_published": is_published})
    return locked


def move_page(page: WebPage, direction: str, *, acting_user) -> WebPage:
    """Move a page one place up or down in its website's menu (the order the menu shows:
    position, then title). The unit's pages are renumbered 0, 1, 2 … so pages that shared
    a position get distinct ones; the first cannot go up nor the last down."""
    if direction not in {member.value for member in MoveDirection}:
        raise BulletinError("website_bad_direction",
                            _("Choose whether to move the page up or down."), "direction")
    with transaction.atomic(durable=True):
        return _move_page(page, direction, acting_user)


def _move_page(page: WebPage, direction: str, acting_user) -> WebPage:
    pages = list(WebPage.objects.select_for_update()
                 .filter(municipality_id=page.municipality_id, unit_id=page.unit_id)
                 .order_by("position", "title", "pk"))
    index = next((i for i, other in enumerate(pages) if other.pk == page.pk), None)
    if index is None:
        raise BulletinError("website_item_gone", _("This item no longer exists."))
    target = index - 1 if direction == MoveDirection.UP else index + 1
    if target < 0:
        raise BulletinError("website_first", _("This page is already the first in the "
                                               "menu."), "direction")
    if target >= len(pages):
        raise BulletinError("website_last", _("This page is already the last in the "
                                              "menu."), "direction")
    before = pages[index].position
    pages[index], pages[target] = pages[target], pages[index]
    for position, other in enumerate(pages):
        if other.position != position:
            other.position = position
            other.save(update_fields=["position"])
    moved = pages[target]
    _audit(moved, AuditAction.UPDATED, acting_user, before={"position": before},
           after={"position": moved.position})
    return moved
