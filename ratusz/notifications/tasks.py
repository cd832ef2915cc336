"""Celery tasks of the notification system. They carry only ids: the outbox rows are the
truth, so a lost or repeated task loses or doubles nothing (see delivery/__init__.py).
Services queue them by name (`delivery.FAN_OUT_TASK`, `delivery.DELIVER_TASK`)."""

from __future__ import annotations

from celery import shared_task

from ratusz.core import metrics
from ratusz.notifications import delivery


@shared_task(name=delivery.FAN_OUT_TASK, acks_late=True)
def fan_out_task(alert_id: int) -> int:
    created = delivery.fan_out(alert_id)
    metrics.TASKS.labels("notifications.fan_out", "success").inc()
    return created


@shared_task(name=delivery.DELIVER_TASK, acks_late=True)
def deliver_task(channel: str, ids: list[int]) -> dict:
    result = delivery.deliver(channel, ids)
    metrics.TASKS.labels("notifications.deliver", "success").inc()
    return result


@shared_task(name="notifications.sweep")
def sweep_task() -> dict:
    return delivery.sweep()
