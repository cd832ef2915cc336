"""Every write of the BIP and of the units' websites, by concern:

- ``sites``: a unit's BIP with the typical subject menu, its mandatory elements, the menu;
- ``entries``: entries with the metryczka, publication, approval, withdrawal, the editor's
  save, and the one-step publication of a document handed over as plain data;
- ``versions``: the change register (a version per published state);
- ``media``: attachments checked by their bytes, their removal, images of the text;
- ``sanitising``: the editor's HTML made safe (every kept address rebuilt), alternative
  texts required;
- ``checks``: the lengths, characters and dates every write takes;
- ``counters``: views and downloads;
- ``website``: pages, news and events of the units' websites.

The public names are importable from here (``from ratusz.bulletin.services import …``).
Each public write is the outermost transaction (``atomic(durable=True)``); the helpers
they share run inside it. Refusals raise ``BulletinError``."""

from ratusz.bulletin.defaults import (
    INSTRUCTIONS,
    OFFICE_MENU,
    UNIT_MENU,
    typical_section,
    unit_address,
)
from ratusz.bulletin.models import INLINE_IMAGE_PARAMETER, is_inline_image, served_content_type
from ratusz.bulletin.services.checks import (
    EARLIEST,
    MAX_HTML,
    MAX_INSTRUCTIONS,
    MAX_LEAD,
    MAX_REASON,
)
from ratusz.bulletin.services.counters import (
    count_view,
    discard_pending_views,
    flush_views,
    record_download,
    record_view,
    write_views,
)
from ratusz.bulletin.services.entries import (
    MAX_FILES,
    EntryData,
    approve_entry,
    create_entry,
    publish_document,
    save_entry,
    search_text,
    submit_entry,
    update_entry,
    withdraw_entry,
)
from ratusz.bulletin.services.errors import BulletinError, raise_invalid
from ratusz.bulletin.services.media import (
    ATTACHMENT_TYPES,
    INLINE_IMAGE_FORMATS,
    MAX_ATTACHMENT,
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    StoredImage,
    add_attachment,
    add_image,
    remove_attachment,
    safe_file_name,
    shown_file_name,
)
from ratusz.bulletin.services.sanitising import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    IFRAME_HOSTS,
    missing_alt,
    own_image_pattern,
    rebuilt_url,
    sanitise,
)
from ratusz.bulletin.services.sites import (
    SITE_FIELDS,
    add_section,
    ensure_site,
    give_new_unit_its_site,
    move_section,
    remove_section,
    rename_section,
    update_site,
)
from ratusz.bulletin.services.website import (
    MAX_POSITION,
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
    "ALLOWED_ATTRIBUTES", "ALLOWED_TAGS", "ATTACHMENT_TYPES", "EARLIEST", "IFRAME_HOSTS",
    "INLINE_IMAGE_FORMATS", "INLINE_IMAGE_PARAMETER", "INSTRUCTIONS", "MAX_ATTACHMENT",
    "MAX_FILES", "MAX_HTML", "MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "MAX_IMAGE_SIDE",
    "MAX_INSTRUCTIONS", "MAX_LEAD", "MAX_POSITION", "MAX_REASON", "OFFICE_MENU",
    "RESERVED_SLUGS", "SITE_FIELDS", "UNIT_MENU", "BulletinError", "EntryData", "EventData",
    "MoveDirection", "NewsData", "PageData", "StoredImage", "add_attachment", "add_image",
    "add_section", "approve_entry", "count_view", "create_entry", "create_event", "create_news",
    "create_page", "delete_item", "discard_pending_views", "ensure_site", "flush_views",
    "give_new_unit_its_site",
    "is_inline_image", "missing_alt", "move_page", "move_section", "own_image_pattern",
    "publish_document", "raise_invalid", "rebuilt_url", "record_download", "record_view",
    "remove_attachment", "remove_section", "rename_section", "safe_file_name", "sanitise",
    "save_entry", "search_text", "served_content_type", "set_published", "shown_file_name",
    "submit_entry",
    "typical_section", "unit_address", "update_entry", "update_event", "update_news",
    "update_page", "update_site", "withdraw_entry", "write_views",
]
