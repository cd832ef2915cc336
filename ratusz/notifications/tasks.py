"""Celery tasks of the notification system. They carry only ids: the outbox rows are the
truth, so a lost or repeated task loses or doubles nothing (see delivery.py)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready

from ratusz.core import metrics


@shared_task(name="notifications.fan_out", acks_late=True)
def fan_out_task(alert_id: int) -> int:
    from ratusz.notifications import delivery

    created = delivery.fan_out(alert_id)
    metrics.TASKS.labels("notifications.fan_out", "success").inc()
    return created


@shared_task(name="notifications.deliver", acks_late=True)
def deliver_task(channel: str, ids: list[int]) -> dict:
    from ratusz.notifications import delivery

    result = delivery.deliver(channel, ids)
    metrics.TASKS.labels("notifications.deliver", "success").inc()
    return result


@shared_task(name="notifications.sweep")
def sweep_task() -> dict:
    from ratusz.notifications import delivery

    return delivery.sweep()


@worker_ready.connect
def _sweep_at_start(sender=None, **kwargs):
    """A restarted worker first settles what a dead one left behind."""
    try:
        sweep_task.delay()
    except Exception:  # noqa: BLE001 - the periodic sweep will do it
        logging.getLogger("ratusz.notifications").warning("sweep at start not queued")
