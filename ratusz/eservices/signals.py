"""The e-services listen to the EZD: a status change or a letter sent to the resident's
inbox becomes news for the applicant."""

from __future__ import annotations

from django.dispatch import receiver

from ratusz.cases import signals as ezd_signals


def _submission_id_of_case(case_id: int) -> int | None:
    from ratusz.core.tenancy import tenant_context
    from ratusz.eservices.models import Submission

    with tenant_context(None, all_municipalities=True):
        return Submission.objects.filter(case_id=case_id).values_list("pk", flat=True).first()


@receiver(ezd_signals.case_status_changed)
def case_status_changed(sender, case_id: int, status: str, **kwargs) -> None:
    from ratusz.eservices import tasks

    submission_id = _submission_id_of_case(case_id)
    if submission_id is not None:
        tasks.enqueue_status_email(submission_id, "status")


@receiver(ezd_signals.letter_sent)
def letter_sent(sender, case_id: int, letter_id: int, **kwargs) -> None:
    from ratusz.eservices import tasks

    submission_id = _submission_id_of_case(case_id)
    if submission_id is not None:
        tasks.enqueue_status_email(submission_id, "letter", f"letter:{letter_id}")
