"""Background work of the education app (entry points that call services)."""

from __future__ import annotations

from celery import shared_task

from ratusz.education.services import attendance, news


@shared_task(name="education.notify_applications")
def notify_applications(application_ids: list[int], event: str, ref: str) -> int:
    """The parents' news of a published list (safe to run twice: the outbox keys repeat)."""
    return news.notify_many(application_ids, event, ref)


@shared_task(name="education.create_fee_obligations")
def create_fee_obligations(municipality_id: int, statement_ids: list[int]) -> dict:
    """The issued fee statements as payments obligations (idempotent by external id)."""
    return attendance.create_fee_obligations_of(municipality_id, statement_ids)
