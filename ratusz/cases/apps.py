from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ratusz.cases"
    label = "cases"
    verbose_name = "Ratusz EZD"

    def ready(self) -> None:
        from ratusz.accounts.workspace import register_waiting_work
        from ratusz.cases import (
            personal_data,  # noqa: F401 - registers the RODO provider
            workspace,
        )
        from ratusz.cases.services import integrity
        from ratusz.core.backup import register_check

        register_check("case records", integrity.case_record_problems)
        register_check("case counters", integrity.counter_problems)
        register_waiting_work("ezd", workspace.waiting_work)
