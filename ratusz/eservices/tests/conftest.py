"""Fixtures of the e-services tests: an office with the shipped JRWA and two services."""

import copy

import pytest

from ratusz.accounts.permissions import Permission, Role
from ratusz.cases.jrwa import load_default_jrwa
from ratusz.core.tests.factories import LocalityFactory
from ratusz.eservices.models import FormStatus, FormVersion, Service

LETTER_FORM = {
    "title": "Pismo ogólne",
    "schema": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "first_name": {"type": "string", "title": "Imię", "maxLength": 60},
            "last_name": {"type": "string", "title": "Nazwisko", "maxLength": 80},
            "email": {"type": "string", "title": "Adres e-mail", "format": "email"},
            "subject": {"type": "string", "title": "Temat", "maxLength": 200},
            "content": {"type": "string", "title": "Treść", "maxLength": 5000},
            "files": {"type": "array", "title": "Załączniki", "maxItems": 3,
                      "x-attachment": {"accept": ["pdf", "jpg", "png"], "max_size_mb": 1}},
        },
        "required": ["last_name", "subject", "content"],
    },
    "layout": {
        "pages": [{"title": "Pismo", "sections": [
            {"title": "Nadawca", "fields": ["first_name", "last_name", "email"]},
            {"title": "Treść", "fields": ["subject", "content", "files"]}]}],
        "fields": {"first_name": {"prefill": "first_name"},
                   "last_name": {"prefill": "last_name"}, "email": {"prefill": "email"},
                   "content": {"widget": "textarea"}},
    },
}

TAX_FORM = {
    "title": "Informacja o nieruchomościach (IN-1)",
    "schema": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "kind": {"type": "string", "title": "Okoliczności",
                     "enum": ["first", "correction"],
                     "x-enum-titles": ["informacja składana po raz pierwszy", "korekta"]},
            "correction_reason": {"type": "string", "title": "Uzasadnienie korekty",
                                  "maxLength": 500},
            "pesel": {"type": "string", "title": "PESEL", "format": "pesel"},
            "birth_date": {"type": "string", "title": "Data urodzenia", "format": "date"},
            "sex": {"type": "string", "title": "Płeć", "enum": ["K", "M"],
                    "x-enum-titles": ["kobieta", "mężczyzna"]},
            "first_name": {"type": "string", "title": "Imię", "maxLength": 60},
            "last_name": {"type": "string", "title": "Nazwisko", "maxLength": 80},
            "postal_code": {"type": "string", "title": "Kod pocztowy", "format": "postal-code"},
            "locality": {"type": "string", "title": "Miejscowość", "format": "locality"},
            "account": {"type": "string", "title": "Rachunek do zwrotu nadpłaty",
                        "format": "nrb"},
            "parcels": {"type": "array", "title": "Działki", "minItems": 1, "maxItems": 5,
                        "items": {"type": "object", "additionalProperties": False,
                                  "properties": {
                                      "number": {"type": "string", "title": "Numer działki",
                                                 "format": "parcel"},
                                      "land_register": {"type": "string",
                                                        "title": "Księga wieczysta",
                                                        "format": "land-register"},
                                      "area": {"type": "number", "title": "Powierzchnia (m²)",
                                               "minimum": 0, "multipleOf": 0.01}},
                                  "required": ["number", "area"]}},
            "truth": {"type": "boolean", "title": "Oświadczam, że dane są zgodne z prawdą"},
        },
        "required": ["kind", "correction_reason", "pesel", "first_name", "last_name",
                     "locality", "parcels", "truth"],
    },
    "layout": {
        "pages": [
            {"title": "Składający", "sections": [
                {"title": "Okoliczności", "fields": ["kind", "correction_reason"]},
                {"title": "Dane", "fields": ["pesel", "birth_date", "sex", "first_name",
                                             "last_name", "postal_code", "locality",
                                             "account"]}]},
            {"title": "Przedmioty opodatkowania", "sections": [
                {"title": "Grunty", "fields": ["parcels", "truth"]}]},
        ],
        "fields": {"kind": {"widget": "radio"},
                   "correction_reason": {"show_if": {"field": "kind", "equals": "correction"},
                                         "widget": "textarea"},
                   "first_name": {"prefill": "first_name"}, "truth": {"widget": "checkbox"}},
        "checks": [{"kind": "pesel_birth_date", "pesel": "pesel", "birth_date": "birth_date"},
                   {"kind": "pesel_sex", "pesel": "pesel", "sex": "sex"}],
    },
}

