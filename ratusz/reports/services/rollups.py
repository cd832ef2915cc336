"""The rollups: a day's figures of a gmina recomputed from the other apps' selectors and
the watch's clocks (idempotent: the day's rows are deleted and written again), and the
gmina's indicators of a year computed from the rollups into one snapshot row.

Events (the EZD's status changes and letters, a new unit) mark the day pending; the
refresh recomputes pending days and the recent days of every gmina. Nothing here runs on
a page view."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from ratusz.core.models import Municipality
from ratusz.core.selectors import list_active_municipalities
from ratusz.core.tenancy import tenant_context
from ratusz.reports import sources
from ratusz.reports.calculation import compute_indicators
from ratusz.reports.deadlines import COMPLAINT_JRWA
from ratusz.reports.indicators import ELECTRONIC_CHANNELS, ONLINE_SERVICE_CHANNELS
from ratusz.reports.models import (
    DailyFigure,
    IndicatorSnapshot,
    InquiryAccount,
    MatterClock,
    PendingRefresh,
    TestInquiry,
)

logger = logging.getLogger("ratusz.reports")

#: Figures of one day, recomputed whenever the day is refreshed.
DAY_KEYS = ("submissions", "service_requests", "incoming_total", "incoming_electronic",
            "cases_opened", "cases_settled", "cases_settled_online", "complaints",
            "bip_documents", "bip_attachments", "alerts_published", "messages_delivered",
            "a2a_exchanges", "cases_overdue", "payments_received", "payments_online")
#: What is now: written for today only (a past day keeps what was written that day).
STATE_KEYS = ("eservices_level3", "eservices_level4", "bip_bodies", "residents_registered",
              "residents_identified")
#: Counted per month by the BIP: written on the month's first day.
MONTH_KEYS = ("bip_views", "bip_downloads")
#: Days of every gmina recomputed by the periodic refresh (today and yesterday).
RECENT_DAYS = 2


def month_start(day: date) -> date:
    return day.replace(day=1)


# --- Pending days --------------------------------------------------------------------------

def mark_pending(municipality_id: int, day: date) -> None:
    """Note that a day of a gmina changed (idempotent; one cheap insert, safe to call at
    every event, in or out of a transaction)."""
    try:
        with transaction.atomic():  # a savepoint: a duplicate must not break the caller
            PendingRefresh.objects.get_or_create(municipality_id=municipality_id, day=day)
    except IntegrityError:
        pass  # marked meanwhile by a concurrent event


def refresh_pending() -> int:
    """Recompute every pending day of every gmina, then the snapshots of the years they
    fall in; returns how many days were recomputed."""
    with tenant_context(None, all_municipalities=True):
        pending = list(PendingRefresh.objects.select_related("municipality")
                       .order_by("municipality_id", "day"))
    by_gmina: dict[int, list[PendingRefresh]] = defaultdict(list)
    for row in pending:
        by_gmina[row.municipality_id].append(row)
    for rows in by_gmina.values():
        municipality = rows[0].municipality
        with tenant_context(municipality):
            refresh_days(municipality, sorted({row.day for row in rows}))
            # Only the marks read: a day marked again meanwhile stays pending.
            PendingRefresh.objects.filter(pk__in=[row.pk for row in rows],
                                          marked_at__lte=max(r.marked_at for r in rows)
                                          ).delete()
    return len(pending)


def refresh_recent(*, days: int = RECENT_DAYS, today: date | None = None) -> int:
    """Recompute the recent days and this year's snapshot of every active gmina (the
    periodic task); returns how many gminy were refreshed."""
    today = today or timezone.localdate()
    count = 0
    for municipality in list(list_active_municipalities()):
        with tenant_context(municipality):
            refresh_days(municipality, [today - timedelta(days=n) for n in range(days)],
                         today=today)
        count += 1
    return count


def refresh_days(municipality: Municipality, days: list[date], *,
                 today: date | None = None) -> None:
    """Recompute these days' figures, then the snapshots of their years (the caller is in
    the gmina's tenant context)."""
    today = today or timezone.localdate()
    for day in days:
        refresh_day(municipality, day, today=today)
    for year in sorted({day.year for day in days}):
        refresh_snapshot(municipality, year, today=today)


