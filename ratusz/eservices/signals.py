"""The e-services listen to the EZD: a status change or a letter sent to the resident's
inbox becomes news for the applicant (receivers of the EZD's domain events)."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from ratusz.cases import services as ezd
from ratusz.eservices import case_news, selectors, services
from ratusz.payments import events as payment_events

logger = logging.getLogger("ratusz.eservices")


@receiver(ezd.case_status_changed)
def case_status_changed(sender, case_id: int, municipality_id: int, status: str,
                        **kwargs) -> None:
    submission_id = selectors.submission_id_of_case(municipality_id, case_id)
    if submission_id is not None:
        case_news.notify(submission_id, "status")


@receiver(ezd.letter_sent)
def letter_sent(sender, case_id: int, municipality_id: int, letter_id: int, **kwargs) -> None:
    submission_id = selectors.submission_id_of_case(municipality_id, case_id)
    if submission_id is not None:
        case_news.notify(submission_id, "letter", f"letter:{letter_id}")


@receiver(payment_events.obligation_paid)
def obligation_paid(sender, municipality_id: int, external_id: str, **kwargs) -> None:
    """A submission's fee paid on the taxpayer account (payments, after its commit). A
    failure here is logged and never reaches the payment: `eservices.sweep_paid_fees`
    settles the fee later."""
    try:
        services.record_fee_paid(municipality_id, external_id)
    except Exception:
        logger.exception("eservices.fee_paid_failed", extra={"external_id": external_id})
