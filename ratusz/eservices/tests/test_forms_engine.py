"""The form engine: Polish messages per field, conditional fields, groups, identifiers."""

import pytest

from ratusz.eservices import forms_engine
from ratusz.eservices.tests.conftest import LETTER_FORM, TAX_FORM, VALID_TAX

SCHEMA, LAYOUT = TAX_FORM["schema"], TAX_FORM["layout"]


def check(data, **kwargs):
    return forms_engine.validate(SCHEMA, LAYOUT, data, localities=["Snopków"], **kwargs)


def test_valid_answers_are_cleaned():
    result = check(VALID_TAX)
    assert result.errors == {}
    assert result.cleaned["parcels"] == [{"number": "123/4", "area": 1200.5}]
    assert result.cleaned["truth"] is True
    assert "correction_reason" not in result.cleaned


def test_required_fields_are_named_in_polish():
    result = check({"kind": "first"})
    assert result.errors["pesel"] == "Pole „PESEL” jest wymagane."
    assert result.errors["locality"] == "Wybierz odpowiedź w polu „Miejscowość”."
    assert result.errors["parcels"] == "Dodaj co najmniej 1 pozycję w części „Działki”."
    assert result.errors["truth"] == "Zaznacz pole „Oświadczam, że dane są zgodne z prawdą”."


def test_conditional_field_is_required_only_when_shown():
    assert "correction_reason" not in check(VALID_TAX).errors
    result = check({**VALID_TAX, "kind": "correction"})
    assert result.errors == {"correction_reason": "Pole „Uzasadnienie korekty” jest wymagane."}


def test_hidden_answers_are_dropped():
    result = check({**VALID_TAX, "correction_reason": "x"})
    assert "correction_reason" not in result.cleaned


@pytest.mark.parametrize(("field", "value", "message"), [
    ("pesel", "44051401358", "Numer PESEL w polu „PESEL” jest nieprawidłowy: nie zgadza się "
                             "cyfra kontrolna. Sprawdź, czy nie ma literówki."),
    ("pesel", "4405140135", "Numer PESEL w polu „PESEL” musi mieć 11 cyfr."),
    ("postal_code", "24220x", "Kod pocztowy w polu „Kod pocztowy” wpisz w postaci 00-000."),
    ("account", "61109010140000071219812875",
     "Numer rachunku w polu „Rachunek do zwrotu nadpłaty” jest nieprawidłowy: nie zgadzają się "
     "cyfry kontrolne. Sprawdź, czy nie ma literówki."),
    ("locality", "Warszawa",
     "W polu „Miejscowość” wybierz miejscowość z listy miejscowości gminy."),
    ("kind", "other", "Wybierz jedną z podanych odpowiedzi w polu „Okoliczności”."),
])
def test_formats_give_precise_messages(field, value, message):
    assert check({**VALID_TAX, field: value}).errors == {field: message}


def test_pesel_must_match_birth_date_and_sex():
    result = check({**VALID_TAX, "birth_date": "1944-05-15", "sex": "K"})
    assert result.errors == {
        "birth_date": "Data w polu „Data urodzenia” nie zgadza się z numerem PESEL "
                      "(1944-05-14).",
        "sex": "Odpowiedź w polu „Płeć” nie zgadza się z numerem PESEL.",
    }


def test_group_rows_are_checked_with_their_position():
    result = check({**VALID_TAX, "parcels": [
        {"number": "12/3", "area": "10"},
        {"number": "abc", "area": "-1", "land_register": "LU1I/00012345/0"}]})
    assert result.errors == {
        "parcels.1.number": "Numer działki w polu „Działki, pozycja 2: Numer działki” wpisz "
                            "w postaci 123 albo 123/4.",
        "parcels.1.land_register": "Numer księgi wieczystej w polu „Działki, pozycja 2: Księga "
                                   "wieczysta” jest nieprawidłowy: nie zgadza się cyfra "
                                   "kontrolna.",
        "parcels.1.area": "Wartość w polu „Działki, pozycja 2: Powierzchnia (m²)” nie może "
                          "być mniejsza niż 0.",
    }


def test_land_register_check_digit():
    digit = forms_engine.land_register_check_digit("LU1I", "00012345")
    value = f"LU1I/00012345/{digit}"
    assert check({**VALID_TAX, "parcels": [{"number": "1", "area": 1,
                                            "land_register": value}]}).errors == {}


def test_amounts_accept_a_decimal_comma_and_refuse_extra_decimals():
    result = check({**VALID_TAX, "parcels": [{"number": "1", "area": "10,555"}]})
    assert result.errors == {"parcels.0.area": "W polu „Działki, pozycja 1: Powierzchnia (m²)” "
                                               "wpisz liczbę z najwyżej 2 miejscami po "
                                               "przecinku."}


def test_unknown_fields_are_refused_when_strict():
    result = check({**VALID_TAX, "hack": 1}, reject_unknown=True)
    assert result.errors == {"hack": "Formularz nie ma pola „hack”."}


def test_text_longer_than_allowed():
    schema, layout = LETTER_FORM["schema"], LETTER_FORM["layout"]
    result = forms_engine.validate(schema, layout, {"last_name": "x", "subject": "a" * 201,
                                                    "content": "y"})
    assert result.errors == {"subject": "Pole „Temat” może mieć najwyżej 200 znaków "
                                        "(wpisano 201)."}


def test_definition_problems_are_listed():
    broken = {"type": "object", "properties": {"a": {"type": "string"},
                                               "b": {"type": "string", "title": "B",
                                                     "maxLength": 5}}}
    problems = forms_engine.check_definition(broken, {"pages": [{"title": "x", "sections": [
        {"title": "s", "fields": ["b", "c"]}]}]})
    assert "Pole „a” nie jest w żadnej sekcji układu." in problems
    assert "Układ wymienia pole „c”, którego nie ma w schemacie." in problems
    assert "Pole „a” nie ma etykiety (title)." in problems
    assert "Pole „a”: pole tekstowe musi mieć maksymalną długość." in problems


def test_shipped_definitions_are_valid():
    assert forms_engine.check_definition(SCHEMA, LAYOUT) == []
    assert forms_engine.check_definition(LETTER_FORM["schema"], LETTER_FORM["layout"]) == []


def test_decimal_steps_are_exact():
    schema = {"type": "object", "additionalProperties": False, "properties": {
        "forest_ha": {"type": "number", "title": "Lasy (ha)", "minimum": 0,
                      "multipleOf": 0.0001}}}
    layout = {"pages": [{"title": "p", "sections": [{"title": "s", "fields": ["forest_ha"]}]}]}
    result = forms_engine.validate(schema, layout, {"forest_ha": "1,2"})
    assert result.errors == {} and result.cleaned == {"forest_ha": 1.2}
