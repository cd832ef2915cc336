from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "ratusz.exchange"
    label = "exchange"
    verbose_name = "Ratusz exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from ratusz.exchange import receivers  # noqa: F401 - connects the EZD's events
