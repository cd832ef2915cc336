from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ratusz.reports"
    label = "reports"
    verbose_name = "Ratusz reports"
    default_auto_field = "django.db.models.BigAutoField"
