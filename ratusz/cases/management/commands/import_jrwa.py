"""Import a JRWA table as the new current version for one unit or every unit of a gmina."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ratusz.cases.jrwa import (
    DEFAULT_NAME,
    DEFAULT_TABLE,
    JrwaImportError,
    import_jrwa,
    parse_jrwa_csv,
)
from ratusz.cases.selectors import current_jrwa_version
from ratusz.core.selectors import get_municipality_by_slug, get_unit_by_slug, list_units
from ratusz.core.tenancy import tenant_context


class Command(BaseCommand):
    help = ("Replace the JRWA of a gmina's unit(s) with a table (default: the shipped 2011 "
            "gmina JRWA), or only validate a table with --check.")

    def add_arguments(self, parser):
        parser.add_argument("--municipality", help="slug of the gmina")
        units = parser.add_mutually_exclusive_group()
        units.add_argument("--unit", help="slug of one unit of the gmina")
        units.add_argument("--all-units", action="store_true",
                           help="every active unit of the gmina")
        parser.add_argument("--file", help=f"CSV table (default: {DEFAULT_TABLE.name})")
        parser.add_argument("--name", help="name of the new version")
        parser.add_argument("--check", metavar="FILE",
                            help="validate FILE and print its counts; import nothing")

    def handle(self, *args, municipality=None, unit=None, all_units=False, file=None,
               name=None, check=None, **options):
        if check:
            rows = self._parse(check)
            self.stdout.write(f"{check}: valid, {self._counts(rows)}.")
            return
        if not municipality:
            raise CommandError("Give --municipality (or --check FILE).")
        if not unit and not all_units:
            raise CommandError("Give --unit <slug> or --all-units.")
        path = Path(file) if file else DEFAULT_TABLE
        rows = self._parse(path)
        gmina = get_municipality_by_slug(municipality, include_inactive=True)
        if gmina is None:
            raise CommandError(f"No gmina with the slug {municipality!r}.")
        with tenant_context(gmina):
            if unit:
                targets = [found for found in [get_unit_by_slug(gmina, unit)] if found]
            else:
                targets = list(list_units(gmina).order_by("slug"))
            if not targets:
                raise CommandError(f"No unit {unit!r} in {gmina.slug}." if unit
                                   else f"{gmina.slug} has no active unit.")
            for target in targets:
                previous = current_jrwa_version(target)
                version = import_jrwa(target, rows, acting_user=None,
                                      name=name or (path.stem if file else DEFAULT_NAME),
                                      source=str(file or f"ratusz/cases/data/{path.name}"))
                if previous is not None and version.pk == previous.pk:
                    self.stdout.write(f"{gmina.slug}/{target.slug}: unchanged, the current "
                                      f"version already has this table.")
                else:
                    self.stdout.write(f"{gmina.slug}/{target.slug}: new version "
                                      f"{version.name!r}, {self._counts(rows)}.")

    def _parse(self, path) -> list[dict]:
        try:
            return parse_jrwa_csv(Path(path))
        except JrwaImportError as error:
            raise CommandError(f"{path}: {error}") from error

    @staticmethod
    def _counts(rows: list[dict]) -> str:
        final = sum(1 for row in rows if row["is_final"])
        verified = sum(1 for row in rows if row["is_verified"])
        return (f"{len(rows)} classes ({final} final; {verified} verified, "
                f"{len(rows) - verified} unverified)")
