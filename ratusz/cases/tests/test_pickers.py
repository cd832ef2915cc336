"""Pickers as clerks use them (issue 23, item 13): the JRWA class found by its symbol or
words without a 186-option drop-down (the server resolves what was typed, lists the
matches when several fit, the department's most used classes first), people by name and
role, "Załóż sprawę" open to the registry clerk, empty choices reading "— wybierz —"."""

from __future__ import annotations

import pytest
from django.utils import timezone

from ratusz.cases import services
from ratusz.cases.forms import EMPTY_CHOICE, OpenCaseForm, match_jrwa_classes
from ratusz.cases.models import Case, JrwaClass

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year
NEW_CASE = "/g/alfa/staff/ezd/cases/new/"


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def finals(jrwa):
    return list(JrwaClass.objects.filter(version=jrwa, is_final=True).order_by("symbol"))


@pytest.mark.parametrize(("typed", "symbols"), [
    ("1431", ["1431"]),
    ("1431 – Udostępnianie informacji publicznej (B10)", ["1431"]),
    ("informacji publicznej", ["1431"]),
    ("INFORMACJI publicznej", ["1431"]),
    ("udostepnianie", ["1431"]),  # without the diacritics
    ("622", ["6220", "6221"]),
    ("decyzje środowiskowych", ["6220"]),
    ("nic takiego", []),
])
def test_a_class_is_found_by_its_symbol_or_words(jrwa_a, typed, symbols):
    assert [item.symbol for item in match_jrwa_classes(finals(jrwa_a), typed)] == symbols


def test_the_departments_most_used_classes_come_first(jrwa_a):
    classes = finals(jrwa_a)
    kopie = next(item for item in classes if item.symbol == "6221")
    assert [item.symbol for item in match_jrwa_classes(classes, "62", [kopie])] == [
        "6221", "6220"]


def new_case(client, **data):
    return client.post(NEW_CASE, {"title": "Wycinka drzew", **data})


def test_typing_words_that_fit_one_class_opens_the_case(client, officer_a, department_a,
                                                        jrwa_a):
    client.force_login(officer_a)
    response = new_case(client, department=department_a.pk,
                        jrwa_class="informacji publicznej")
    case = Case.objects.get()
    assert response["Location"] == f"/g/alfa/staff/ezd/cases/{case.pk}/"
    assert case.jrwa_symbol == "1431"


def test_several_matches_are_listed_to_choose_from_and_the_choice_opens_it(
        client, officer_a, department_a, jrwa_a):
    client.force_login(officer_a)
    asked = new_case(client, department=department_a.pk, jrwa_class="622")

    assert asked.status_code == 400 and not Case.objects.exists()
    page = asked.content.decode()
    assert 'type="radio" name="jrwa_choice" value="6220"' in page
    assert 'type="radio" name="jrwa_choice" value="6221"' in page
    assert 'value="1431"' not in page.split('name="jrwa_choice"', 1)[1].split("</fieldset>")[0]

    chosen = new_case(client, department=department_a.pk, jrwa_class="622",
                      jrwa_choice="6221")
    assert chosen.status_code == 302 and Case.objects.get().jrwa_symbol == "6221"


def test_nothing_found_says_so_next_to_the_field(client, officer_a, department_a, jrwa_a):
    client.force_login(officer_a)
    response = new_case(client, department=department_a.pk, jrwa_class="zupełnie nic")
    assert response.status_code == 400
    assert response.context["form"].errors["jrwa_class"]


def test_the_form_offers_every_class_while_typing_most_used_first(client, officer_a,
                                                                 department_a, unit_a,
                                                                 jrwa_a):
    for _ in range(2):
        services.open_case(unit_a, acting_user=officer_a, department=department_a,
                           jrwa_symbol="6221", title="Kopia")
    client.force_login(officer_a)
    page = client.get(NEW_CASE).content.decode()
    datalist = page[page.index("<datalist"):page.index("</datalist>")]
    options = datalist.count("<option ")
    assert options == len(finals(jrwa_a))
    assert datalist.index("6221 – Kopie pism") < datalist.index("0003 – ")
    assert 'list="jrwa_class-options"' in page
    assert 'type="radio" name="jrwa_choice" value="6221"' in page  # one click away
    assert "<select name=\"jrwa_class\"" not in page


def test_the_registry_clerk_opens_a_case_too(client, clerk_a, department_a, jrwa_a):
    client.force_login(clerk_a)
    page = client.get(NEW_CASE)
    assert page.status_code == 200
    assert page.context["form"]["handler"].value() is None  # not the clerk's own case
    assert "/g/alfa/staff/ezd/cases/new/" in client.get("/g/alfa/staff/ezd/").content.decode()

    response = new_case(client, department=department_a.pk, jrwa_class="1431")

    assert response.status_code == 302
    assert Case.objects.get().mark == f"OR.1431.1.{YEAR}"


def test_empty_choices_read_choose(officer_a, department_a, jrwa_a, municipality_a):
    from ratusz.core.selectors import list_departments

    form = OpenCaseForm(departments=list_departments(municipality_a), classes=[],
                        staff=officer_a.__class__.objects.none())
    html = str(form["department"]) + str(form["handler"])
    assert html.count(f">{EMPTY_CHOICE}</option>") == 2
    assert "---------" not in html


def test_the_class_is_not_marked_optional_and_a_most_used_one_needs_no_typing(
        client, officer_a, department_a, unit_a, jrwa_a):
    services.open_case(unit_a, acting_user=officer_a, department=department_a,
                       jrwa_symbol="6221", title="Kopia")
    client.force_login(officer_a)
    page = client.get(NEW_CASE).content.decode()
    label = page[page.index('<label for="id_jrwa_class"'):]
    assert 'class="optional"' not in label[:label.index("</label>")]

    refused = new_case(client, department=department_a.pk, jrwa_class="")
    assert refused.status_code == 400 and refused.context["form"].errors["jrwa_class"]
    chosen = new_case(client, department=department_a.pk, jrwa_class="", jrwa_choice="6221")
    assert chosen.status_code == 302
    assert Case.objects.order_by("pk").last().jrwa_symbol == "6221"
