"""What renews a gmina's page cache generation (ratusz.core.pagecache): any saved or
deleted row the public BIP pages and the units' websites show, and the alerts whose
banner they carry. Counters move by ``QuerySet.update`` and renew nothing."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from ratusz.core import pagecache


def _renew(sender, instance, **kwargs) -> None:
    if kwargs.get("raw"):
        return  # fixtures being loaded
    municipality_id = getattr(instance, "municipality_id", None)
    if municipality_id is None and sender._meta.label == "core.Municipality":
        municipality_id = instance.pk
    if municipality_id is not None:
        pagecache.invalidate(municipality_id)


WATCHED = (
    "bulletin.Site", "bulletin.Section", "bulletin.Entry", "bulletin.Attachment",
    "bulletin.EntryVersion", "bulletin.WebPage", "bulletin.NewsItem", "bulletin.Event",
    "notifications.Alert", "core.Unit", "core.Municipality",
)


def connect() -> None:
    from django.apps import apps

    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_renew, sender=model, dispatch_uid=f"pagecache.save.{label}")
        post_delete.connect(_renew, sender=model, dispatch_uid=f"pagecache.delete.{label}")
