"""Polish words (ratusz.core.polish): the alphabetical order of names and a gmina's name
declined in the sentences the platform writes (issue 23, items 9 and 11)."""

import pytest

from ratusz.core.polish import declined_name, sort_key, tax_authority
from ratusz.core.tests.factories import MunicipalityFactory


def test_names_sort_in_the_order_of_the_polish_alphabet():
    names = ["Snopków", "Sługocin", "Marysin", "Ługów", "Lipniak", "Żurawiniec", "Zbródki",
             "Płouszowice-Kolonia", "Płouszowice", "Ćmielów", "Celejów", "Źrebce", "ożarów"]
    assert sorted(names, key=sort_key) == [
        "Celejów", "Ćmielów", "Lipniak", "Ługów", "Marysin", "ożarów", "Płouszowice",
        "Płouszowice-Kolonia", "Sługocin", "Snopków", "Zbródki", "Źrebce", "Żurawiniec"]


def test_code_point_order_would_put_lugow_after_marysin():
    # What the key fixes: Python's (and SQLite's) order of code points.
    assert sorted(["Ługów", "Marysin", "Sługocin", "Snopków"]) == [
        "Marysin", "Snopków", "Sługocin", "Ługów"]


@pytest.mark.parametrize(("official", "accusative", "verb"), [
    ("Gmina Jastków", "Gminę Jastków", "Gmina Jastków przyjęła"),
    ("Miasto Lublin", "Miasto Lublin", "Miasto Lublin przyjęło"),
    ("Miasto i Gmina Bełżyce", "Miasto i Gminę Bełżyce", "Miasto i Gmina Bełżyce przyjęły"),
])
def test_an_official_name_is_declined_by_its_first_word(official, accusative, verb):
    forms = declined_name(official)
    assert forms.accusative == accusative
    assert forms.agreeing(masculine="przyjął", feminine="przyjęła", neuter="przyjęło",
                          plural="przyjęły") == verb


@pytest.mark.django_db
def test_a_gminas_stored_forms_and_authority_win(db):
    gmina = MunicipalityFactory(name="Jastków", official_name="Gmina Jastków", kind="rural")
    assert gmina.declined.genitive == "Gminy Jastków"
    assert tax_authority(gmina) == gmina.tax_authority == "Wójt Gminy Jastków"
    town = MunicipalityFactory(name="Puławy", official_name="Miasto Puławy", kind="urban",
                               official_name_locative="Mieście Puławy",
                               official_name_gender="neuter",
                               authority_name="Prezydent Miasta Puławy")
    assert town.declined.locative == "Mieście Puławy"
    assert town.tax_authority == "Prezydent Miasta Puławy"
