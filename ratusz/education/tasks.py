"""Background work of the education app (entry points that call services)."""

from __future__ import annotations

from celery import shared_task

from ratusz.education.services import news


@shared_task(name="education.notify_applications")
def notify_applications(application_ids: list[int], event: str, ref: str) -> int:
    """The parents' news of a published list (safe to run twice: the outbox keys repeat)."""
    return news.notify_many(application_ids, event, ref)
