"""Every read of the BIP and of the units' websites, by concern:

- ``public``: what the public sees (listed and readable entries), the sites and the subject
  menu, the files, the change register, the statistics;
- ``search``: the search and its snippets;
- ``diff``: the readable diff of two versions;
- ``staff``: the editors' scope, sites and entries within it, the dashboard, statistics;
- ``website``: the units' websites;
- ``integrity``: what a restored database must keep intact (the backup's check "bip").

The public names are importable from here. Reads never write."""

from ratusz.bulletin.selectors.diff import (
    METADATA_LABELS,
    DiffParagraph,
    Piece,
    diff,
    metadata_changes,
    paragraphs,
)
from ratusz.bulletin.selectors.integrity import restore_problems
from ratusz.bulletin.selectors.public import (
    BOT_PATTERN,
    MenuItem,
    attachment,
    change_register,
    entry_by_source_key,
    entry_versions,
    feed_entries,
    inline_image,
    is_bot,
    is_expired,
    last_version,
    latest_entries,
    listed_entries,
    live_attachments,
    menu,
    menus,
    office_site,
    other_units,
    readable_entries,
    readable_entry,
    register_entries,
    removed_attachments,
    section_by_slug,
    section_entries,
    section_url,
    sections_of_sites,
    site_of_unit,
    site_url,
    sitemap_entries,
    sites,
    statistics,
    subsections,
    unit_site,
    version_files,
    version_of,
)
from ratusz.bulletin.selectors.search import (
    MAX_TERMS,
    SNIPPET_SCAN,
    TERM_PATTERN,
    search,
    search_terms,
    snippet,
)
from ratusz.bulletin.selectors.staff import (
    approvals_waiting_for,
    editable_entry,
    editable_site,
    editable_sites,
    editable_unit,
    editable_units,
    editor_overview,
    editor_statistics,
    in_scope,
    menu_sections,
    monthly_rows,
    site_section,
    site_sections,
    unit_scope,
)
from ratusz.bulletin.selectors.website import (
    WEBSITE_MODELS,
    calendar_events,
    past_events,
    public_event,
    public_events,
    public_news,
    public_news_item,
    public_page,
    public_pages,
    public_unit,
    upcoming_events,
    website_item,
    website_items,
)

__all__ = [
    "BOT_PATTERN", "DiffParagraph", "MAX_TERMS", "METADATA_LABELS", "MenuItem", "Piece",
    "SNIPPET_SCAN", "TERM_PATTERN", "WEBSITE_MODELS", "approvals_waiting_for", "attachment",
    "calendar_events",
    "change_register", "diff", "editable_entry", "editable_site", "editable_sites",
    "editable_unit", "editable_units", "editor_overview", "editor_statistics",
    "entry_by_source_key", "entry_versions", "feed_entries", "in_scope", "inline_image",
    "is_bot", "is_expired", "last_version", "latest_entries", "listed_entries",
    "live_attachments", "menu", "menu_sections", "menus", "metadata_changes", "monthly_rows",
    "office_site", "other_units", "paragraphs", "past_events", "public_event", "public_events",
    "public_news", "public_news_item", "public_page", "public_pages", "public_unit",
    "readable_entries", "readable_entry", "register_entries", "removed_attachments",
    "restore_problems", "search",
    "search_terms", "section_by_slug", "section_entries", "section_url", "sections_of_sites",
    "site_of_unit", "site_section", "site_sections", "site_url", "sitemap_entries", "sites",
    "snippet", "statistics", "subsections", "unit_scope", "unit_site", "upcoming_events",
    "version_files", "version_of", "website_item", "website_items",
]
