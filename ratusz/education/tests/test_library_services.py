"""School libraries: MARC21 import (a real file made with pymarc, re-import, a file that is
not MARC refused with nothing saved), entries by hand, loans and returns, reservations
with the pick-up notice, expiry, overdue reminders, the MARC export."""

from __future__ import annotations

import datetime

import pymarc
import pytest
from stdnum import ean

from ratusz.education import marc, services
from ratusz.education import selectors_library as selectors
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    BibRecord,
    Copy,
    CopyStatus,
    Loan,
    OverdueReminder,
    ReaderKind,
    Reservation,
    ReservationState,
)
from ratusz.education.tests.library_factories import (
    add_book,
    make_library,
    make_pupil_reader,
    marc_file,
    marc_record,
)

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
TODAY = datetime.date(2026, 3, 2)


def isbn13(base12: str) -> str:
    return base12 + ean.calc_check_digit(base12)


@pytest.fixture
def library(municipality_a):
    return make_library(municipality_a)


def test_a_marc_file_is_imported_with_a_report_and_again_without_duplicates(library):
    good = isbn13("978830804991")
    data = marc_file(
        marc_record("Pan Tadeusz", "Mickiewicz, Adam", control="PL0001", isbn=good,
                    subjects=["Poemat polski"], copies=[("INW-1", "Regał 3"),
                                                        ("INW-2", "Regał 3")]),
        marc_record("Quo vadis", "Sienkiewicz, Henryk", control="PL0002",
                    isbn="978-83-000-0000-0"),
        marc_record("Pan Tadeusz", "Mickiewicz, Adam", control="PL0001"))
    report = services.import_marc(library, data, acting_user=None)
    assert [(line.number, line.outcome) for line in report.lines] == [
        (1, "created"), (2, "created"), (3, "skipped")]
    assert "does not check" in report.lines[1].note
    assert "record 1" in report.lines[2].note
    tadeusz = BibRecord.objects.get(control_number="PL0001")
    assert (tadeusz.title, tadeusz.author, tadeusz.isbn, tadeusz.publisher, tadeusz.year,
            tadeusz.subjects) == ("Pan Tadeusz", "Mickiewicz, Adam", good,
                                  "Wydawnictwo Literackie", 2015, "Poemat polski")
    assert sorted(tadeusz.copies.values_list("inventory_number", "location")) == [
        ("INW-1", "Regał 3"), ("INW-2", "Regał 3")]
    assert BibRecord.objects.get(control_number="PL0002").isbn == ""

    again = services.import_marc(library, data, acting_user=None)
    assert again.summary == {"created": 0, "updated": 0, "unchanged": 2, "skipped": 1}
    changed = marc_file(marc_record("Pan Tadeusz, czyli ostatni zajazd na Litwie",
                                    "Mickiewicz, Adam", isbn=good))
    third = services.import_marc(library, changed, acting_user=None)
    assert third.summary["updated"] == 1  # found again by its ISBN
    assert BibRecord.objects.count() == 2 and Copy.objects.count() == 2
    tadeusz.refresh_from_db()
    assert tadeusz.title.startswith("Pan Tadeusz, czyli")


def test_marcxml_is_imported_too(library):
    record = marc_record("Dzieci z Bullerbyn", "Lindgren, Astrid", control="X1")
    xml = (b'<collection xmlns="http://www.loc.gov/MARC21/slim">'
           + pymarc.record_to_xml(record) + b"</collection>")
    report = services.import_marc(library, xml, acting_user=None)
    assert report.summary["created"] == 1
    assert BibRecord.objects.get().author == "Lindgren, Astrid"


@pytest.mark.parametrize(("data", "reason"), [
    (b"Tytul;Autor\nPan Tadeusz;Mickiewicz\n", "starts with its length in five digits"),
    (b"", "The file is empty."),
    (b"<html><body>no</body></html>", "holds no MARCXML record"),
])
def test_a_file_that_is_not_marc_is_refused_and_nothing_is_saved(library, data, reason):
    with pytest.raises(EducationError) as refusal:
        services.import_marc(library, data, acting_user=None)
    assert refusal.value.code == "not_marc"
    assert reason in str(refusal.value.message)
    assert not BibRecord.objects.exists()


def test_a_broken_record_refuses_the_whole_file(library):
    good = marc_record("Pan Tadeusz", control="A1").as_marc()
    broken = b"00099" + good[5:40]
    with pytest.raises(EducationError) as refusal:
        services.import_marc(library, good + broken, acting_user=None)
    assert "Record 2 is not valid MARC21" in str(refusal.value.message)
    assert not BibRecord.objects.exists()


