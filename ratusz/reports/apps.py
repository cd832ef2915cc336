from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ratusz.reports"
    label = "reports"
    verbose_name = "Ratusz reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ratusz.reports import receivers  # noqa: F401 - connects the receivers
