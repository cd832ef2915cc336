"""Build the reports' clocks for every case of a gmina and recompute its days (an
installation with a history, a restore):

    manage.py reports_backfill --municipality <slug> [--since YYYY-MM-DD]
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ratusz.core.selectors import get_municipality_by_slug
from ratusz.core.tenancy import tenant_context
from ratusz.reports import services


class Command(BaseCommand):
    help = "Build the clocks of every case of a gmina and recompute its days' figures."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--since", type=date.fromisoformat,
                            help="first day to recompute (1 January of this year by default)")

    def handle(self, *args, municipality: str, since: date | None = None, **options):
        gmina = get_municipality_by_slug(municipality)
        if gmina is None:
            raise CommandError(f"No active gmina {municipality}.")
        today = timezone.localdate()
        since = since or today.replace(month=1, day=1)
        started = time.monotonic()
        with tenant_context(gmina):
            clocks = services.backfill_clocks(gmina)
            self.stdout.write(f"{clocks} clocks in {time.monotonic() - started:.1f} s")
            days = [since + timedelta(days=n) for n in range((today - since).days + 1)]
            services.refresh_days(gmina, days, today=today)
        self.stdout.write(f"{len(days)} days recomputed; {time.monotonic() - started:.1f} s")
