from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "ratusz.payments"
    label = "payments"
    verbose_name = "Ratusz payments"
    default_auto_field = "django.db.models.BigAutoField"
