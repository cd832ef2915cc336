"""Case search: what it finds, on SQLite (FTS5) and PostgreSQL (Polish full text, trigrams),
and that it never shows a case the user may not see."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from ratusz.cases import search, services
from ratusz.cases.models import Case, Document, DocumentKind, DocumentVersion
from ratusz.cases.services import PartyData
from ratusz.core.tenancy import ALL_MUNICIPALITIES, set_database_tenant

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")
on_sqlite = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite only")


@pytest.fixture
def open_case(django_capture_on_commit_callbacks, unit_a, jrwa_a, department_a, officer_a):
    def open_(title, *, department=department_a, symbol="6220", unit=unit_a, user=officer_a,
              **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return services.open_case(unit, acting_user=user, department=department,
                                      jrwa_symbol=symbol, title=title, **fields)

    return open_


@pytest.fixture
def zoning(open_case):
    return open_case("Wniosek o wydanie decyzji o warunkach zabudowy",
                     parties=[PartyData(first_name="Jan", last_name="Kowalski")],
                     description="Działka nr 123/4 w Alfie")


@pytest.fixture
def information(open_case):
    return open_case("Udostępnienie informacji publicznej o budżecie", symbol="1431",
                     parties=[PartyData(kind="organisation",
                                        organisation_name="Stowarzyszenie Przejrzysta Gmina")])


def found(user, municipality, query):
    return [case.mark for case in search.search_cases(user, municipality, query)]


def add_text(case, title, *texts):
    """A document whose versions carry these texts (the last is current)."""
    document = Document.objects.create(municipality_id=case.municipality_id, case=case,
                                       title=title, kind=DocumentKind.INCOMING)
    for number, text in enumerate(texts, start=1):
        DocumentVersion.objects.create(
            municipality_id=case.municipality_id, document=document, number=number,
            file=f"documents/x/{number}.txt", original_name="pismo.txt",
            content_type="text/plain", size=len(text), sha256="0" * 64, text=text)
    search.index_case_by_id(case.pk)


def test_the_exact_mark_finds_only_that_case(zoning, open_case, officer_a, municipality_a):
    other = open_case("Wniosek o wydanie decyzji środowiskowej")

    assert found(officer_a, municipality_a, zoning.mark) == [zoning.mark]
    assert found(officer_a, municipality_a, zoning.mark.lower()) == [zoning.mark]
    assert found(officer_a, municipality_a, other.mark) == [other.mark]


def test_the_beginning_of_a_mark_finds_the_cases_under_it(zoning, information, open_case,
                                                          officer_a, municipality_a):
    second = open_case("Wniosek o wydanie decyzji środowiskowej")

    assert sorted(found(officer_a, municipality_a, "OR.6220")) == sorted(
        [zoning.mark, second.mark])
    assert found(officer_a, municipality_a, "OR.1431") == [information.mark]


def test_a_word_of_the_title_finds_the_case(zoning, information, officer_a, municipality_a):
    assert found(officer_a, municipality_a, "zabudowy") == [zoning.mark]
    assert found(officer_a, municipality_a, "Informacji publicznej") == [information.mark]
    assert found(officer_a, municipality_a, "zabudowy budżecie") == []


@on_postgres
def test_an_inflected_word_finds_the_case_on_postgresql(zoning, information, officer_a,
                                                         municipality_a):
    assert search.text_search_configuration() == "polish"
    assert found(officer_a, municipality_a, "wniosku") == [zoning.mark]
    assert found(officer_a, municipality_a, "warunki zabudowa") == [zoning.mark]
    assert found(officer_a, municipality_a, "informacja publiczna") == [information.mark]


@on_postgres
def test_a_typo_in_the_title_still_finds_the_case_on_postgresql(zoning, officer_a,
                                                                 municipality_a):
    assert found(officer_a, municipality_a, "warunki zabodowy") == [zoning.mark]


def test_the_beginning_of_a_word_finds_the_case(zoning, information, officer_a,
                                                municipality_a):
    assert found(officer_a, municipality_a, "zabud") == [zoning.mark]
    assert found(officer_a, municipality_a, "wydanie warun") == [zoning.mark]


@on_sqlite
def test_every_word_is_a_prefix_and_diacritics_do_not_matter_on_sqlite(
        zoning, information, officer_a, municipality_a):
    assert found(officer_a, municipality_a, "wnios warun") == [zoning.mark]
    assert found(officer_a, municipality_a, "udostepnienie budzecie") == [information.mark]


def test_a_party_finds_its_cases(zoning, information, officer_a, municipality_a):
    assert found(officer_a, municipality_a, "Kowalski") == [zoning.mark]
    assert found(officer_a, municipality_a, "Jan Kowalski") == [zoning.mark]
    assert found(officer_a, municipality_a, "Stowarzyszenie Przejrzysta") == [
        information.mark]


def test_the_incoming_entry_and_its_sender_find_the_case(
        django_capture_on_commit_callbacks, clerk_a, officer_a, unit_a, jrwa_a, department_a,
        municipality_a):
    from django.utils import timezone

    entry, _ = services.register_incoming(
        unit_a, acting_user=clerk_a, title="Skarga na hałas", received_on=timezone.localdate(),
        channel="post", senders=[services.SenderData(first_name="Zofia", last_name="Nowacka")])
    with django_capture_on_commit_callbacks(execute=True):
        case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                                  jrwa_symbol="6220", title="Skarga na hałas",
                                  incoming=entry)

    assert found(officer_a, municipality_a, "Nowacka") == [case.mark]
    assert found(officer_a, municipality_a, entry.number) == [case.mark]


def test_the_text_of_the_current_document_version_finds_the_case(zoning, information,
                                                                  officer_a, municipality_a):
    add_text(zoning, "Mapa", "stara treść: rów melioracyjny", "nowa treść: linia energetyczna")

    assert found(officer_a, municipality_a, "energetyczna") == [zoning.mark]
    assert found(officer_a, municipality_a, "Mapa") == [zoning.mark]
    assert found(officer_a, municipality_a, "melioracyjny") == []


def test_the_best_match_comes_first(open_case, officer_a, municipality_a):
    in_text = open_case("Sprawa różna")
    add_text(in_text, "Notatka", "wspomniano tu o ogrodzeniu posesji")
    in_title = open_case("Ogrodzenie posesji przy drodze gminnej")

    assert found(officer_a, municipality_a, "posesji") == [in_title.mark, in_text.mark]


def test_another_department_does_not_find_the_case(zoning, officer_a2, municipality_a):
    assert found(officer_a2, municipality_a, zoning.mark) == []
    assert found(officer_a2, municipality_a, "Kowalski") == []
    assert found(officer_a2, municipality_a, "OR.6220") == []


def test_another_gmina_never_finds_the_case(zoning, officer_b, municipality_a, municipality_b,
                                            department_b, jrwa_b,
                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        theirs = services.open_case(department_b.unit, acting_user=officer_b,
                                    department=department_b, jrwa_symbol="6220",
                                    title="Wniosek o wydanie decyzji o warunkach zabudowy")

    assert found(officer_b, municipality_b, "zabudowy") == [theirs.mark]
    assert found(officer_b, municipality_b, "Kowalski") == []
    assert found(officer_b, municipality_a, "zabudowy") == []
    assert found(officer_b, municipality_a, zoning.mark) == []


def test_empty_and_stop_word_queries_find_nothing(zoning, officer_a, municipality_a):
    assert found(officer_a, municipality_a, "") == []
    assert found(officer_a, municipality_a, "   ") == []
    assert found(officer_a, municipality_a, "o w z") == []
    assert found(officer_a, municipality_a, '" * OR NEAR( ^ :') == []


def test_the_result_can_be_filtered_and_counted_further(zoning, information, officer_a,
                                                        municipality_a):
    results = search.search_cases(officer_a, municipality_a, "wniosek")

    assert results.count() == 1
    assert list(results.filter(status="new").values_list("mark", flat=True)) == [zoning.mark]
    assert results.filter(status="closed").count() == 0


def test_closing_and_reopening_refresh_the_index(zoning, officer_a, municipality_a,
                                                 django_capture_on_commit_callbacks):
    Case.objects.filter(pk=zoning.pk).update(title="Wniosek o warunki zabudowy farmy wiatrowej")
    assert found(officer_a, municipality_a, "wiatrowej") == []

    with django_capture_on_commit_callbacks(execute=True):
        services.close_case(zoning, acting_user=officer_a)
    assert found(officer_a, municipality_a, "wiatrowej") == [zoning.mark]

    zoning.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        reopened = services.reopen_case(zoning, acting_user=officer_a, reason="nowe dowody")

    assert found(officer_a, municipality_a, reopened.mark) == [reopened.mark]
    assert sorted(found(officer_a, municipality_a, "wiatrowej")) == sorted(
        [zoning.mark, reopened.mark])


def test_indexing_twice_keeps_one_row(zoning, officer_a, municipality_a):
    search.index_case_by_id(zoning.pk)
    search.index_case_by_id(zoning.pk)

    table = "cases_searchdocument" if connection.vendor == "postgresql" else "cases_search"
    column = "case_id" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {column} = %s", [zoning.pk])
        assert cursor.fetchone()[0] == 1
    assert found(officer_a, municipality_a, "zabudowy") == [zoning.mark]


@on_postgres
def test_the_search_table_is_walled_by_gmina_on_postgresql(zoning, municipality_a,
                                                           municipality_b):
    def rows():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cases_searchdocument")
            return cursor.fetchone()[0]

    try:
        set_database_tenant(str(municipality_a.pk))
        assert rows() == 1
        set_database_tenant(str(municipality_b.pk))
        assert rows() == 0
        set_database_tenant("")
        assert rows() == 0
        with pytest.raises(DatabaseError, match="row-level security"), \
                transaction.atomic(), connection.cursor() as cursor:
            set_database_tenant(str(municipality_b.pk))
            cursor.execute(
                "INSERT INTO cases_searchdocument (case_id, municipality_id, mark, searchable,"
                " document) VALUES (%s, %s, 'X', 'x', ''::tsvector)",
                [zoning.pk + 1000, municipality_a.pk])
    finally:
        set_database_tenant(ALL_MUNICIPALITIES)


@on_postgres
def test_indexing_without_a_gmina_on_the_connection_still_indexes(zoning, officer_a,
                                                                  municipality_a):
    Case.objects.filter(pk=zoning.pk).update(title="Rozbiórka budynku gospodarczego")
    try:
        set_database_tenant("")
        search.index_case_by_id(zoning.pk)
    finally:
        set_database_tenant(ALL_MUNICIPALITIES)

    assert found(officer_a, municipality_a, "rozbiórka") == [zoning.mark]
