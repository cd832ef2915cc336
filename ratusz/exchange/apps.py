from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "ratusz.exchange"
    label = "exchange"
    verbose_name = "Ratusz exchange"
    default_auto_field = "django.db.models.BigAutoField"
