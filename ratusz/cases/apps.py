from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ratusz.cases"
    label = "cases"
    verbose_name = "Ratusz EZD"

    def ready(self) -> None:
        from ratusz.cases import personal_data  # noqa: F401 - registers the RODO provider
        from ratusz.cases.services import integrity
        from ratusz.core.backup import register_check

        register_check("case records", integrity.case_record_problems)
        register_check("case counters", integrity.counter_problems)
