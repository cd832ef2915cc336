"""The EZD's tasks: entry points that call services, queued by name after a commit
(`ratusz.core.effects.enqueue_after_commit`) or run by Celery beat."""

from celery import shared_task

from ratusz.cases import services


@shared_task(name="cases.notify_approval_request", autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def notify_approval_request(letter_id: int) -> bool:
    """E-mail the approver the letter now waits for, if they asked to be told at once."""
    return services.send_approval_notice(letter_id)


@shared_task(name="cases.daily_work_summary")
def daily_work_summary() -> int:
    """Every morning: the summary of waiting work to each staff member who asked."""
    return services.send_daily_summaries()