@transaction.atomic(durable=True)
def refresh_day(municipality: Municipality, day: date, *, today: date | None = None) -> int:
    """Recompute one day's figures of the gmina (and its month's BIP counts); returns how
    many rows were written."""
    today = today or timezone.localdate()
    rows: list[DailyFigure] = []

    def add(key: str, unit_id, value: int, dimension: str = "", on: date = day) -> None:
        if value:
            rows.append(DailyFigure(municipality=municipality, unit_id=unit_id, day=on,
                                    key=key, dimension=dimension[:160], value=value))

    _incoming(municipality, day, add)
    _cases(municipality, day, add)
    for unit_id, entries, files in sources.bip_published_on(municipality, day):
        add("bip_documents", unit_id, entries)
        add("bip_attachments", unit_id, files)
    alerts, delivered = sources.alerts_of_day(municipality, day)
    add("alerts_published", None, alerts)
    # A total row, then the rows by channel (the tables'): the indicator sums the totals.
    add("messages_delivered", None, sum(delivered.values()))
    for channel, count in delivered.items():
        add("messages_delivered", None, count, channel)
    exchanges = sources.a2a_exchanges_of_day(municipality, day)
    add("a2a_exchanges", None, sum(exchanges.values()))
    for dimension, count in exchanges.items():
        add("a2a_exchanges", None, count, dimension)
    receipts = sources.receipts_of_day(municipality, day)
    add("payments_received", None, sum(receipts.values()))
    add("payments_online", None, receipts.get("gateway", 0))
    for source, count in receipts.items():
        add("payments_received", None, count, source)
    keys = list(DAY_KEYS)
    if day == today:
        keys += STATE_KEYS
        _state(municipality, day, add)
    month = month_start(day)
    for unit_id, views, downloads in sources.bip_month(municipality, month):
        add("bip_views", unit_id, views, on=month)
        add("bip_downloads", unit_id, downloads, on=month)
    figures = DailyFigure.objects.for_municipality(municipality)
    figures.filter(day=day, key__in=keys).delete()
    figures.filter(day=month, key__in=MONTH_KEYS).delete()
    DailyFigure.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _test_incoming_ids(municipality: Municipality) -> set[int]:
    case_ids = list(TestInquiry.objects.for_municipality(municipality)
                    .filter(case__isnull=False).values_list("case_id", flat=True))
    if not case_ids:
        return set()
    return {facts.incoming_id for facts in sources.case_facts(municipality, case_ids)
            if facts.incoming_id}


def _incoming(municipality: Municipality, day: date, add) -> None:
    totals: Counter = Counter()
    electronic: Counter = Counter()
    submissions: Counter = Counter()
    requests: Counter = Counter()
    by_channel: Counter = Counter()
    by_service: Counter = Counter()
    for unit_id, channel, service, count in sources.incoming_of_day(
            municipality, day, _test_incoming_ids(municipality)):
        totals[unit_id] += count
        by_channel[(unit_id, channel)] += count
        if channel in ELECTRONIC_CHANNELS:
            electronic[unit_id] += count
        if service:
            requests[unit_id] += count
            by_service[(unit_id, f"{service}|{channel}")] += count
            if channel == "eservice":
                submissions[unit_id] += count
    for unit_id, count in totals.items():
        add("incoming_total", unit_id, count)
        add("incoming_electronic", unit_id, electronic[unit_id])
        add("submissions", unit_id, submissions[unit_id])
        add("service_requests", unit_id, requests[unit_id])
    for (unit_id, channel), count in by_channel.items():
        add("incoming_total", unit_id, count, channel)
    for (unit_id, dimension), count in by_service.items():
        add("service_requests", unit_id, count, dimension)


def _cases(municipality: Municipality, day: date, add) -> None:
    clocks = MatterClock.objects.for_municipality(municipality).filter(is_test=False)
    for unit_id, opened, complaints in (
            clocks.filter(opened_on=day).order_by().values_list("unit_id")
            .annotate(n=Count("pk"), c=Count("pk", filter=Q(jrwa_symbol=COMPLAINT_JRWA)))):
        add("cases_opened", unit_id, opened)
        add("complaints", unit_id, complaints)
    for unit_id, settled, online in (
            clocks.filter(settled_on=day).order_by().values_list("unit_id")
            .annotate(n=Count("pk"),
                      o=Count("pk", filter=Q(channel__in=ONLINE_SERVICE_CHANNELS)))):
        add("cases_settled", unit_id, settled)
        add("cases_settled_online", unit_id, online)
    overdue = (clocks.filter(opened_on__lte=day, deadline__lt=day)
               .filter(Q(settled_on__isnull=True) | Q(settled_on__gt=day)))
    for unit_id, count in overdue.order_by().values_list("unit_id").annotate(n=Count("pk")):
        add("cases_overdue", unit_id, count)


def _state(municipality: Municipality, day: date, add) -> None:
    level3: Counter = Counter()
    level4: Counter = Counter()
    for unit_id, level, count in sources.services_by_level(municipality):
        if level >= 3:
            level3[unit_id] += count
        if level >= 4:
            level4[unit_id] += count
    for unit_id in level3:
        add("eservices_level3", unit_id, level3[unit_id])
        add("eservices_level4", unit_id, level4[unit_id])
    for unit_id in sources.bip_live_units(municipality):
        add("bip_bodies", unit_id, 1)
    test_users = set(InquiryAccount.objects.values_list("user_id", flat=True))
    registered, identified = sources.residents_now(municipality, test_users)
    add("residents_registered", None, registered)
    add("residents_identified", None, identified)


# --- The year's snapshot -------------------------------------------------------------------

@transaction.atomic(durable=True)
def refresh_snapshot(municipality: Municipality, year: int, *,
                     today: date | None = None) -> IndicatorSnapshot:
    """Recompute and store the gmina's indicators of `year` (the caller is in the gmina's
    tenant context)."""
    payload = compute_indicators(municipality, year, today=today)
    snapshot, _created = IndicatorSnapshot.objects.update_or_create(
        municipality=municipality, year=year,
        defaults={"payload": payload, "computed_at": timezone.now()})
    return snapshot
