from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "ratusz.education"
    label = "education"
    verbose_name = "Ratusz education"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from ratusz.accounts.workspace import register_menu_entry, register_waiting_work
        from ratusz.core.effects import schedule_periodic
        from ratusz.education import personal_data, workspace

        personal_data.register_provider()
        register_menu_entry(workspace.MENU_ENTRY)
        register_waiting_work("education", workspace.waiting_work)
        register_menu_entry(workspace.ATTENDANCE_MENU_ENTRY)
        register_menu_entry(workspace.SHEETS_MENU_ENTRY)
        register_menu_entry(workspace.HELP_MENU_ENTRY)
        register_menu_entry(workspace.LIBRARY_MENU_ENTRY)
        register_waiting_work("education-sheets", workspace.sheets_waiting)
        schedule_periodic({"education-library-daily": ("education.library_daily",
                                                        {"hour": "6", "minute": "15"})})
