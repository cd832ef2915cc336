from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ratusz.reports"
    label = "reports"
    verbose_name = "Ratusz reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from ratusz.accounts.permissions import Permission
        from ratusz.accounts.workspace import MenuEntry, MenuTarget, register_menu_entry
        from ratusz.reports import receivers  # noqa: F401 - connects the receivers

        # The staff menu's way to the indicators, the overdue matters and the monthly report
        # (wójt, secretary, heads, finance, education: `reports.view`).
        register_menu_entry(MenuEntry(
            "indicators", _("Indicators"),
            (MenuTarget("reports-staff:dashboard", Permission.VIEW_REPORTS),),
            current=("reports-staff:",)))
        schedule_periodic_work()


#: The reports' periodic work on Celery beat (`celery worker -B` or `celery beat`): the
#: pending days every minute, the recent days and the clocks' reconciliation every quarter
#: of an hour, the watch hourly, the monthly report each morning (sent once a month).
PERIODIC_WORK = {
    "reports-track-marked": ("reports.track_marked", 60.0),
    "reports-refresh-pending": ("reports.refresh_pending", 60.0),
    "reports-refresh-recent": ("reports.refresh_recent", 900.0),
    "reports-watch": ("reports.watch", 3600.0),
    "reports-monthly": ("reports.monthly", {"hour": 7, "minute": 0}),
}


def schedule_periodic_work() -> None:
    from ratusz.core.effects import schedule_periodic

    schedule_periodic(PERIODIC_WORK)
