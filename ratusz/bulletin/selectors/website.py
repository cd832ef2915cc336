"""Reads of the units' websites: what the public sees (published pages, news that are
due, published events) and the items of a unit for its editors."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from ratusz.bulletin.models import Event, NewsItem, WebPage
from ratusz.core.models import Unit

#: The kinds of items of a website by the name the staff pages use.
WEBSITE_MODELS = {"page": WebPage, "news": NewsItem, "event": Event}


def public_unit(municipality, slug: str) -> Unit | None:
    return Unit.objects.for_municipality(municipality).filter(slug=slug,
                                                              is_active=True).first()


def public_pages(unit: Unit) -> QuerySet[WebPage]:
    """The unit's published pages in the order of the menu (as the staff dashboard's)."""
    return WebPage.objects.for_municipality(unit.municipality).filter(
        unit=unit, is_published=True).order_by("position", "title", "pk")


def public_page(unit: Unit, slug: str) -> WebPage | None:
    return public_pages(unit).filter(slug=slug).first()


def public_news(unit: Unit) -> QuerySet[NewsItem]:
    return NewsItem.objects.for_municipality(unit.municipality).filter(
        unit=unit, is_published=True, published_at__lte=timezone.now())


def public_news_item(unit: Unit, item_id: int) -> NewsItem | None:
    return public_news(unit).filter(pk=item_id).first()


def public_events(unit: Unit) -> QuerySet[Event]:
    return Event.objects.for_municipality(unit.municipality).filter(unit=unit,
                                                                    is_published=True)


def public_event(unit: Unit, event_id: int) -> Event | None:
    return public_events(unit).filter(pk=event_id).first()


def upcoming_events(unit: Unit) -> QuerySet[Event]:
    now = timezone.now()
    return public_events(unit).filter(Q(starts_at__gte=now) | Q(ends_at__gte=now))


def past_events(unit: Unit, *, besides: list[Event], count: int = 10) -> list[Event]:
    """The latest events that have started, other than `besides` (the upcoming ones)."""
    return list(public_events(unit).filter(starts_at__lt=timezone.now()).exclude(
        pk__in=[e.pk for e in besides]).order_by("-starts_at")[:count])


def calendar_events(unit: Unit, *, since, count: int = 500) -> QuerySet[Event]:
    """The published events starting from `since` (the iCalendar)."""
    return public_events(unit).filter(starts_at__gte=since)[:count]


def website_items(municipality, unit: Unit) -> dict:
    """Everything of the unit's website for its editors, drafts included."""
    return {
        "pages": WebPage.objects.for_municipality(municipality).filter(unit=unit).order_by(
            "position", "title", "pk"),
        "news": NewsItem.objects.for_municipality(municipality).filter(unit=unit)[:50],
        "events": Event.objects.for_municipality(municipality).filter(
            unit=unit).order_by("-starts_at")[:50],
    }


def website_item(municipality, unit: Unit, kind: str, item_id: int):
    """A page, news item or event (`kind`) of the unit's website, or None."""
    return WEBSITE_MODELS[kind].objects.for_municipality(municipality).filter(
        unit=unit, pk=item_id).first()
