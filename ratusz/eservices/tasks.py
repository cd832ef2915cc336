"""Background work of the e-services: sealed receipts, the confirmation e-mail of a
submission without sign-in and, once filed, its receipt by e-mail. Tasks are entry points:
the services queue them by name after commit (`ratusz.core.effects.enqueue_after_commit`),
and each calls a service. Every task is safe to run twice and sets the gmina of the row it
works on (row-level security)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from ratusz.core import metrics
from ratusz.core.effects import registered_task
from ratusz.core.selectors import list_municipalities
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


@shared_task(name="eservices.send_receipt_email", autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def send_receipt_email(submission_id: int) -> bool:
    return services.send_receipt_email(submission_id)


#: Most receipts one sweep queues again per gmina; the rest wait for the next sweep.
RECEIPT_SWEEP_BATCH = 500


@shared_task(name="eservices.sweep_receipts")
def sweep_receipts() -> int:
    """Queue again the receipt of every submission that has waited for it longer than
    RATUSZ_RECEIPT_SWEEP_SECONDS: its message was lost (a worker killed while holding it,
    a broker restarted without persistence, a web process killed between the commit and
    the queueing). Beat runs it every RATUSZ_RECEIPT_SWEEP_SECONDS. Safe to run twice and
    beside the first message: make_receipt keeps the first finished receipt. Returns how
    many receipts it queued."""
    if getattr(settings, "RATUSZ_RECEIPTS_ON_DEMAND", False):
        return 0  # receipts are made on their first download, never queued
    submitted_before = timezone.now() - timedelta(seconds=settings.RATUSZ_RECEIPT_SWEEP_SECONDS)
    make = registered_task("eservices.make_receipt")
    with tenant_context(None, all_municipalities=True):
        municipalities = list(list_municipalities(include_inactive=True))
    queued = 0
    for municipality in municipalities:
        for submission_id in selectors.submissions_awaiting_receipt(
                municipality, submitted_before=submitted_before, limit=RECEIPT_SWEEP_BATCH):
            make.delay(submission_id)
            queued += 1
    metrics.TASKS.labels("eservices.sweep_receipts", "success").inc()
    return queued


@shared_task(name="eservices.sweep_paid_fees")
def sweep_paid_fees() -> int:
    """Settle the fees paid on the taxpayer account whose news the submission missed
    (`services.settle_paid_fees`); beat runs it every ten minutes. Returns how many."""
    with tenant_context(None, all_municipalities=True):
        municipalities = list(list_municipalities())
    settled = sum(services.settle_paid_fees(municipality) for municipality in municipalities)
    metrics.TASKS.labels("eservices.sweep_paid_fees", "success").inc()
    return settled
