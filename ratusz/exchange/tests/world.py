"""Objects of the exchange app that its URLs name, for the isolation walk
(tests/test_isolation.py)."""

from ratusz.exchange.models import Channel, OutboundMessage


def build(*, municipality, department, staff, resident, label) -> dict:
    message = OutboundMessage.objects.create(
        municipality=municipality, unit=department.unit, channel=Channel.E_DELIVERY,
        sender_ade="AE:PL-11111-11111-WORLD-11", recipient_ade="AE:PL-22222-22222-WORLD-22",
        recipient_name="Urząd", subject=f"Pismo {label}", status="failed")
    ids = {"message_id": message.pk}
    return {"values": {}, "overrides": {"exchange-staff:outbound": ids,
                                        "exchange-staff:outbound-retry": ids}}
