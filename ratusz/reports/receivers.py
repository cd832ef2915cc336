"""The reports listen to the other apps' domain events (sent after their commits) and
keep their own rollups: a case's clock and its days' figures, a test inquiry's answer, a
new unit. A failure here is logged and never reaches the app that sent the event."""

from __future__ import annotations

import logging

from django.dispatch import receiver

from ratusz.cases import services as ezd
from ratusz.core.events import unit_created
from ratusz.reports import services

logger = logging.getLogger("ratusz.reports")


@receiver(ezd.case_status_changed, dispatch_uid="reports.case_status_changed")
def case_status_changed(sender, case_id: int, municipality_id: int, status: str, **kwargs):
    try:
        services.note_case_event(municipality_id, case_id, answers_inquiry=status == "closed")
    except Exception:
        logger.exception("reports.case_event_failed", extra={"case_id": case_id})


@receiver(ezd.letter_sent, dispatch_uid="reports.letter_sent")
def letter_sent(sender, case_id: int, municipality_id: int, **kwargs):
    try:
        services.note_case_event(municipality_id, case_id, answers_inquiry=True)
    except Exception:
        logger.exception("reports.case_event_failed", extra={"case_id": case_id})


@receiver(unit_created, dispatch_uid="reports.unit_created")
def unit_added(sender, municipality_id: int, **kwargs):
    try:
        services.note_new_unit(municipality_id)
    except Exception:
        logger.exception("reports.unit_event_failed")
