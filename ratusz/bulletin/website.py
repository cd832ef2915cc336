"""The units' websites under the module name their callers knew before the writes moved to
``services`` (``services.website``) and the reads to ``selectors`` (``selectors.website``,
the iCalendar to ``ical``). Kept only for the callers not yet moved (the demo data, the
URL isolation walk); new code imports ``services`` and ``selectors``."""

from ratusz.bulletin.selectors.website import (
    public_events,
    public_news,
    public_pages,
    public_unit,
    upcoming_events,
)
from ratusz.bulletin.services.website import (
    RESERVED_SLUGS,
    EventData,
    MoveDirection,
    NewsData,
    PageData,
    create_event,
    create_news,
    create_page,
    delete_item,
    move_page,
    set_published,
    update_event,
    update_news,
    update_page,
)

__all__ = [
    "RESERVED_SLUGS", "EventData", "MoveDirection", "NewsData", "PageData", "create_event",
    "create_news", "create_page", "delete_item", "move_page", "public_events", "public_news",
    "public_pages", "public_unit", "set_published", "update_event", "update_news",
    "update_page", "upcoming_events",
]
