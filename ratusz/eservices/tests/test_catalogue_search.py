"""Finding a service (issue 23, item 8): plain words and synonyms, form codes as people type
them, Polish word forms; a resident's service before a business's; a no-results text that
leads to the general letter; the e-office opening with the most used services and the life
situations before the full list."""

import re

import pytest

from ratusz.core.polish import sort_key
from ratusz.eservices import selectors, services
from ratusz.eservices.library import library_service
from ratusz.eservices.tests.conftest import library_service_of

pytestmark = pytest.mark.django_db

IN1 = "informacja-podatek-od-nieruchomosci-in-1"
DN1 = "deklaracja-podatek-od-nieruchomosci-dn-1"


def found(municipality, query):
    return [service.library_slug for service in
            selectors.search_services(municipality, query)]


@pytest.mark.parametrize("query", ["podatek od domu", "Podatek od mieszkania",
                                   "podatku od domu", "podatek od dzialki"])
def test_plain_words_find_in1(library_gmina, query):
    assert found(library_gmina, query)[0] == IN1


@pytest.mark.parametrize("query", ["in1", "IN-1", "in 1", "In 1", "in-1"])
def test_a_form_code_finds_its_form_however_typed(library_gmina, query):
    assert found(library_gmina, query) == [IN1]


def test_zin_codes_lead_to_in1_and_dn1_to_dn1(library_gmina):
    assert found(library_gmina, "ZIN-3") == [IN1]
    assert found(library_gmina, "dn1") == [DN1]


def test_for_property_tax_a_resident_sees_in1_before_dn1(library_gmina):
    results = found(library_gmina, "podatek od nieruchomości")
    assert results.index(IN1) < results.index(DN1)
    assert found(library_gmina, "podatki od nieruchomosci")[0] == IN1  # other forms


@pytest.mark.parametrize(("query", "slug"), [
    ("wycinka drzewa", "zgloszenie-zamiaru-usuniecia-drzewa"),
    ("śmieci", "deklaracja-odpady-komunalne"),
    ("szambo", "zgloszenie-zbiornika-bezodplywowego"),
    ("zgubiony dowód", "zgloszenie-utraty-dowodu-osobistego"),
    ("zaświadczeń o zameldowaniu", "zaswiadczenie-o-zameldowaniu"),
])
def test_words_people_use_find_the_service(library_gmina, query, slug):
    assert slug in found(library_gmina, query)[:3]


def test_the_catalogue_page_searches_and_without_results_offers_the_letter(client,
                                                                           library_gmina):
    page = client.get("/g/alfa/e-urzad/", {"q": "podatek od domu"}).content.decode()
    cards = re.findall(r'<h3><a href="/g/alfa/e-urzad/uslugi/([^/]+)/"', page)
    assert cards[0] == IN1
    nothing = client.get("/g/alfa/e-urzad/", {"q": "lot na księżyc"}).content.decode()
    assert 'href="/g/alfa/e-urzad/uslugi/pismo-ogolne/"' in nothing
    assert '<ul class="cards"' not in nothing


def test_the_e_office_opens_with_the_most_used_and_life_situations(client, library_gmina,
                                                                    resident):
    letter = library_service_of(library_gmina, "pismo-ogolne")
    for _ in range(2):
        services.submit(letter, data=library_service("pismo-ogolne")["example"],
                        resident=resident)
    page = client.get("/g/alfa/e-urzad/").content.decode()
    most_used = page.index('id="most-used-title"')
    situations = page.index('id="situations-title"')
    full_list = page.index('id="results-title"')
    assert most_used < situations < full_list
    shortcuts = re.findall(r'<li><a href="/g/alfa/e-urzad/uslugi/([^/]+)/"',
                           page[most_used:situations])
    assert shortcuts[0] == "pismo-ogolne"  # used most here
    assert IN1 in shortcuts
    situation = client.get("/g/alfa/e-urzad/", {"sytuacja": "buduje-dom"}).content.decode()
    assert "/uslugi/decyzja-o-warunkach-zabudowy/" in situation
    assert "/uslugi/petycja/" not in situation


def test_the_full_list_is_in_polish_alphabetical_order(library_gmina):
    names = [service.name for service in selectors.catalogue_services(library_gmina)]
    assert names == sorted(names, key=sort_key)
