"""The statistics of the BIP: views of entries and downloads of attachments, counted by us
(no third-party tracking), per entry and per month.

A page view costs no database write: an entry page (cached or not) adds it to this
process's buffer, and a flusher thread writes the buffer every
RATUSZ_BIP_VIEW_FLUSH_SECONDS in one transaction per gmina (at once when that is 0). A
process that dies loses at most that many seconds of its views; one that exits normally
writes them. Counters move by ``QuerySet.update``, so they renew no page cache."""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from ratusz.bulletin.models import Attachment, Entry, MonthlyStat
from ratusz.core.tenancy import restore_database_tenant, set_database_tenant

logger = logging.getLogger("ratusz.bulletin.services")


def _month() -> date:
    return timezone.localdate().replace(day=1)


#: Views waiting to be written: (gmina id, entry id) -> count.
_pending_views: dict[tuple[int, int], int] = {}
_pending_lock = threading.Lock()
_flusher: list[threading.Thread] = []


def record_view(entry: Entry) -> None:
    """Count one view of the entry (written within RATUSZ_BIP_VIEW_FLUSH_SECONDS; at once
    when that is 0)."""
    count_view(entry.municipality_id, entry.pk)


def count_view(municipality_id: int, entry_id: int) -> None:
    """record_view by ids (the cached entry page has no Entry at hand)."""
    interval = settings.RATUSZ_BIP_VIEW_FLUSH_SECONDS
    key = (municipality_id, entry_id)
    with _pending_lock:
        _pending_views[key] = _pending_views.get(key, 0) + 1
        start = interval > 0 and (not _flusher or (
            _flusher[0].ident is not None and not _flusher[0].is_alive()))  # died, forked
        if start:
            thread = threading.Thread(target=_flush_loop, args=(interval,),
                                      name="bip-view-flusher", daemon=True)
            _flusher[:] = [thread]
    if interval <= 0:
        flush_views()
    elif start:
        thread.start()


def _flush_loop(interval: float) -> None:
    """Write the buffer every RATUSZ_BIP_VIEW_FLUSH_SECONDS (re-read each turn); end when
    a turn found nothing to write (the next view starts a new thread)."""
    last = time.monotonic()
    try:
        while True:
            time.sleep(min(interval, 0.5))
            interval = settings.RATUSZ_BIP_VIEW_FLUSH_SECONDS
            if time.monotonic() - last < interval:
                continue
            last = time.monotonic()
            with _pending_lock:
                if not _pending_views:
                    _flusher.clear()  # decided under the lock: a new view starts anew
                    return
            flush_views()
    except BaseException:
        with _pending_lock:
            _flusher.clear()
        raise
    finally:
        connection.close()


def discard_pending_views() -> None:
    """Forget the views not yet written (tests)."""
    with _pending_lock:
        _pending_views.clear()


def flush_views() -> int:
    """Write the buffered views (entries' totals and the month's statistics); returns how
    many views were written. A failed write puts its views back."""
    with _pending_lock:
        taken = dict(_pending_views)
        _pending_views.clear()
    if not taken:
        return 0
    by_gmina: dict[int, list[tuple[int, int]]] = {}
    for (municipality_id, entry_id), count in taken.items():
        by_gmina.setdefault(municipality_id, []).append((entry_id, count))
    written = 0
    for municipality_id, counts in by_gmina.items():
        previous = set_database_tenant(str(municipality_id))
        try:
            written += write_views(municipality_id, counts)
        except Exception:
            logger.exception("BIP view counts not written; kept for the next try")
            with _pending_lock:
                for entry_id, count in counts:
                    key = (municipality_id, entry_id)
                    _pending_views[key] = _pending_views.get(key, 0) + count
        finally:
            restore_database_tenant(previous)
    return written


@transaction.atomic(durable=True)
def write_views(municipality_id: int, counts: list[tuple[int, int]]) -> int:
    """Add (entry id, views) to the entries' totals and this month's statistics; returns
    the views written (an entry deleted meanwhile loses its own)."""
    month = _month()
    written = 0
    for entry_id, count in sorted(counts):
        if not Entry.objects.filter(municipality_id=municipality_id, pk=entry_id).update(
                views=F("views") + count):
            continue  # gone meanwhile
        written += count
        _add_to_month(municipality_id, entry_id, month, "views", count)
    return written


def _add_to_month(municipality_id: int, entry_id: int, month: date, counter: str,
                  count: int) -> None:
    """Add `count` to the month's `counter` ("views" or "downloads") of the entry."""
    stat, created = MonthlyStat.objects.get_or_create(
        municipality_id=municipality_id, entry_id=entry_id, month=month,
        defaults={counter: count})
    if not created:
        MonthlyStat.objects.filter(pk=stat.pk).update(**{counter: F(counter) + count})


@atexit.register
def _flush_at_exit() -> None:
    with contextlib.suppress(Exception):
        flush_views()


@transaction.atomic(durable=True)
def record_download(attachment: Attachment) -> None:
    """Count one download of the attachment (its total and its entry's month)."""
    Attachment.objects.filter(pk=attachment.pk).update(downloads=F("downloads") + 1)
    _add_to_month(attachment.municipality_id, attachment.entry_id, _month(), "downloads", 1)
