"""The form editor's operations on a definition, without a database."""

import pytest

from ratusz.eservices import form_editing, forms_engine
from ratusz.eservices.tests.conftest import LETTER_FORM

SCHEMA, LAYOUT = LETTER_FORM["schema"], LETTER_FORM["layout"]


def test_a_field_of_every_kind_can_be_added_and_the_form_stays_valid():
    schema, layout = SCHEMA, LAYOUT
    for kind in form_editing.KINDS:
        schema, layout, name = form_editing.add_field(
            schema, layout, 0, 1, label=f"Pole {kind} ąę", kind=kind, required=False,
            options="Tak\nNie" if kind == "choice" else "")
        assert name in schema["properties"]
    assert forms_engine.check_definition(schema, layout) == []
    assert "pole_choice_ae" in schema["properties"]
    assert SCHEMA["properties"].keys() == LETTER_FORM["schema"]["properties"].keys()


def test_names_are_ascii_and_unique():
    assert form_editing.field_name("Łąka żółta", set()) == "laka_zolta"
    assert form_editing.field_name("Temat", {"temat"}) == "temat_2"
    assert form_editing.field_name("12 miesięcy", set()) == "pole_12_miesiecy"


def test_a_choice_needs_two_distinct_options():
    with pytest.raises(ValueError, match="co najmniej dwóch opcji"):
        form_editing.add_field(SCHEMA, LAYOUT, 0, 0, label="Wybór", kind="choice",
                               options="Jedna")


def test_update_sets_a_condition_on_an_earlier_field_only():
    schema, layout, name = form_editing.add_field(SCHEMA, LAYOUT, 0, 0, label="Rodzaj",
                                                  kind="choice", options="a\nb")
    schema, layout = form_editing.update_field(schema, layout, "subject", label="Temat",
                                               required=True, max_length="120",
                                               show_if_field=name, show_if_value="b")
    assert schema["properties"]["subject"]["maxLength"] == 120
    assert layout["fields"]["subject"]["show_if"] == {"field": name, "equals": "b"}
    with pytest.raises(ValueError, match="wcześniejszego"):
        form_editing.update_field(schema, layout, name, label="Rodzaj",
                                  options="a\nb", show_if_field="subject", show_if_value="x")
    with pytest.raises(ValueError, match="nie ma odpowiedzi"):
        form_editing.update_field(schema, layout, "subject", label="Temat",
                                  show_if_field=name, show_if_value="c")


def test_moving_crosses_sections_and_removal_cleans_up():
    schema, layout = form_editing.move_field(SCHEMA, LAYOUT, "email", 1)
    assert layout["pages"][0]["sections"][1]["fields"][0] == "email"
    schema, layout = form_editing.move_field(schema, layout, "email", -1)
    assert layout["pages"][0]["sections"][0]["fields"][-1] == "email"
    schema, layout = form_editing.remove_field(schema, layout, "last_name")
    assert "last_name" not in schema["properties"] and "last_name" not in schema["required"]
    assert forms_engine.check_definition(schema, layout) == []


def test_a_field_others_depend_on_cannot_be_removed():
    schema, layout = form_editing.update_field(SCHEMA, LAYOUT, "subject", label="Temat",
                                               show_if_field="first_name",
                                               show_if_value="Jan")
    with pytest.raises(ValueError, match="zależą inne pola"):
        form_editing.remove_field(schema, layout, "first_name")


def test_pages_and_sections():
    schema, layout = form_editing.add_page(SCHEMA, LAYOUT, "Załączniki")
    schema, layout = form_editing.add_section(schema, layout, 1, "Pliki")
    schema, layout = form_editing.rename(schema, layout, 1, 0, "Skany")
    assert [section["title"] for section in layout["pages"][1]["sections"]] == ["Skany",
                                                                                  "Pliki"]
    schema, layout = form_editing.remove_section(schema, layout, 1, 0)
    with pytest.raises(ValueError, match="Usuń najpierw pola"):
        form_editing.remove_section(schema, layout, 0, 0)
    with pytest.raises(ValueError, match="Podaj tytuł strony"):
        form_editing.add_page(schema, layout, " ")
