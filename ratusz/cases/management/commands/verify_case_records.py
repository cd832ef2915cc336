"""Recompute the hash chain of every case record and report any tampering."""

from django.core.management.base import BaseCommand, CommandError

from ratusz.cases.selectors import all_cases
from ratusz.cases.services import verify_case_record
from ratusz.core.models import Municipality
from ratusz.core.tenancy import tenant_context


class Command(BaseCommand):
    help = "Verify the hash-chained case records (metryka sprawy); exit 1 if any is broken."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", help="slug of one gmina (default: all)")

    def handle(self, *args, municipality=None, **options):
        with tenant_context(None, all_municipalities=True):
            gminy = Municipality.objects.all()
            if municipality:
                gminy = gminy.filter(slug=municipality)
                if not gminy.exists():
                    raise CommandError(f"No gmina with the slug {municipality!r}")
            gminy = list(gminy)
        checked = broken = 0
        for gmina in gminy:
            with tenant_context(gmina):
                for case in all_cases(gmina).iterator(chunk_size=500):
                    checked += 1
                    for problem in verify_case_record(case):
                        broken += 1
                        self.stderr.write(f"{gmina.slug} {problem.case_mark} entry "
                                          f"{problem.position}: {problem.problem}")
        self.stdout.write(f"Checked {checked} case records: {broken} problem(s).")
        if broken:
            raise SystemExit(1)
