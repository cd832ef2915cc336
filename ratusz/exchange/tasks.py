"""Background work of the exchange: one round of the pump (for a Celery beat entry
`{"task": "exchange.pump", "schedule": 5.0}`; the demo runs `manage.py exchange_pump`)."""

from celery import shared_task

from ratusz.exchange import services


@shared_task(name="exchange.pump")
def pump() -> dict:
    return services.run_round()
