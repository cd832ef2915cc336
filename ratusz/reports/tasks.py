"""Background work of the reports: the refresh of the rollups (pending days every minute,
the recent days and the clocks' reconciliation every quarter of an hour), the watch
(reminders, digests, due test inquiries: hourly), the monthly report (daily, sent once a
month), and the after-commit steps of a notice of delay, a ponaglenie and the message
in a resident's late matter.

Their beat entries (reports.track_marked 60 s, reports.refresh_pending 60 s,
reports.refresh_recent 900 s, reports.watch 3,600 s, reports.monthly daily) are added by
ReportsConfig.ready() (apps.PERIODIC_WORK)."""

from __future__ import annotations

import logging

from celery import shared_task

from ratusz.core.selectors import list_active_municipalities
from ratusz.core.tenancy import tenant_context
from ratusz.reports import selectors, services

logger = logging.getLogger("ratusz.reports")


@shared_task(name="reports.refresh_pending")
def refresh_pending() -> int:
    return services.refresh_pending()


@shared_task(name="reports.track_marked")
def track_marked() -> int:
    return services.track_marked()


@shared_task(name="reports.refresh_recent")
def refresh_recent() -> int:
    for municipality in list(list_active_municipalities()):
        with tenant_context(municipality):
            services.reconcile_clocks(municipality)
    return services.refresh_recent()


@shared_task(name="reports.watch")
def watch() -> int:
    sent = 0
    for municipality in selectors.due_inquiry_gminy():
        with tenant_context(municipality):
            services.file_due_inquiries(municipality)
    for municipality in list(list_active_municipalities()):
        with tenant_context(municipality):
            sent += services.run_watch(municipality) + services.send_digests(municipality)
    return sent


@shared_task(name="reports.monthly")
def monthly() -> int:
    sent = 0
    for municipality in list(list_active_municipalities()):
        with tenant_context(municipality):
            sent += services.send_monthly_report(municipality)
    return sent


@shared_task(name="reports.announce_adjustment", autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def announce_adjustment(adjustment_id: int, municipality_id: int) -> bool:
    municipality = selectors.municipality_by_id(municipality_id)
    if municipality is None:
        return False
    with tenant_context(municipality):
        return services.announce_adjustment(adjustment_id, municipality)


@shared_task(name="reports.route_ponaglenie", autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def route_ponaglenie(ponaglenie_id: int, municipality_id: int) -> bool:
    municipality = selectors.municipality_by_id(municipality_id)
    if municipality is None:
        return False
    with tenant_context(municipality):
        return services.route_ponaglenie(ponaglenie_id, municipality)


@shared_task(name="reports.tell_resident_late", autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def tell_resident_late(reminder_id: int, municipality_id: int) -> bool:
    municipality = selectors.municipality_by_id(municipality_id)
    if municipality is None:
        return False
    with tenant_context(municipality):
        return services.tell_resident_late(reminder_id, municipality)