def test_a_record_entered_by_hand_is_checked_and_exported_as_marc(library):
    with pytest.raises(EducationError) as refusal:
        add_book(library, "Anaruk, chłopiec z Grenlandii", isbn="978-83-1234-567-0")
    assert refusal.value.code == "invalid_isbn"
    with pytest.raises(EducationError) as refusal:
        add_book(library, "  ")
    assert refusal.value.code == "required"
    good = isbn13("978837327123")
    record = add_book(library, "Anaruk, chłopiec z Grenlandii", "Centkiewicz, Czesław",
                      isbn=good[:3] + "-" + good[3:], copies=2, subjects=["Arktyka"])
    assert record.isbn == good and record.control_number == f"RATUSZ-{record.pk}"
    with pytest.raises(EducationError) as refusal:
        add_book(library, "Inny tytuł", isbn=good)
    assert refusal.value.code == "record_exists"

    exported = list(pymarc.MARCReader(selectors.export_marc(library), to_unicode=True))
    assert len(exported) == 1
    again = marc.data_of(exported[0])
    assert (again.title, again.author, again.isbn, again.subjects) == (
        "Anaruk, chłopiec z Grenlandii", "Centkiewicz, Czesław", good, ["Arktyka"])
    assert sorted(c.inventory_number for c in again.copies) == sorted(
        record.copies.values_list("inventory_number", flat=True))
    xml = pymarc.parse_xml_to_array(__import__("io").BytesIO(
        selectors.export_marc(library, xml=True)))
    assert marc.data_of(xml[0]).title == "Anaruk, chłopiec z Grenlandii"
    # What is exported imports back unchanged (the catalogue is not a dead end).
    report = services.import_marc(library, selectors.export_marc(library), acting_user=None)
    assert report.summary["unchanged"] + report.summary["updated"] == 1
    assert BibRecord.objects.count() == 1


def test_search_folds_case_and_polish_letters_and_keeps_to_the_gmina(
        library, municipality_a, municipality_b):
    add_book(library, "Żółw i zając", "Łęcka, Małgorzata", subjects=["Bajki"])
    add_book(library, "Zając Poziomka", "Kowalska, Anna")
    other = make_library(municipality_b)
    add_book(other, "Żółw i zając", "Łęcka, Małgorzata")
    found = list(selectors.catalogue_search(municipality_a, "ZOLW lecka"))
    assert [(r.title, r.library_id, r.available_copies) for r in found] == [
        ("Żółw i zając", library.pk, 1)]
    assert [r.title for r in selectors.catalogue_search(municipality_a, "zając")] == [
        "Zając Poziomka", "Żółw i zając"]
    assert [r.title for r in selectors.catalogue_search(municipality_a, "bajki")] == [
        "Żółw i zając"]
    assert not selectors.catalogue_search(municipality_a, " ").exists()


def test_loan_and_return_by_card_and_inventory_number(library, resident):
    reader = make_pupil_reader(library, resident, card="K100")
    record = add_book(library, "Akademia pana Kleksa", copies=1)
    copy = record.copies.get()
    loan = services.lend(library, acting_user=None, card_number="K100",
                         inventory_number=copy.inventory_number, on=TODAY)
    assert loan.due_on == TODAY + 30 * DAY and loan.reader == reader
    copy.refresh_from_db()
    assert copy.status == CopyStatus.ON_LOAN
    with pytest.raises(EducationError) as refusal:
        services.lend(library, acting_user=None, card_number="K100",
                      inventory_number=copy.inventory_number, on=TODAY)
    assert refusal.value.code == "copy_on_loan"
    with pytest.raises(EducationError) as refusal:
        services.lend(library, acting_user=None, card_number="K999",
                      inventory_number=copy.inventory_number, on=TODAY)
    assert refusal.value.code == "no_reader" and "K999" in str(refusal.value.message)
    services.return_copy(library, acting_user=None, inventory_number=copy.inventory_number,
                         on=TODAY + 3 * DAY)
    copy.refresh_from_db()
    loan.refresh_from_db()
    assert copy.status == CopyStatus.AVAILABLE and loan.returned_on == TODAY + 3 * DAY
    with pytest.raises(EducationError) as refusal:
        services.return_copy(library, acting_user=None,
                             inventory_number=copy.inventory_number)
    assert refusal.value.code == "not_on_loan"


