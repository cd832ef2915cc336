"""The exchange listens to the EZD: a letter sent by e-Doręczenia goes to the outbox."""

from django.dispatch import receiver

from ratusz.cases import services as ezd
from ratusz.core.tenancy import tenant_context
from ratusz.exchange import services
from ratusz.exchange.services.config import setting


@receiver(ezd.letter_sent)
def letter_sent(sender, case_id: int, municipality_id: int, letter_id: int, **kwargs):
    if not setting("EXCHANGE_ENABLED", True):
        return
    with tenant_context(None, all_municipalities=True):
        services.queue_letter(municipality_id, letter_id)
