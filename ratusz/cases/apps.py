from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ratusz.cases"
    label = "cases"
    verbose_name = "Ratusz EZD"
