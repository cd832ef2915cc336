"""The rollups: numbers per gmina, unit and day (recomputed for recent days, never from all
history on a page view), and the indicators of a gmina per year computed from them."""

from django.db import models
from django.utils import timezone

from ratusz.core.models import TenantOwned, Unit


class DailyFigure(TenantOwned):
    """One number of one day: `key` names the indicator (ratusz.reports.indicators), `unit`
    the organisational unit (None: the whole gmina), `dimension` a breakdown (a service
    and channel, a channel, a JRWA class…; empty: none). A day's figures are recomputed
    whole (deleted and written again), so recomputing is idempotent."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    day = models.DateField()
    key = models.CharField(max_length=40)
    dimension = models.CharField(max_length=160, blank=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["municipality", "day", "key"],
                                name="reports_figure_day")]


class IndicatorSnapshot(TenantOwned):
    """The indicators of a gmina for one year, as numbers (the API's document plus the
    dashboards' tables), computed inside the gmina's tenant context from the rollups.
    Dashboards, the API and a partnership's comparison read this one row."""

    year = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)
    payload = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "year"],
                                               name="reports_snapshot_year")]


class PendingRefresh(TenantOwned):
    """A day of a gmina whose figures changed (an event arrived) and wait to be
    recomputed by the next refresh."""

    day = models.DateField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "day"],
                                               name="reports_pending_day")]


class MarkedCase(TenantOwned):
    """A case the EZD changed (a status, a letter sent), waiting for its clock and days to
    be brought up to date by `reports.track_marked` in a batch: the event itself costs
    one insert. Rows are deleted once read; a case marked twice is tracked once."""

    case_id = models.BigIntegerField()
    answers_inquiry = models.BooleanField(default=False)
    marked_at = models.DateTimeField(default=timezone.now)
