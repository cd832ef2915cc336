from django.apps import AppConfig


class EservicesConfig(AppConfig):
    name = "ratusz.eservices"
    verbose_name = "E-services"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ratusz.accounts.workspace import register_waiting_work
        from ratusz.eservices import (
            personal_data,  # noqa: F401 - registers the RODO provider
            signals,  # noqa: F401
            workspace,
        )

        register_waiting_work("eservices", workspace.waiting_work)
        from ratusz.core.effects import schedule_periodic

        schedule_periodic({"eservices-sweep-paid-fees": ("eservices.sweep_paid_fees", 600)})
