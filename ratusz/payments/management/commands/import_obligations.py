"""Import obligations from a file (CSV or a JSON list) into a gmina, as the finance
workspace does; prints the counts and every refused line with its reasons."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ratusz.core.tenancy import tenant_context
from ratusz.payments import importing, selectors, services
from ratusz.payments.errors import reason_texts


class Command(BaseCommand):
    help = "Import obligations (CSV or JSON) into a gmina's payments ledger."

    def add_arguments(self, parser):
        parser.add_argument("municipality", help="the gmina's slug")
        parser.add_argument("file", type=Path)

    def handle(self, *args, municipality, file, **options):
        gmina = selectors.municipality_by_slug(municipality)
        if gmina is None:
            raise CommandError(f"no gmina {municipality!r}")
        text = file.read_text(encoding="utf-8-sig")
        try:
            records = json.loads(text) if text.lstrip().startswith("[") \
                else importing.read_csv(text)
        except (ValueError, importing.CsvError) as error:
            raise CommandError(f"not a JSON list of obligations nor a CSV file: {error}") \
                from None
        with tenant_context(gmina):
            try:
                run = services.import_obligations(gmina, records, acting_user=None,
                                                  channel="command", file_name=file.name)
            except services.PaymentsError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(f"lines {run.lines}, created {run.created}, updated {run.updated}, "
                          f"unchanged {run.unchanged}, refused {run.refused}")
        for entry in run.refused_lines:
            self.stdout.write(f"  line {entry['line']} ({entry['external_id']}): "
                              + " ".join(reason_texts(entry["reasons"])))
