"""Celery tasks of the payments app: entry points that call services. Safe to run twice
(the sweep asks the gateway again, notices are keyed per instalment and due date, a set-off
finds nothing left the second time). The periodic ones belong in CELERY_BEAT_SCHEDULE:
`payments.sweep` every 5 minutes, `payments.due_notices` and `payments.set_off` daily."""

from __future__ import annotations

from celery import shared_task

from ratusz.core.tenancy import tenant_context
from ratusz.payments import selectors, services


@shared_task(name="payments.sweep")
def sweep_task() -> dict:
    return services.sweep_pending_payments()


@shared_task(name="payments.due_notices")
def due_notices_task() -> int:
    return services.send_all_due_notices()


@shared_task(name="payments.set_off")
def set_off_task() -> int:
    total = 0
    for municipality in selectors.gminy_with_collection_accounts():
        with tenant_context(municipality):
            total += services.set_off_overpayments(municipality)
    return total


@shared_task(name="payments.notify_reminder", autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def notify_reminder_task(municipality_id: int, reminder_id: int) -> int:
    municipality = selectors.municipality_by_id(municipality_id)
    if municipality is None:
        return 0
    with tenant_context(municipality):
        return services.notify_reminder(municipality, reminder_id)
