"""Fill a gmina with many realistic cases for load tests and benchmarks.

    manage.py generate_cases --municipality <slug> --cases 1000000 [--documents-per-case 1]
                             [--batch 5000] [--seed 1]

The generation itself is `ratusz.cases.load_test`.
"""

from django.core.management.base import BaseCommand, CommandError

from ratusz.cases.load_test import LoadTestError, generate_cases
from ratusz.core.selectors import get_municipality_by_slug


class Command(BaseCommand):
    help = "Generate many realistic cases (with parties, documents and search index) fast."

    def add_arguments(self, parser):
        parser.add_argument("--municipality", required=True, help="slug of the gmina")
        parser.add_argument("--cases", type=int, default=1000)
        parser.add_argument("--documents-per-case", type=int, default=1)
        parser.add_argument("--batch", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--index-workers", type=int, default=2,
                            help="threads (database sessions) filling the search index "
                                 "(Polish ispell is the slowest step)")

    def handle(self, *args, municipality, cases, documents_per_case, batch, seed,
               index_workers=2, **options):
        if cases < 1 or batch < 1 or documents_per_case < 0:
            raise CommandError("--cases and --batch must be positive.")
        gmina = get_municipality_by_slug(municipality, include_inactive=True)
        if gmina is None:
            raise CommandError(f"No gmina with the slug {municipality!r}.")
        try:
            elapsed = generate_cases(gmina, cases=cases, documents_per_case=documents_per_case,
                                     batch=batch, seed=seed, index_workers=index_workers,
                                     stdout=self.stdout)
        except LoadTestError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(
            f"Generated {cases:,} cases in {gmina} in {elapsed:.1f} s "
            f"({cases / elapsed:.0f} cases/s)."))
