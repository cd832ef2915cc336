"""The exchange listens to the EZD and to core: a letter sent by e-Doręczenia goes to the
outbox; a unit added to a gmina gets its ADE and mailbox. Both events come after their
write's commit: a failure here is logged and never turns that write's answer into an
error (the pump's sweep queues a letter the receiver missed; a unit without an ADE gets
one from `services.give_new_unit_its_ade` on the exchange's page or at the next event)."""

import logging

from django.dispatch import receiver

from ratusz.cases import services as ezd
from ratusz.core.events import unit_created
from ratusz.core.tenancy import tenant_context
from ratusz.exchange import services
from ratusz.exchange.services.config import setting

logger = logging.getLogger("ratusz.exchange")


@receiver(ezd.letter_sent, dispatch_uid="exchange.letter_sent")
def letter_sent(sender, case_id: int, municipality_id: int, letter_id: int, **kwargs):
    if not setting("EXCHANGE_ENABLED", True):
        return
    try:
        with tenant_context(None, all_municipalities=True):
            services.queue_letter(municipality_id, letter_id)
    except Exception:  # noqa: BLE001 - logged; the pump's sweep queues it
        logger.exception("exchange.letter_not_queued", extra={"letter": letter_id})


@receiver(unit_created, dispatch_uid="exchange.unit_created")
def unit_added(sender, *, unit_id: int, municipality_id: int,
               acting_user_id: int | None = None, **kwargs):
    try:
        services.give_new_unit_its_ade(unit_id=unit_id, municipality_id=municipality_id,
                                       acting_user_id=acting_user_id)
    except Exception:  # noqa: BLE001 - logged; the unit has committed
        logger.exception("exchange.unit_without_ade", extra={"unit": unit_id})