def test_a_returned_copy_goes_to_the_reservation_and_the_parent_gets_the_notice(
        library, resident, django_capture_on_commit_callbacks, mailoutbox):
    resident.email = "rodzic@example.com"
    resident.save()
    borrower = services.add_reader(library, acting_user=None, card_number="N1",
                                   kind=ReaderKind.TEACHER, name="Jan Kowal")
    pupil = make_pupil_reader(library, resident, card="K7")
    record = add_book(library, "W pustyni i w puszczy", "Sienkiewicz, Henryk")
    number = record.copies.get().inventory_number
    services.lend(library, acting_user=None, card_number="N1", inventory_number=number,
                  on=TODAY)
    reservation = services.reserve(record, pupil, acting_user=resident)
    with pytest.raises(EducationError) as refusal:
        services.reserve(record, pupil, acting_user=resident)
    assert refusal.value.code == "already_reserved"
    with django_capture_on_commit_callbacks(execute=True):
        services.return_copy(library, acting_user=None, inventory_number=number,
                             on=TODAY + 5 * DAY)
    reservation.refresh_from_db()
    assert reservation.state == ReservationState.READY
    assert reservation.pickup_until == TODAY + 12 * DAY
    assert Copy.objects.get(inventory_number=number).status == CopyStatus.ON_HOLD
    assert [m.to for m in mailoutbox] == [["rodzic@example.com"]]
    assert "W pustyni i w puszczy" in mailoutbox[0].body
    assert "do 14.03.2026 włącznie" in mailoutbox[0].body
    # The held copy is not lent to someone else; the reader collects it.
    with pytest.raises(EducationError) as refusal:
        services.lend(library, acting_user=None, card_number="N1", inventory_number=number)
    assert refusal.value.code == "copy_held"
    services.lend(library, acting_user=None, card_number="K7", inventory_number=number,
                  on=TODAY + 6 * DAY)
    reservation.refresh_from_db()
    assert reservation.state == ReservationState.COLLECTED
    assert borrower.loans.count() == 1


def test_set_aside_then_expiry_passes_the_copy_on(library, resident, make_staff,
                                                  municipality_a,
                                                  django_capture_on_commit_callbacks,
                                                  mailoutbox):
    first = make_pupil_reader(library, resident, card="K1")
    second = services.add_reader(library, acting_user=None, card_number="K2",
                                 kind=ReaderKind.PUPIL, name="Adam Nowy",
                                 email="adam@example.com")
    record = add_book(library, "Mały Książę", "Saint-Exupéry, Antoine de")
    one = services.reserve(record, first, acting_user=None)
    two = services.reserve(record, second, acting_user=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.set_aside(one, acting_user=None, on=TODAY)
    with pytest.raises(EducationError) as refusal:
        services.set_aside(two, acting_user=None, on=TODAY)
    assert refusal.value.code == "no_copy_on_shelf"
    assert services.expire_reservations(municipality_a, on=TODAY + 7 * DAY) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.expire_reservations(municipality_a, on=TODAY + 8 * DAY) == 1
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.state == ReservationState.EXPIRED and one.closed_on == TODAY + 8 * DAY
    assert two.state == ReservationState.READY and two.copy == one.copy
    assert [m.to for m in mailoutbox][-1] == ["adam@example.com"]
    assert services.expire_reservations(municipality_a, on=TODAY + 8 * DAY) == 0
    services.cancel_reservation(two, acting_user=None, on=TODAY + 9 * DAY)
    assert Copy.objects.get(pk=one.copy_id).status == CopyStatus.AVAILABLE


def test_overdue_reminders_once_then_after_the_pause(library, resident, municipality_a,
                                                     django_capture_on_commit_callbacks,
                                                     mailoutbox):
    resident.email = "rodzic@example.com"
    resident.save()
    make_pupil_reader(library, resident, card="K3")
    record = add_book(library, "Ania z Zielonego Wzgórza")
    services.lend(library, acting_user=None, card_number="K3",
                  inventory_number=record.copies.get().inventory_number, on=TODAY)
    due = TODAY + 30 * DAY
    assert services.send_overdue_reminders(municipality_a, on=due) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_overdue_reminders(municipality_a, on=due + DAY) == 1
    assert services.send_overdue_reminders(municipality_a, on=due + DAY) == 0
    assert services.send_overdue_reminders(municipality_a, on=due + 7 * DAY) == 0
    assert services.send_overdue_reminders(municipality_a, on=due + 8 * DAY) == 1
    assert OverdueReminder.objects.count() == 2
    assert "Termin zwrotu książki „Ania z Zielonego Wzgórza” minął" in mailoutbox[0].body
    assert Loan.objects.get().reminders.count() == 2


def test_a_library_belongs_to_a_school_and_readers_cards_are_unique(library,
                                                                    municipality_a):
    from ratusz.core.tests.factories import UnitFactory
    from ratusz.education.models import InstitutionKind

    preschool = services.ensure_institution(
        UnitFactory(municipality=municipality_a, kind="preschool", slug="p-1"),
        acting_user=None, kind=InstitutionKind.PRESCHOOL)
    with pytest.raises(EducationError) as refusal:
        services.create_library(preschool, acting_user=None)
    assert refusal.value.code == "library_not_school"
    services.add_reader(library, acting_user=None, card_number="T1",
                        kind=ReaderKind.TEACHER, name="Ewa Nauczycielka")
    with pytest.raises(EducationError) as refusal:
        services.add_reader(library, acting_user=None, card_number="T1",
                            kind=ReaderKind.TEACHER, name="Ktoś Inny")
    assert refusal.value.code == "card_taken"
    assert Reservation.objects.count() == 0
