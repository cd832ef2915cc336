"""Background work of the e-services: sealed receipts and e-mails to applicants. Every task
is safe to run twice and sets the gmina of the row it works on (row-level security)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from ratusz.core import metrics
from ratusz.core.tenancy import tenant_context

logger = logging.getLogger("ratusz.eservices")


def _inline() -> bool:
    return bool(getattr(settings, "RATUSZ_INLINE_TASKS", False))


def _submission(submission_id: int):
    from ratusz.eservices.models import Submission

    with tenant_context(None, all_municipalities=True):
        return Submission.objects.select_related("municipality").filter(
            pk=submission_id).first()


def enqueue_receipt(submission_id: int) -> None:
    """After commit: the receipt is sealed by a worker (or, in tests, on first download)."""
    if not getattr(settings, "RATUSZ_RECEIPTS_ON_DEMAND", False):
        if _inline():
            make_receipt(submission_id)
        else:
            make_receipt.delay(submission_id)
    enqueue_status_email(submission_id, "submitted")


@shared_task(name="eservices.make_receipt", autoretry_for=(OSError,), max_retries=5,
             retry_backoff=True)
def make_receipt(submission_id: int) -> str | None:
    from ratusz.eservices import receipts
    from ratusz.eservices.models import Submission

    submission = _submission(submission_id)
    if submission is None:
        return None
    with tenant_context(submission.municipality):
        submission = Submission.objects.select_related(
            "service", "form_version", "incoming__unit", "case", "municipality").get(
            pk=submission_id)
        receipts.make_receipt(submission)
    metrics.TASKS.labels("eservices.make_receipt", "success").inc()
    return str(submission.public_id)


def enqueue_status_email(submission_id: int, event: str, ref: str = "") -> None:
    """Case news goes through the notification outbox (the resident's chosen channels)."""
    from ratusz.eservices import case_news

    case_news.notify(submission_id, event, ref)


def send_status_email(submission_id: int, event: str) -> bool:
    """Queue and (with inline tasks) deliver the news at once; True when queued."""
    from ratusz.eservices import case_news

    return case_news.notify(submission_id, event) > 0


def enqueue_message_email(submission_id: int, message_id: int) -> None:
    enqueue_status_email(submission_id, "message", f"message:{message_id}")


def enqueue_confirmation_email(pending_id: int, link: str) -> None:
    if _inline():
        send_confirmation_email(pending_id, link)
    else:
        send_confirmation_email.delay(pending_id, link)


@shared_task(name="eservices.send_confirmation_email", autoretry_for=(OSError,),
             max_retries=5, retry_backoff=True)
def send_confirmation_email(pending_id: int, link: str) -> bool:
    from ratusz.eservices.models import PendingSubmission

    with tenant_context(None, all_municipalities=True):
        pending = PendingSubmission.objects.select_related("service", "municipality").filter(
            pk=pending_id).first()
    if pending is None or pending.submission_id is not None:
        return False
    body = render_to_string("eservices/email/confirm.txt", {
        "pending": pending, "link": link, "municipality": pending.municipality})
    send_mail(f"Potwierdź wysłanie wniosku: {pending.service.name}", body,
              settings.DEFAULT_FROM_EMAIL, [pending.email])
    return True
