"""Publish the whole service library in a gmina: `manage.py publish_services <gmina-slug>`."""

from django.core.management.base import BaseCommand, CommandError

from ratusz.core.selectors import get_municipality_by_slug
from ratusz.core.tenancy import tenant_context
from ratusz.eservices import forms_engine, services


class Command(BaseCommand):
    help = ("Copy every library service the gmina does not have yet into it, published, "
            "with its form; the gmina then adjusts its copies.")

    def add_arguments(self, parser):
        parser.add_argument("municipality", help="the gmina's slug, e.g. jastkow")
        parser.add_argument("--fee-account", default="",
                            help="the NRB account fees are paid to (26 digits)")
        parser.add_argument("--unpublished", action="store_true",
                            help="add the services as drafts instead of publishing them")

    def handle(self, *args, municipality: str, fee_account: str, unpublished: bool, **options):
        with tenant_context(None, all_municipalities=True):
            gmina = get_municipality_by_slug(municipality, include_inactive=True)
        if gmina is None:
            raise CommandError(f"No gmina with the slug {municipality!r}.")
        if fee_account:
            try:
                fee_account = forms_engine.check_nrb(fee_account, "--fee-account", {})
            except forms_engine.FieldError as error:
                raise CommandError(str(error)) from None
        with tenant_context(gmina):
            try:
                added, existing = services.publish_library(
                    gmina, acting_user=None, fee_account=fee_account,
                    publish=not unpublished)
            except (services.EserviceError, forms_engine.DefinitionError) as error:
                raise CommandError(str(error)) from None
        self.stdout.write(f"{gmina.official_name}: {added} services added, {existing} were "
                          f"already there.")
