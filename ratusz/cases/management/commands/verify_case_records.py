"""Recompute the hash chain of every case record and report any tampering."""

from django.core.management.base import BaseCommand, CommandError

from ratusz.cases.services.integrity import verify_case_records
from ratusz.core.selectors import get_municipality_by_slug, list_municipalities
from ratusz.core.tenancy import tenant_context


class Command(BaseCommand):
    help = "Verify the hash-chained case records (metryka sprawy); exit 1 if any is broken."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", help="slug of one gmina (default: all)")

    def handle(self, *args, municipality=None, **options):
        with tenant_context(None, all_municipalities=True):
            if municipality:
                gmina = get_municipality_by_slug(municipality, include_inactive=True)
                if gmina is None:
                    raise CommandError(f"No gmina with the slug {municipality!r}")
                gminy = [gmina]
            else:
                gminy = list(list_municipalities(include_inactive=True))
        checked = broken = 0
        for gmina in gminy:
            result = verify_case_records(gmina)
            checked += result.checked
            for problem in result.problems:
                broken += 1
                self.stderr.write(f"{gmina.slug} {problem.case_mark} entry "
                                  f"{problem.position}: {problem.problem}")
        self.stdout.write(f"Checked {checked} case records: {broken} problem(s).")
        if broken:
            raise SystemExit(1)
