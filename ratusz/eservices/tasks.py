"""Background work of the e-services: sealed receipts and the confirmation e-mail of a
submission without sign-in. Tasks are entry points: the services queue them by name after
commit (`ratusz.core.effects.enqueue_after_commit`), and each calls a service. Every task
is safe to run twice and sets the gmina of the row it works on (row-level security)."""

from __future__ import annotations

from celery import shared_task

from ratusz.core import metrics
from ratusz.core.tenancy import tenant_context
from ratusz.eservices import receipts, selectors, services


@shared_task(name="eservices.make_receipt", autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def make_receipt(submission_id: int) -> str | None:
    submission = selectors.submission_for_receipt(submission_id)
    if submission is None:
        return None
    with tenant_context(submission.municipality):
        receipts.make_receipt(submission)
    metrics.TASKS.labels("eservices.make_receipt", "success").inc()
    return str(submission.public_id)


@shared_task(name="eservices.send_confirmation_email", autoretry_for=(OSError,),
             max_retries=5, retry_backoff=True)
def send_confirmation_email(pending_id: int, link: str) -> bool:
    return services.send_confirmation_email(pending_id, link)