VALID_TAX = {"kind": "first", "pesel": "44051401359", "birth_date": "1944-05-14", "sex": "M",
             "first_name": "Jan", "last_name": "Kowalski", "postal_code": "24-220",
             "locality": "Snopków", "account": "61109010140000071219812874",
             "parcels": [{"number": "123/4", "area": "1200,50"}], "truth": True}
VALID_LETTER = {"first_name": "Ewa", "last_name": "Mazur", "subject": "Oświetlenie",
                "content": "Proszę o naprawę latarni przy ul. Polnej."}


def make_service(municipality, department, slug, definition, **fields):
    defaults = {"name": definition["title"], "category": "general", "summary": "Opis",
                "purpose": "Cel", "who_may_apply": "Każdy", "deadline_days": 30,
                "deadline_description": "30 dni", "jrwa_symbol": "140",
                "is_published": True}
    defaults.update(fields)
    service = Service.objects.create(municipality=municipality, department=department,
                                     slug=slug, search_text=slug, **defaults)
    form = FormVersion.objects.create(
        municipality=municipality, service=service, number=1, title=definition["title"],
        schema=copy.deepcopy(definition["schema"]), layout=copy.deepcopy(definition["layout"]),
        status=FormStatus.PUBLISHED)
    service.current_form = form
    service.save(update_fields=["current_form"])
    return service


@pytest.fixture
def office_a(department_a):
    load_default_jrwa(department_a.unit, acting_user=None)
    LocalityFactory(municipality=department_a.municipality, name="Snopków")
    return department_a.unit


@pytest.fixture
def letter_service(office_a, department_a):
    return make_service(department_a.municipality, department_a, "pismo-ogolne", LETTER_FORM,
                        allows_anonymous=True, requires_identification=False)


@pytest.fixture
def tax_service(office_a, department_a):
    return make_service(department_a.municipality, department_a, "in-1", TAX_FORM,
                        category="taxes", jrwa_symbol="3120", fee_amount="17.00",
                        fee_account="61109010140000071219812874")


@pytest.fixture
def clerk_a(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.CASE_OFFICER, department=department_a,
                      username="alfa.referent", first_name="Anna", last_name="Nowak")


def token_headers(resident, municipality, name: str = "resident") -> dict:
    """The headers of a new API token of the resident (an application of theirs)."""
    from ratusz.accounts import services as account_services

    _token, secret = account_services.issue_api_token(
        municipality, acting_user=None, name=name, user=resident,
        permissions=[Permission.RESIDENT_SELF])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def resident_token(resident, municipality_a):
    return token_headers(resident, municipality_a)


@pytest.fixture
def library_gmina(office_a, department_a, municipality_a):
    """Gmina Alfa with the whole library published: OR and FN, the localities of the
    library's examples (Jastków among others, in no particular order)."""
    from ratusz.core.tests.factories import DepartmentFactory
    from ratusz.eservices import services

    DepartmentFactory(municipality=municipality_a, unit=department_a.unit, symbol="FN",
                      name="Referat Finansowy")
    for name in ("Sługocin", "Ługów", "Jastków", "Marysin", "Lipniak", "Panieńszczyzna"):
        LocalityFactory(municipality=municipality_a, name=name)  # Snopków: office_a
    services.publish_library(municipality_a, acting_user=None,
                             fee_account="61109010140000071219812874")
    return municipality_a


def library_service_of(municipality, slug):
    return Service.objects.get(municipality=municipality, slug=slug)
