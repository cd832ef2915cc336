"""The registers and reports: spis spraw (and its CSV and PDF), overdue cases, RPW, RKW."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ratusz.cases import reports, services
from ratusz.cases.models import Case, OutgoingEntry
from ratusz.cases.services import SenderData

TODAY = timezone.localdate()


def person(last="Kowalski", first="Jan", city="Alfa"):
    return SenderData(kind="person", first_name=first, last_name=last, city=city)


def register(unit, clerk, **extra):
    fields = {"title": "Wniosek o udostępnienie informacji publicznej",
              "senders": [person()], "received_on": TODAY, "channel": "post"}
    fields.update(extra)
    entry, _created = services.register_incoming(unit, acting_user=clerk, **fields)
    return entry


def open_case(unit, officer, department, symbol="1431", title="Udostępnienie informacji",
              **extra):
    return services.open_case(unit, acting_user=officer, department=department,
                              jrwa_symbol=symbol, title=title, **extra)


def rkw_entry(case, officer, *, number_sequence=1, sending_method="post",
              addressee="Jan Kowalski", title="Odpowiedź", sent_at=None):
    """An outgoing-register row as sending a sealed letter leaves it (sealing needs the
    e-seal, which these tests do not exercise)."""
    from ratusz.cases.models import LetterStatus, OutgoingLetter

    letter = OutgoingLetter.objects.create(
        municipality_id=case.municipality_id, case=case, subject=title, body="Treść",
        addressee_name=addressee, addressee_address="Polna 1", addressee_city="Alfa",
        status=LetterStatus.SENT, sending_method=sending_method)
    sent_at = sent_at or timezone.now()
    return OutgoingEntry.objects.create(
        municipality_id=case.municipality_id, unit=case.unit, year=sent_at.year,
        sequence=number_sequence, number=services.rkw_number(number_sequence, sent_at.year),
        letter=letter, case=case, title=title, addressee_name=addressee,
        addressee_city="Alfa", letter_date=sent_at.date(), sent_at=sent_at,
        sending_method=sending_method, responsible_name=officer.get_full_name(),
        responsible_position=officer.position)


def url(name, *args, slug="alfa"):
    return reverse(f"ezd:{name}", args=[slug, *args])


# --- Spis spraw ----------------------------------------------------------------------------

@pytest.fixture
def two_cases(jrwa_a, unit_a, clerk_a, officer_a, department_a):
    entry = register(unit_a, clerk_a, sender_reference="ZN/12/2026", letter_date="2026-01-05",
                     senders=[SenderData(kind="organisation", organisation_name="Fundacja Jawność",
                                         city="Warszawa")])
    first = open_case(unit_a, officer_a, department_a, incoming=entry,
                      title="Wniosek Fundacji Jawność")
    second = open_case(unit_a, officer_a, department_a, title="Wniosek radnego",
                       parties=[services.PartyData(kind="person", first_name="Ewa",
                                                   last_name="Nowak", city="Alfa")])
    services.close_case(first, acting_user=officer_a, settled_on=TODAY,
                        note="Udostępniono informację pismem")
    open_case(unit_a, officer_a, department_a, symbol="0003", title="Inna klasa")
    return Case.objects.get(pk=first.pk), second


def test_spis_spraw_lists_the_cases_of_one_class_and_year_with_how_they_were_settled(
        municipality_a, department_a, officer_a, two_cases):
    first, second = two_cases

    report = reports.spis_spraw(municipality_a, department_a, "1431", TODAY.year)

    header = report.header
    assert (header.year, header.report_date, header.department_symbol, header.jrwa_symbol,
            header.jrwa_title) == (TODAY.year, TODAY, "OR", "1431",
                                   "Udostępnianie informacji publicznej")
    assert [(row.position, row.case_mark) for row in report] == [
        (1, f"OR.1431.1.{TODAY.year}"), (2, f"OR.1431.2.{TODAY.year}")]
    row = report.rows[0]
    assert (row.title, row.sender_name, row.sender_reference, row.letter_date, row.opened_on,
            row.settled_on, row.handler_name, row.remarks) == (
        "Wniosek Fundacji Jawność", "Fundacja Jawność", "ZN/12/2026", "2026-01-05", TODAY,
        TODAY, "Piotr Wiśniewski", "Udostępniono informację pismem")
    row = report.rows[1]
    assert (row.sender_name, row.sender_reference, row.settled_on, row.remarks) == (
        "Ewa Nowak", "", None, "w toku")


def test_spis_spraw_of_another_year_or_department_is_empty(
        municipality_a, department_a, department_a2, two_cases):
    assert len(reports.spis_spraw(municipality_a, department_a, "1431", TODAY.year - 1)) == 0
    assert len(reports.spis_spraw(municipality_a, department_a2, "1431", TODAY.year)) == 0


def test_spis_spraw_refuses_a_department_of_another_gmina(municipality_a, department_b):
    with pytest.raises(ValueError):
        reports.spis_spraw(municipality_a, department_b, "1431", TODAY.year)


def test_spis_spraw_page_shows_the_table(client, head_a, department_a, two_cases):
    client.force_login(head_a)

    response = client.get(url("spis-spraw"), {"department": department_a.pk,
                                              "jrwa_symbol": "1431", "year": TODAY.year})

    assert response.status_code == 200
    content = response.content.decode()
    assert f"OR.1431.1.{TODAY.year}" in content
    assert "Fundacja Jawność" in content
    assert "Inna klasa" not in content


def test_spis_spraw_picker_opens_without_a_selection(client, head_a, two_cases):
    client.force_login(head_a)
    assert client.get(url("spis-spraw")).status_code == 200
    assert client.get(url("spis-spraw-csv")).status_code == 200


def test_spis_spraw_csv_is_excel_ready(client, head_a, department_a, two_cases):
    client.force_login(head_a)

    response = client.get(url("spis-spraw-csv"), {"department": department_a.pk,
                                                  "jrwa_symbol": "1431", "year": TODAY.year})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="spis-spraw-OR-1431-{TODAY.year}.csv"')
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Spis spraw"]
    assert rows[4] == ["Symbol klasyfikacyjny JRWA", "1431",
                       "Udostępnianie informacji publicznej"]
    assert rows[6] == list(reports.SPIS_SPRAW_COLUMNS)
    assert rows[7][:4] == ["1", f"OR.1431.1.{TODAY.year}", "Wniosek Fundacji Jawność",
                           "Fundacja Jawność"]
    assert rows[8][-1] == "w toku"


def test_spis_spraw_pdf_is_a_pdf(client, head_a, department_a, two_cases):
    client.force_login(head_a)

    response = client.get(url("spis-spraw-pdf"), {"department": department_a.pk,
                                                  "jrwa_symbol": "1431", "year": TODAY.year})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_spis_spraw_of_a_department_one_does_not_see_is_refused(
        client, officer_a2, department_a, two_cases):
    client.force_login(officer_a2)

    response = client.get(url("spis-spraw-csv"), {"department": department_a.pk,
                                                  "jrwa_symbol": "1431", "year": TODAY.year})

    assert response.status_code == 400
    assert b"OR.1431.1" not in response.content


# --- Overdue -------------------------------------------------------------------------------

def test_overdue_cases_are_open_cases_past_their_deadline(
        municipality_a, unit_a, officer_a, department_a, department_a2, jrwa_a):
    late = open_case(unit_a, officer_a, department_a, title="Spóźniona",
                     deadline=TODAY - timedelta(days=3))
    open_case(unit_a, officer_a, department_a, title="W terminie", deadline=TODAY)
    closed = open_case(unit_a, officer_a, department_a, title="Zamknięta",
                       deadline=TODAY - timedelta(days=9))
    services.close_case(closed, acting_user=officer_a)
    other = open_case(unit_a, officer_a, department_a2, title="Inny referat",
                      deadline=TODAY - timedelta(days=5))

    assert list(reports.overdue_cases(municipality_a)) == [other, late]
    assert list(reports.overdue_cases(municipality_a, department_a)) == [late]


def test_overdue_page_shows_only_the_cases_one_sees(
        client, unit_a, officer_a, officer_a2, department_a, department_a2, jrwa_a):
    open_case(unit_a, officer_a, department_a, title="Spóźniona OR",
              deadline=TODAY - timedelta(days=3))
    open_case(unit_a, officer_a2, department_a2, title="Spóźniona GK",
              deadline=TODAY - timedelta(days=3))
    client.force_login(officer_a)

    response = client.get(url("overdue"))

    assert response.status_code == 200
    assert "Spóźniona OR" in response.content.decode()
    assert "Spóźniona GK" not in response.content.decode()


# --- Registers -----------------------------------------------------------------------------

def test_incoming_register_filters(municipality_a, unit_a, clerk_a, department_b):
    january = register(unit_a, clerk_a, title="Skarga na hałas", channel="email",
                       received_on=date(TODAY.year - 1, 1, 15),
                       senders=[person(last="Malinowska", first="Zofia")])
    march = register(unit_a, clerk_a, title="Wniosek o wycinkę", channel="epuap",
                     received_on=date(TODAY.year - 1, 3, 2), sender_reference="WN/7")
    today = register(unit_a, clerk_a, title="Zaproszenie")
    services.annul_incoming(today, acting_user=clerk_a, reason="Pomyłka")
    register(department_b.unit, None, title="Skarga w innej gminie")

    def numbers(**filters):
        return [entry.number for entry in reports.incoming_register(
            municipality_a, reports.RegisterFilters(**filters))]

    assert numbers() == [today.number, march.number, january.number]
    assert numbers(year=TODAY.year - 1) == [march.number, january.number]
    assert numbers(date_from=date(TODAY.year - 1, 2, 1),
                   date_to=date(TODAY.year - 1, 12, 31)) == [march.number]
    assert numbers(channel="email") == [january.number]
    assert numbers(status="annulled") == [today.number]
    assert numbers(text="skarga") == [january.number]
    assert numbers(text="malinowska") == [january.number]
    assert numbers(text="WN/7") == [march.number]
    assert numbers(text=march.number) == [march.number]


def test_incoming_register_page_filters_and_pages(client, clerk_a, unit_a):
    for number in range(55):
        register(unit_a, clerk_a, title=f"Pismo {number}")
    register(unit_a, clerk_a, title="Skarga", channel="email")
    client.force_login(clerk_a)

    first = client.get(url("incoming-register"))
    filtered = client.get(url("incoming-register"), {"channel": "email"})
    second = client.get(url("incoming-register"), {"channel": "post", "page": 2})
    invalid = client.get(url("incoming-register"), {"date_from": "2026-02-01",
                                                    "date_to": "2026-01-01"})

    assert first.status_code == 200
    assert first.context["page"].paginator.count == 56
    assert [entry.title for entry in filtered.context["page"]] == ["Skarga"]
    assert second.context["page"].number == 2
    assert len(second.context["page"]) == 5
    assert "channel=post&amp;page=1" in second.content.decode()
    assert invalid.status_code == 400


def test_outgoing_register_filters(municipality_a, unit_a, officer_a, department_a, jrwa_a):
    case = open_case(unit_a, officer_a, department_a)
    by_post = rkw_entry(case, officer_a, number_sequence=1, title="Odpowiedź",
                        addressee="Fundacja Jawność")
    by_epuap = rkw_entry(case, officer_a, number_sequence=2, sending_method="epuap",
                         title="Wezwanie", addressee="Jan Kowalski")

    def numbers(**filters):
        return [entry.number for entry in reports.outgoing_register(
            municipality_a, reports.RegisterFilters(**filters))]

    assert numbers() == [by_epuap.number, by_post.number]
    assert numbers(channel="epuap") == [by_epuap.number]
    assert numbers(text="jawność") == [by_post.number]
    assert numbers(text=case.mark) == [by_epuap.number, by_post.number]
    assert numbers(year=TODAY.year - 1) == []
    assert numbers(date_from=TODAY, date_to=TODAY) == [by_epuap.number, by_post.number]


def test_outgoing_register_page(client, unit_a, officer_a, department_a, jrwa_a):
    case = open_case(unit_a, officer_a, department_a)
    rkw_entry(case, officer_a, title="Odpowiedź na wniosek")
    client.force_login(officer_a)

    response = client.get(url("outgoing-register"), {"text": "wniosek"})

    assert response.status_code == 200
    assert "Odpowiedź na wniosek" in response.content.decode()
    assert f"RKW/1/{TODAY.year}" in response.content.decode()


# --- The tenant wall -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["incoming-register", "outgoing-register", "spis-spraw",
                                  "spis-spraw-csv", "spis-spraw-pdf", "overdue", "archive"])
def test_another_gminas_staff_get_not_found(client, officer_b, name, two_cases):
    client.force_login(officer_b)
    assert client.get(url(name)).status_code == 404


def test_registers_do_not_show_another_gminas_entries(client, clerk_a, unit_a, department_b):
    register(department_b.unit, None, title="Pismo gminy Beta")
    client.force_login(clerk_a)

    response = client.get(url("incoming-register"))

    assert response.status_code == 200
    assert "Pismo gminy Beta" not in response.content.decode()


def test_anonymous_people_are_sent_to_sign_in(client, municipality_a):
    response = client.get(url("incoming-register"))
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")


# --- Query counts --------------------------------------------------------------------------

@pytest.mark.parametrize("entries", [3, 30])
def test_the_incoming_register_page_does_not_grow_with_its_rows(
        client, clerk_a, unit_a, entries, django_assert_num_queries):
    for number in range(entries):
        register(unit_a, clerk_a, title=f"Pismo {number}")
    client.force_login(clerk_a)
    client.get(url("incoming-register"))  # warm the per-user caches
    # On PostgreSQL the request also sets and resets the row-level security key.
    # The workspace's menu counts what waits for the clerk (items to assign, items for
    # them, e-office submissions): a fixed five more, whatever the register's length.
    expected = 17 if connection.vendor == "postgresql" else 15  # the gmina lookup is cached

    with django_assert_num_queries(expected):
        response = client.get(url("incoming-register"))

    assert response.status_code == 200


def test_the_spis_spraw_does_not_grow_with_its_rows(
        municipality_a, unit_a, clerk_a, officer_a, department_a, jrwa_a,
        django_assert_num_queries):
    for number in range(5):
        entry = register(unit_a, clerk_a, title=f"Pismo {number}")
        case = open_case(unit_a, officer_a, department_a, incoming=entry)
        services.close_case(case, acting_user=officer_a)

    with django_assert_num_queries(5):
        report = reports.spis_spraw(municipality_a, department_a, "1431", TODAY.year)

    assert len(report) == 5
