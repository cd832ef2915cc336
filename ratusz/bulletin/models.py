"""The Public Information Bulletin (BIP) of a gmina and of each of its units: the site
with its mandatory elements, the subject menu, entries with the metryczka, every version
of every entry (the change register), attachments and the view/download statistics.

Nothing published disappears: an edit archives the previous version, a withdrawal keeps
the entry (and all its versions) readable in the register with the reason.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ratusz.bulletin import textsearch
from ratusz.core.models import TenantOwned, Unit

#: Images of the text (uploaded through the editor's image button) are attachments of the
#: entry whose content_type carries this parameter, e.g. "image/png; bip=inline". A JPG or
#: PNG added as a document keeps the bare type and stays among the downloadable files.
INLINE_IMAGE_PARAMETER = "bip=inline"


class Site(TenantOwned):
    """The BIP of one unit (the office's is the gmina's main BIP, at /g/<slug>/bip/)."""

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="bip_site")
    #: Empty for the office; the unit's slug otherwise (/g/<slug>/bip/<unit>/).
    path = models.SlugField(max_length=80, blank=True)
    title = models.CharField(_("title"), max_length=200)
    editorial_address = models.CharField(_("editorial office address"), max_length=300)
    editor_name = models.CharField(_("editor"), max_length=200)
    editor_phone = models.CharField(_("editor's phone"), max_length=40, blank=True)
    editor_email = models.EmailField(_("editor's e-mail"))
    instructions = models.TextField(_("instructions for use"), blank=True)
    requires_approval = models.BooleanField(_("entries need approval"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "path"],
                                    name="bulletin_site_path_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class Section(TenantOwned):
    """An item of the subject menu (menu przedmiotowe); sections nest."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="children")
    slug = models.SlugField(max_length=80)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    #: A register section (resolutions, orders, tenders …) is also exported as open data.
    is_register = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["site", "slug"], name="bulletin_section_slug"),
        ]

    def __str__(self) -> str:
        return self.title


class EntryKind(models.TextChoices):
    ARTICLE = "article", _("article")
    DOCUMENT = "document", _("document")
    ANNOUNCEMENT = "announcement", _("announcement")


class EntryState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("bip entry", "draft")
    AWAITING = "awaiting", pgettext_lazy("bip entry", "awaiting approval")
    PUBLISHED = "published", pgettext_lazy("bip entry", "published")
    WITHDRAWN = "withdrawn", _("withdrawn")


class Entry(TenantOwned):
    """An article, document or announcement, with the metryczka of udip art. 8 ust. 6."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="entries")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=EntryKind.choices,
                            default=EntryKind.ARTICLE)
    state = models.CharField(max_length=12, choices=EntryState.choices,
                             default=EntryState.DRAFT, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)  # sanitised HTML
    #: Register data of documents (resolution number, date of the act …).
    number = models.CharField(_("number"), max_length=80, blank=True)
    act_date = models.DateField(_("date of the act"), null=True, blank=True)
    # The metryczka.
    produced_by = models.CharField(_("produced by (wytworzył)"), max_length=200)
    responsible = models.CharField(_("responsible for the content"), max_length=200)
    produced_on = models.DateField(_("date produced"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    #: Server time of the first publication; never edited.
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    publish_from = models.DateTimeField(_("publish from"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    modified_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=0)
    views = models.PositiveIntegerField(default=0)
    search_text = models.TextField(blank=True, editable=False)
    #: The folded words and Polish stems of search_text (ratusz.bulletin.textsearch),
    #: kept in step by save(); PostgreSQL has a GIN index on its tsvector.
    search_stems = models.TextField(blank=True, editable=False)
    #: What the entry was published from, e.g. "eservices.submission:<pk>" for the reply to
    #: a public-information request; one entry per source (publishing again finds it).
    source_key = models.CharField(max_length=120, blank=True, editable=False)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["municipality", "state", "published_at"],
                                name="bulletin_entry_public")]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "source_key"],
                                    condition=~models.Q(source_key=""),
                                    name="bulletin_entry_source_key"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        if fields is None or "search_text" in fields:
            self.search_stems = textsearch.tokens(self.search_text)
            if fields is not None:
                kwargs["update_fields"] = {*fields, "search_stems"}
        super().save(*args, **kwargs)

    @property
    def is_public(self) -> bool:
        """Readable by anyone: published (and due), or withdrawn (kept in the register)."""
        now = timezone.now()
        if self.state == EntryState.WITHDRAWN:
            return self.published_at is not None
        if self.state != EntryState.PUBLISHED:
            return False
        return self.publish_from is None or self.publish_from <= now


class ChangeKind(models.TextChoices):
    CREATED = "created", _("new entry")
    EDITED = "edited", _("changed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class EntryVersion(TenantOwned):
    """One published state of an entry: the change register. Append-only."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=ChangeKind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    metadata = models.JSONField(default=dict)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    changed_by_label = models.CharField(max_length=200)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["entry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"],
                                    name="bulletin_version_number"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Versions of BIP entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Versions of BIP entries are append-only")


class Attachment(TenantOwned):
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="bip/%Y/%m/")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    downloads = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(default=timezone.now)
    #: Set when a later version of the entry no longer lists it (kept for the register).
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at", "pk"]


def is_inline_image(attachment: Attachment) -> bool:
    """An image of the entry's text (uploaded through the editor), not a document."""
    return attachment.content_type.endswith(INLINE_IMAGE_PARAMETER)


def served_content_type(attachment: Attachment) -> str:
    """The Content-Type to send: the stored type without the inline-image marker."""
    return attachment.content_type.split(";", 1)[0].strip()


class MonthlyStat(TenantOwned):
    """Views and downloads per entry per month, counted by us (no third-party tracking)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="stats")
    month = models.DateField()
    views = models.PositiveIntegerField(default=0)
    downloads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "month"], name="bulletin_stat_month"),
        ]


# --- the units' websites (issue 7, item 5): pages, news and events ----------------------

class WebPage(TenantOwned):
    """A page of a unit's website (O nas, Dokumenty …), in the menu by position."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="web_pages")
    slug = models.SlugField(max_length=80)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)  # sanitised HTML
    position = models.PositiveIntegerField(_("position in the menu"), default=0)
    is_published = models.BooleanField(_("published"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "slug"], name="bulletin_webpage_slug"),
        ]

    def __str__(self) -> str:
        return self.title


class NewsItem(TenantOwned):
    """A news item (aktualność) of a unit's website."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="news_items")
    title = models.CharField(_("title"), max_length=300)
    lead = models.TextField(_("lead"), blank=True)
    body = models.TextField(_("text"), blank=True)  # sanitised HTML
    published_at = models.DateTimeField(_("publication date"), default=timezone.now,
                                        db_index=True)
    is_published = models.BooleanField(_("published"), default=False)

    class Meta:
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Event(TenantOwned):
    """An event of a unit's calendar."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="events")
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)  # sanitised HTML
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    is_published = models.BooleanField(_("published"), default=False)

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return self.title
