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
