"""Demo data of the school libraries: per gmina, the library of its first school with 540
generated records (Polish school reading and made-up titles by Polish authors, valid
ISBNs, deterministic per gmina), one to four copies each, 40 pupils' cards and one for
the demo resident's child, some 70 loans (a few overdue) and the resident's waiting
reservation. Written with bulk_create so the demo builds fast; idempotent (a library
that has its records is left as it is)."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone
from stdnum import ean

from ratusz.core import services as core_services
from ratusz.core.models import Unit, UnitKind
from ratusz.education import marc, services
from ratusz.education.models import (
    BibRecord,
    Child,
    Copy,
    CopyStatus,
    InstitutionKind,
    Library,
    Loan,
    Reader,
    ReaderKind,
)
from ratusz.education.services.library import search_text

RECORDS = 540
CLASSICS = [
    ("Pan Tadeusz", "Mickiewicz, Adam", "Lektury szkolne"),
    ("Dziady. Część II", "Mickiewicz, Adam", "Dramat polski"),
    ("Balladyna", "Słowacki, Juliusz", "Dramat polski"),
    ("Krzyżacy", "Sienkiewicz, Henryk", "Powieść historyczna"),
    ("W pustyni i w puszczy", "Sienkiewicz, Henryk", "Powieść przygodowa"),
    ("Quo vadis", "Sienkiewicz, Henryk", "Powieść historyczna"),
    ("Latarnik", "Sienkiewicz, Henryk", "Nowela"),
    ("Janko Muzykant", "Sienkiewicz, Henryk", "Nowela"),
    ("Katarynka", "Prus, Bolesław", "Nowela"),
    ("Lalka", "Prus, Bolesław", "Powieść polska"),
    ("Kamizelka", "Prus, Bolesław", "Nowela"),
    ("Akademia pana Kleksa", "Brzechwa, Jan", "Literatura dziecięca"),
    ("Pchła Szachrajka", "Brzechwa, Jan", "Poezja dla dzieci"),
    ("Lokomotywa", "Tuwim, Julian", "Poezja dla dzieci"),
    ("Kamienie na szaniec", "Kamiński, Aleksander", "II wojna światowa"),
    ("Szatan z siódmej klasy", "Makuszyński, Kornel", "Powieść młodzieżowa"),
    ("Koziołek Matołek", "Makuszyński, Kornel", "Literatura dziecięca"),
    ("Dzieci z Bullerbyn", "Lindgren, Astrid", "Literatura dziecięca"),
    ("Mały Książę", "Saint-Exupéry, Antoine de", "Baśń filozoficzna"),
    ("Opowieści z Narnii. Lew, czarownica i stara szafa", "Lewis, C. S.", "Fantastyka"),
    ("Hobbit, czyli tam i z powrotem", "Tolkien, J. R. R.", "Fantastyka"),
    ("Chłopcy z Placu Broni", "Molnár, Ferenc", "Powieść młodzieżowa"),
    ("Ania z Zielonego Wzgórza", "Montgomery, Lucy Maud", "Powieść młodzieżowa"),
    ("Tajemniczy ogród", "Burnett, Frances Hodgson", "Powieść młodzieżowa"),
    ("Pinokio", "Collodi, Carlo", "Baśń"),
    ("Anaruk, chłopiec z Grenlandii", "Centkiewicz, Czesław", "Arktyka"),
    ("Zemsta", "Fredro, Aleksander", "Komedia"),
    ("Mazurek Dąbrowskiego i inne pieśni", "Wybicki, Józef", "Poezja polska"),
    ("Bajki robotów", "Lem, Stanisław", "Fantastyka naukowa"),
    ("Cyberiada", "Lem, Stanisław", "Fantastyka naukowa"),
    ("Pan Samochodzik i templariusze", "Nienacki, Zbigniew", "Powieść przygodowa"),
    ("Ten obcy", "Jurgielewiczowa, Irena", "Powieść młodzieżowa"),
    ("Mikołajek", "Goscinny, René", "Literatura dziecięca"),
    ("Dynastia Miziołków", "Olech, Joanna", "Literatura dziecięca"),
    ("Felix, Net i Nika oraz Gang Niewidzialnych Ludzi", "Kosik, Rafał", "Fantastyka"),
    ("Oskar i pani Róża", "Schmitt, Éric-Emmanuel", "Powieść"),
    ("Bracia Lwie Serce", "Lindgren, Astrid", "Fantastyka"),
    ("Księga dżungli", "Kipling, Rudyard", "Powieść przygodowa"),
    ("Przygody Tomka Sawyera", "Twain, Mark", "Powieść przygodowa"),
    ("Sposób na Alcybiadesa", "Niziurski, Edmund", "Powieść młodzieżowa"),
]
AUTHORS = ["Kowalska, Anna", "Nowak, Piotr", "Wiśniewska, Małgorzata", "Wójcik, Tomasz",
           "Kamińska, Agnieszka", "Lewandowski, Marek", "Zielińska, Ewa", "Szymański, Paweł",
           "Dąbrowska, Katarzyna", "Kozłowski, Łukasz", "Jankowska, Joanna",
           "Mazur, Grzegorz", "Krawczyk, Beata", "Piotrowski, Michał", "Grabowska, Zofia",
           "Pawlak, Jerzy", "Michalska, Barbara", "Król, Andrzej", "Wróbel, Dorota",
           "Jabłoński, Stefan", "Majewska, Renata", "Olszewski, Wojciech"]
OPENINGS = ["Tajemnica", "Przygody", "Wyprawa do", "Skarb", "Zagadka", "Legenda o",
            "Opowieści z", "Sekret", "Ostatnie lato w", "Powrót do", "Listy z",
            "Zaginiony klucz do", "Atlas", "Kronika", "Dzieci z"]
PLACES = ["starego młyna", "Doliny Bobrów", "zamku w Chęcinach", "Puszczy Białowieskiej",
          "latarni morskiej", "Wzgórza Czarownic", "Bieszczadów", "szkolnego strychu",
          "Żuław", "krainy deszczowców", "ulicy Kasztanowej", "jeziora Łańskiego",
          "Tatr", "Gdańska", "Krakowa", "Lublina", "Wisły", "kosmosu", "dinozaurów",
          "smoka wawelskiego", "Kaszub", "Mazur", "ogrodu babci Jadzi"]
SUBJECTS = ["Literatura dziecięca", "Powieść młodzieżowa", "Przyroda", "Historia Polski",
            "Geografia", "Matematyka", "Fantastyka", "Powieść przygodowa", "Poezja polska",
            "Sport", "Zwierzęta", "Podróże", "Astronomia", "Ekologia", "Baśnie i legendy"]
PUBLISHERS = ["Nasza Księgarnia", "Wydawnictwo Literackie", "Znak", "Zielona Sowa",
              "Wydawnictwa Szkolne i Pedagogiczne", "Greg", "Siedmioróg", "Egmont Polska",
              "Wydawnictwo Dwie Siostry", "Media Rodzina"]
FIRST_NAMES = ["Zofia", "Hanna", "Julia", "Maja", "Lena", "Antoni", "Jan", "Franciszek",
               "Szymon", "Leon", "Ignacy", "Pola", "Nadia", "Wiktor", "Kacper"]
LAST_NAMES = ["Nowak", "Kowalczyk", "Wójcik", "Kamińska", "Lewandowski", "Zielińska",
              "Szymański", "Woźniak", "Dąbrowski", "Kozłowska", "Mazur", "Król"]


def _school(municipality, acting_user) -> Unit:
    school = Unit.objects.for_municipality(municipality).filter(
        kind=UnitKind.SCHOOL).order_by("pk").first()
    if school is None:
        office = Unit.objects.for_municipality(municipality).get(kind=UnitKind.OFFICE)
        city = office.city or municipality.name
        school = core_services.create_unit(
            municipality, acting_user=acting_user, name=f"Szkoła Podstawowa w {city}",
            short_name="SP", kind=UnitKind.SCHOOL, city=city,
            postal_code=office.postal_code, street=office.street, building="12")
    return school


def _books(rng: random.Random) -> list[marc.RecordData]:
    books, used = [], set()
    for title, author, subject in CLASSICS:
        books.append(marc.RecordData(title=title, author=author, subjects=[subject]))
        used.add(title)
    while len(books) < RECORDS:
        title = f"{rng.choice(OPENINGS)} {rng.choice(PLACES)}"
        if title in used:
            title = f"{title}. Tom {rng.randint(2, 5)}"
        if title in used:
            continue
        used.add(title)
        books.append(marc.RecordData(title=title, author=rng.choice(AUTHORS),
                                     subjects=rng.sample(SUBJECTS, rng.randint(1, 2))))
    for number, book in enumerate(books):
        base = f"97883{rng.randint(0, 99):02d}{number:05d}"
        book.isbn = base + ean.calc_check_digit(base)
        book.publisher = rng.choice(PUBLISHERS)
        book.year = rng.randint(1995, 2025)
    return books


@transaction.atomic
def _fill(library: Library, resident, rng: random.Random) -> None:
    """The records, copies, readers and loans, in bulk (the demo's own transaction; the
    services' rules hold by construction: unique numbers, one open loan per copy)."""
    municipality_id = library.municipality_id
    books = _books(rng)
    records = BibRecord.objects.bulk_create([BibRecord(
        municipality_id=municipality_id, library=library, control_number=f"DEMO-{n:05d}",
        title=b.title, author=b.author, isbn=b.isbn, publisher=b.publisher, year=b.year,
        subjects="; ".join(b.subjects), search_text=search_text(b),
        marc=marc.build(marc.RecordData(**{**b.__dict__, "control_number": f"DEMO-{n:05d}"})
                        ).as_marc()) for n, b in enumerate(books, start=1)])
    if not all(r.pk for r in records):  # SQLite before 3.35 returns no ids
        records = list(BibRecord.objects.filter(library=library).order_by("pk"))
    copies, serial = [], 0
    for record in records:
        for _n in range(rng.choice([1, 1, 2, 2, 3, 4])):
            serial += 1
            copies.append(Copy(municipality_id=municipality_id, record=record, library=library,
                               inventory_number=f"{serial:06d}",
                               location=f"Regał {rng.choice('ABCDEFGH')}, półka "
                                        f"{rng.randint(1, 6)}"))
    Copy.objects.bulk_create(copies)
    copies = list(Copy.objects.filter(library=library).order_by("pk"))
    readers = Reader.objects.bulk_create([Reader(
        municipality_id=municipality_id, library=library, card_number=f"U{n:04d}",
        kind=ReaderKind.PUPIL, name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
        for n in range(1, 41)] + [Reader(
            municipality_id=municipality_id, library=library, card_number="N0001",
            kind=ReaderKind.TEACHER, name="Barbara Bibliotekarska")])
    readers = list(Reader.objects.filter(library=library).order_by("pk"))
    today = timezone.localdate()
    loans = []
    for copy in rng.sample(copies, 70):
        loaned = today - datetime.timedelta(days=rng.randint(1, 45))
        loans.append(Loan(municipality_id=municipality_id, copy=copy,
                          reader=rng.choice(readers), loaned_on=loaned,
                          due_on=loaned + datetime.timedelta(days=library.loan_days)))
        copy.status = CopyStatus.ON_LOAN
    Loan.objects.bulk_create(loans)
    Copy.objects.bulk_update([c for c in copies if c.status == CopyStatus.ON_LOAN],
                             ["status"])


def _resident_reader(library: Library, resident) -> Reader:
    reader = Reader.objects.filter(library=library, card_number="R0001").first()
    if reader is not None:
        return reader
    child = Child.objects.for_municipality(library.municipality_id).filter(
        guardians=resident).order_by("pk").first()
    return services.add_reader(
        library, acting_user=None, card_number="R0001",
        kind=ReaderKind.PUPIL if child else ReaderKind.PARENT,
        name=child.full_name if child else resident.get_full_name() or resident.username,
        child=child, user=None if child else resident)


def ensure_library_demo(municipality, staff: dict, resident) -> dict:
    """The gmina's school library, filled once; returns demo.json's `library` key: the
    library's id, how many records it has, a record the resident has reserved and the
    resident's (or their child's) reader card."""
    officer = staff["education"]
    school = _school(municipality, officer)
    institution = services.ensure_institution(school, acting_user=officer,
                                              kind=InstitutionKind.PRIMARY_SCHOOL)
    library = services.create_library(institution, acting_user=officer,
                                      name=f"Biblioteka szkolna – {school.name}")
    if not BibRecord.objects.filter(library=library).exists():
        _fill(library, resident, random.Random(f"ratusz-demo-library:{municipality.slug}"))  # noqa: S311
    reader = _resident_reader(library, resident)
    reserved = BibRecord.objects.filter(library=library, title="Pan Tadeusz").first()
    if reserved is not None and not reader.reservations.exists():
        services.reserve(reserved, reader, acting_user=resident)
    return {"library": {
        "id": library.pk, "records": BibRecord.objects.filter(library=library).count(),
        "reserved_record": reserved.pk if reserved else None,
        "reader_card": reader.card_number, "search_example": "pan tadeusz"}}
