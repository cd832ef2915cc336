"""The school libraries' pages and API: the public catalogue without signing in, the API
contract (`GET /api/v1/library/search?q=`, no token) and its gmina isolation, a parent's
reservation from the record page, the librarian's desk (loan, return, set aside, MARC
import and export, a file that is not MARC), and who may open the desk."""

from __future__ import annotations

import pymarc
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ratusz.accounts.permissions import Role
from ratusz.education.models import BibRecord, CopyStatus, Loan, Reservation, ReservationState
from ratusz.education.tests.library_factories import (
    add_book,
    make_library,
    make_pupil_reader,
    marc_file,
    marc_record,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/library/search"


@pytest.fixture
def library(municipality_a):
    return make_library(municipality_a)


@pytest.fixture
def librarian(make_staff, municipality_a):
    return make_staff(municipality_a, Role.EDUCATION, username="alfa.biblioteka")


def test_the_api_searches_the_gminas_libraries_without_a_token(client, library,
                                                               municipality_a,
                                                               municipality_b):
    tadeusz = add_book(library, "Pan Tadeusz", "Mickiewicz, Adam", copies=2,
                       isbn="9788307033419")
    add_book(library, "Pan Samochodzik i templariusze", "Nienacki, Zbigniew", copies=1)
    second = make_library(municipality_a, name="Szkoła Podstawowa nr 2")
    add_book(second, "Pan Tadeusz", "Mickiewicz, Adam", copies=0)
    add_book(make_library(municipality_b), "Pan Tadeusz (gmina B)", "Mickiewicz, Adam")
    answer = client.get(API, {"q": "pan tadeusz", "municipality": municipality_a.slug})
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 2
    assert [(i["title"], i["library"], i["available"], i["isbn"]) for i in body["items"]] == [
        ("Pan Tadeusz", library.name, True, "9788307033419"),
        ("Pan Tadeusz", second.name, False, "")]
    assert body["items"][0]["id"] == tadeusz.pk and body["items"][0]["author"] == \
        "Mickiewicz, Adam"
    assert body["items"][0]["available_copies"] == 2
    # The other gmina's records never appear; its own search sees only them.
    other = client.get(API, {"q": "tadeusz", "municipality": municipality_b.slug}).json()
    assert [i["title"] for i in other["items"]] == ["Pan Tadeusz (gmina B)"]
    paged = client.get(API, {"q": "pan", "municipality": municipality_a.slug,
                             "page_size": 1, "page": 2}).json()
    assert paged["count"] == 3 and len(paged["items"]) == 1
    assert client.get(API, {"q": "pan", "municipality": "nie-ma-takiej"}).status_code == 404
    assert client.get(API, {"q": "pan"}).status_code == 404
    missing = client.get(API, {"municipality": municipality_a.slug})
    assert missing.status_code == 422
    assert missing["Content-Type"] == "application/problem+json"


def test_the_catalogue_pages_are_public(client, library, municipality_a, municipality_b):
    record = add_book(library, "Dzieci z Bullerbyn", "Lindgren, Astrid", copies=2)
    foreign = add_book(make_library(municipality_b), "Dzieci z Bullerbyn", "Lindgren")
    base = f"/g/{municipality_a.slug}/edukacja/biblioteka/"
    page = client.get(base, {"q": "BULLERBYN"})
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{base}{record.pk}/" in text and f"{base}{foreign.pk}/" not in text
    page = client.get(f"{base}{record.pk}/")
    assert page.status_code == 200
    assert record.copies.first().inventory_number in page.content.decode()
    assert client.get(f"{base}{foreign.pk}/").status_code == 404


def test_a_parent_reserves_and_the_librarian_sets_a_copy_aside(
        client, library, municipality_a, resident, librarian,
        django_capture_on_commit_callbacks, mailoutbox):
    resident.email = "rodzic@example.com"
    resident.save()
    reader = make_pupil_reader(library, resident, first="Staś", last="Mazur", card="K12")
    record = add_book(library, "Akademia pana Kleksa", "Brzechwa, Jan")
    base = f"/g/{municipality_a.slug}/edukacja/biblioteka/"
    assert client.post(f"{base}{record.pk}/", {"reader": reader.pk}).status_code == 404
    client.force_login(resident)
    answer = client.post(f"{base}{record.pk}/", {"reader": reader.pk})
    assert answer.status_code == 302 and answer["Location"].endswith("/biblioteka/moje/")
    reservation = Reservation.objects.get()
    assert reservation.reader == reader and reservation.state == ReservationState.WAITING
    client.force_login(librarian)
    desk = f"/g/{municipality_a.slug}/staff/edukacja/biblioteki/{library.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(desk, {"action": "aside", "reservation": reservation.pk})
    assert answer.status_code == 302
    reservation.refresh_from_db()
    assert reservation.state == ReservationState.READY
    assert [m.to for m in mailoutbox] == [["rodzic@example.com"]]
    assert "Akademia pana Kleksa" in mailoutbox[0].body
    client.force_login(resident)
    mine = client.get(f"{base}moje/").content.decode()
    assert "Akademia pana Kleksa" in mine
    assert reservation.pickup_until.strftime("%d.%m.%Y") in mine


def test_the_desk_lends_returns_imports_and_exports(client, library, municipality_a,
                                                    resident, librarian):
    make_pupil_reader(library, resident, card="K1")
    client.force_login(librarian)
    desk = f"/g/{municipality_a.slug}/staff/edukacja/biblioteki/{library.pk}/"
    data = marc_file(marc_record("Kajko i Kokosz", "Christa, Janusz", control="M1",
                                 copies=[("INW-77", "Komiksy")]))
    page = client.post(desk, {"action": "import", "import-file": SimpleUploadedFile(
        "katalog.mrc", data, content_type="application/marc")})
    assert page.status_code == 200 and "Kajko i Kokosz" in page.content.decode()
    assert BibRecord.objects.get().control_number == "M1"
    refused = client.post(desk, {"action": "import", "import-file": SimpleUploadedFile(
        "katalog.csv", b"tytul;autor\n", content_type="text/csv")})
    assert refused.status_code == 422
    assert "five digits" in refused.content.decode()
    assert BibRecord.objects.count() == 1
    assert client.post(desk, {"action": "lend", "lend-card_number": "K1",
                              "lend-inventory_number": "INW-77"}).status_code == 302
    assert Loan.objects.get().copy.status == CopyStatus.ON_LOAN
    unknown = client.post(desk, {"action": "lend", "lend-card_number": "K404",
                                 "lend-inventory_number": "INW-77"})
    assert unknown.status_code == 422 and "K404" in unknown.content.decode()
    assert client.post(desk, {"action": "return",
                              "return-inventory_number": "INW-77"}).status_code == 302
    assert Loan.objects.get().returned_on is not None
    exported = client.get(f"{desk}katalog.mrc")
    assert exported.status_code == 200
    records = list(pymarc.MARCReader(exported.content, to_unicode=True))
    assert records[0]["245"]["a"].startswith("Kajko i Kokosz")
    assert records[0]["852"]["p"] == "INW-77"
    assert client.get(f"{desk}katalog.xml").content.startswith(b"<?xml")
    added = client.post(desk, {"action": "record", "record-title": "Bajki robotów",
                               "record-author": "Lem, Stanisław", "record-isbn": "123",
                               "record-inventory_numbers": "INW-78"})
    assert added.status_code == 422 and "ISBN 123" in added.content.decode()


def test_the_desk_is_for_education_staff_of_the_gmina(client, library, municipality_a,
                                                      make_staff, municipality_b, resident):
    desk = f"/g/{municipality_a.slug}/staff/edukacja/biblioteki/{library.pk}/"
    client.force_login(make_staff(municipality_a, Role.REGISTRY_CLERK, username="a.clerk"))
    assert client.get(desk).status_code == 403
    client.force_login(make_staff(municipality_b, Role.EDUCATION, username="b.oswiata"))
    assert client.get(desk).status_code == 404
    assert client.get(f"/g/{municipality_b.slug}/staff/edukacja/biblioteki/"
                      f"{library.pk}/").status_code == 404
    client.force_login(resident)
    assert client.get(desk).status_code == 404
