"""Background work of the education app (entry points that call services)."""

from __future__ import annotations

from celery import shared_task

from ratusz.education.services import attendance, library, library_news, news


@shared_task(name="education.notify_applications")
def notify_applications(application_ids: list[int], event: str, ref: str) -> int:
    """The parents' news of a published list (safe to run twice: the outbox keys repeat)."""
    return news.notify_many(application_ids, event, ref)


@shared_task(name="education.create_fee_obligations")
def create_fee_obligations(municipality_id: int, statement_ids: list[int]) -> dict:
    """The issued fee statements as payments obligations (idempotent by external id)."""
    return attendance.create_fee_obligations_of(municipality_id, statement_ids)
@shared_task(name="education.library_notice")
def library_notice(kind: str, pk: int) -> int:
    """A school library's notice: a reservation ready for pick-up, an overdue loan."""
    return library_news.notify(kind, pk)


@shared_task(name="education.library_daily")
def library_daily() -> dict:
    """Every gmina's expired reservations and overdue reminders (beat, daily)."""
    return library.daily_round()
