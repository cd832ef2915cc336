from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "ratusz.payments"
    label = "payments"
    verbose_name = "Ratusz payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ratusz.core.backup import register_check
        from ratusz.payments import personal_data  # noqa: F401 - registers the RODO provider
        from ratusz.payments.checks import ledger_problems

        register_check("payments", ledger_problems)
        schedule_periodic_work()


#: The payments' periodic work on Celery beat (`celery worker -B` or `celery beat`): the
#: sweep of online payments left pending at the gateway every five minutes, the notices
#: before due dates and the set-off of overpayments once a day (early morning).
PERIODIC_WORK = {
    "payments-sweep": ("payments.sweep", 300.0),
    "payments-due-notices": ("payments.due_notices", {"hour": 6, "minute": 30}),
    "payments-set-off": ("payments.set_off", {"hour": 5, "minute": 0}),
}


def schedule_periodic_work() -> None:
    from ratusz.core.effects import schedule_periodic

    schedule_periodic(PERIODIC_WORK)
