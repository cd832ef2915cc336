"""The library published into a gmina: every card complete, every example files a case."""

import pytest

from ratusz.core.tests.factories import DepartmentFactory, LocalityFactory
from ratusz.eservices import services
from ratusz.eservices.library import library_services
from ratusz.eservices.models import Service
from ratusz.eservices.tests.test_services import PDF

ACCOUNT = "61109010140000071219812874"


@pytest.fixture
def gmina_with_library(office_a, department_a):
    municipality = department_a.municipality
    for symbol in ("FN", "GK", "IN", "RG", "SO", "USC"):
        DepartmentFactory(municipality=municipality, unit=office_a, symbol=symbol,
                          name=f"Referat {symbol}")
    LocalityFactory(municipality=municipality, name="Jastków")
    added, existing = services.publish_library(municipality, acting_user=None,
                                               fee_account=ACCOUNT)
    assert (added, existing) == (len(library_services()), 0)
    return municipality


@pytest.mark.django_db
def test_publishing_twice_adds_nothing(gmina_with_library):
    assert services.publish_library(gmina_with_library, acting_user=None) == (
        0, len(library_services()))


@pytest.mark.django_db
def test_every_library_service_files_its_example(gmina_with_library, resident):
    published = Service.objects.filter(municipality=gmina_with_library, is_published=True)
    assert published.count() >= 50
    for service in published.select_related("current_form", "department"):
        definition = next(item for item in library_services() if item["slug"] == service.slug)
        assert service.department.symbol == definition["department"], service.slug
        if service.fee_amount is not None:
            assert service.fee_account == ACCOUNT
        schema = service.current_form.schema
        files = [services.UploadedFile(name, "zalacznik.pdf", PDF)
                 for name in schema.get("required", [])
                 if schema["properties"][name].get("x-attachment")]
        submission, created = services.submit(service, data=definition["example"],
                                              files=files, resident=resident)
        assert created, service.slug
        assert submission.case.jrwa_symbol == definition["jrwa_symbol"]
        assert submission.case.status == ("awaiting_party" if service.fee_amount else "new")
