"""Load-test data: fill a gmina with many realistic cases, fast (`manage.py generate_cases`
calls `generate_cases`).

Cases are spread over the gmina's departments, a few final JRWA classes of each unit
(a small JRWA is created for a unit that has none), the years 2015-2026 and all statuses,
each with one party and its documents (one version each, a shared placeholder file and
generated Polish text). Marks continue the gapless counters, and the counters are moved
on at the end, so cases opened afterwards go on numbering. The search index is filled in
the same transactions. Generated cases have no case-record entries: they are load-test
data, not records.

Rows are written in batches, one transaction each (`synchronous_commit` off for them on
PostgreSQL); on PostgreSQL through COPY into a temporary table and one INSERT … SELECT
(COPY itself refuses tables under row-level security), on SQLite with executemany.
"""

# Table and column names in the SQL come from model metadata; values go as parameters.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import queue
import random
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone

from ratusz.accounts.models import RoleAssignment
from ratusz.cases import search, services
from ratusz.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseParty,
    CaseStatus,
    Counter,
    Document,
    DocumentKind,
    DocumentVersion,
    JrwaClass,
    JrwaVersion,
    PartyKind,
)
from ratusz.core.models import Department, Municipality
from ratusz.core.tenancy import tenant_context

FIRST_YEAR, LAST_YEAR = 2015, 2026
PLACEHOLDER_PATH = "documents/generated/placeholder.txt"
PLACEHOLDER_BYTES = "Dokument wygenerowany do testów obciążeniowych.\n".encode()

#: Used when a unit has no JRWA: (symbol, title, archival category, is final).
MINIMAL_JRWA = [
    ("0", "Zarządzanie", "", False),
    ("01", "Organizacja", "", False),
    ("015", "Skargi i wnioski", "", False),
    ("0152", "Skargi i wnioski załatwiane bezpośrednio", "A", True),
    ("1", "Kadry", "", False),
    ("14", "Informacja", "", False),
    ("143", "Udostępnianie informacji", "", False),
    ("1431", "Udostępnianie informacji publicznej", "B10", True),
    ("3", "Finanse", "", False),
    ("31", "Podatki i opłaty", "", False),
    ("310", "Podatki", "", False),
    ("3100", "Podatek od nieruchomości", "B5", True),
    ("6", "Gospodarka przestrzenna", "", False),
    ("67", "Zagospodarowanie przestrzenne", "", False),
    ("673", "Warunki zabudowy", "", False),
    ("6730", "Decyzje o warunkach zabudowy", "A", True),
    ("7", "Gospodarka komunalna", "", False),
    ("70", "Drogi", "", False),
    ("702", "Zajęcie pasa drogowego", "", False),
    ("7021", "Zezwolenia na zajęcie pasa drogowego", "B5", True),
]

FIRST_NAMES = ["Jan", "Anna", "Piotr", "Katarzyna", "Krzysztof", "Małgorzata", "Andrzej",
               "Agnieszka", "Tomasz", "Barbara", "Paweł", "Ewa", "Marcin", "Magdalena",
               "Michał", "Joanna", "Grzegorz", "Zofia", "Józef", "Elżbieta", "Łukasz", "Maria"]
LAST_NAMES = ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński",
              "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski",
              "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski",
              "Nowakowski", "Pawłowski", "Michalski", "Nowicki", "Adamczyk", "Dudek",
              "Zając", "Wieczorek", "Jabłoński", "Król", "Majewski", "Olszewski", "Jaworski",
              "Wróbel", "Malinowski", "Pawlak", "Witkowski", "Walczak", "Stępień", "Górski",
              "Rutkowski", "Michalak", "Sikora", "Ostrowski", "Baran", "Duda", "Szewczyk"]
FEMININE = {"Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Magdalena",
            "Joanna", "Zofia", "Elżbieta", "Maria"}
ORGANISATIONS = ["Spółdzielnia Mieszkaniowa „Przyszłość”", "PGE Dystrybucja S.A.",
                 "Orange Polska S.A.", "Ochotnicza Straż Pożarna", "Koło Gospodyń Wiejskich",
                 "Parafia rzymskokatolicka", "Przedsiębiorstwo Budowlane „Budomex” sp. z o.o.",
                 "Stowarzyszenie Przyjaciół Ziemi", "Wspólnota Mieszkaniowa",
                 "Gospodarstwo Rolne", "Zakład Usług Komunalnych"]
VILLAGES = ["Brzozowa", "Dąbrówka", "Zalesie", "Nowa Wieś", "Wola", "Józefów", "Lipiny",
            "Olszynka", "Stara Huta", "Kamionka", "Łąki", "Górki", "Przybyszew", "Zarzecze"]
STREETS = ["Polna", "Leśna", "Szkolna", "Kościelna", "Ogrodowa", "Lipowa", "Słoneczna",
           "Krótka", "Długa", "Łąkowa", "Brzozowa", "Kwiatowa", "Spacerowa", "Zielona"]
TITLES = [
    "Wniosek o wydanie decyzji o warunkach zabudowy dla działki nr {plot} w miejscowości "
    "{village}",
    "Wniosek o zezwolenie na usunięcie drzew z działki nr {plot}",
    "Skarga na działalność {organisation}",
    "Wniosek o udostępnienie informacji publicznej dotyczącej {topic}",
    "Zajęcie pasa drogowego ulicy {street} w związku z budową przyłącza",
    "Wymiar podatku od nieruchomości – {person}",
    "Wniosek o umorzenie zaległości podatkowej",
    "Zgłoszenie awarii oświetlenia ulicznego przy ulicy {street}",
    "Petycja mieszkańców miejscowości {village} w sprawie {topic}",
    "Wniosek o nadanie numeru porządkowego nieruchomości przy ulicy {street}",
    "Interpelacja radnego w sprawie {topic}",
    "Wniosek o wydanie zaświadczenia o przeznaczeniu działki nr {plot} w planie miejscowym",
]
TOPICS = ["remontu drogi gminnej", "budżetu obywatelskiego", "odbioru odpadów komunalnych",
          "budowy kanalizacji sanitarnej", "przebudowy boiska szkolnego",
          "dowozu dzieci do szkoły", "oświetlenia ulicznego", "wycinki drzew w parku",
          "zmiany planu zagospodarowania przestrzennego", "dotacji dla organizacji pozarządowych"]
SENTENCES = [
    "Zwracam się z uprzejmą prośbą o rozpatrzenie niniejszego wniosku.",
    "Nieruchomość położona jest w miejscowości {village} przy ulicy {street}.",
    "Do wniosku załączam mapę zasadniczą oraz kopię aktu notarialnego.",
    "Wnioskodawca wskazał, że sprawa dotyczy {topic}.",
    "Proszę o przesłanie odpowiedzi na adres do korespondencji.",
    "W załączeniu przekazuję pełnomocnictwo wraz z dowodem uiszczenia opłaty skarbowej.",
    "Uprzejmie informuję, że termin załatwienia sprawy wynosi miesiąc.",
    "Działka nr {plot} ma powierzchnię {area} m² i jest zabudowana budynkiem mieszkalnym.",
    "Zgodnie z art. 61 Kodeksu postępowania administracyjnego wszczęto postępowanie.",
    "Mieszkańcy zgłaszają uciążliwości związane z hałasem i zapyleniem.",
    "Inwestor planuje budowę budynku mieszkalnego jednorodzinnego z garażem.",
    "Prosimy o pilne podjęcie działań w sprawie {topic}.",
]
CLOSED_SHARE_BY_AGE = {0: 0.25, 1: 0.8}  # this year, last year; older: 0.97


class LoadTestError(RuntimeError):
    """The generation could not go on (indexing failed, bad arguments)."""


class TableWriter:
    """Writes rows of one model fast, with every column given (defaults filled once)."""

    def __init__(self, model: type[models.Model]):
        self.table = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.columns = [field.column for field in self.fields]
        self.names = [field.attname for field in self.fields]
        self.defaults = {}
        for field in self.fields:
            if field.primary_key:
                continue
            default = field.get_default()
            if isinstance(field, models.JSONField):
                default = "{}" if default == {} else default
            self.defaults[field.attname] = default
        self.sqlite = connection.vendor == "sqlite"
        self._adapters = {}
        if self.sqlite:
            for field in self.fields:
                if isinstance(field, models.DateTimeField):
                    self._adapters[field.attname] = connection.ops.adapt_datetimefield_value
                elif isinstance(field, models.DateField):
                    self._adapters[field.attname] = connection.ops.adapt_datefield_value
        self.rows: list[tuple] = []

    def add(self, **values) -> None:
        row = {**self.defaults, **values}
        for name, adapt in self._adapters.items():
            if row.get(name) is not None:
                row[name] = adapt(row[name])
        self.rows.append(tuple(row.get(name) for name in self.names))

    def flush(self, cursor) -> int:
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        columns = ", ".join(f'"{column}"' for column in self.columns)
        if self.sqlite:
            marks = ", ".join(["%s"] * len(self.columns))
            cursor.executemany(f'INSERT INTO "{self.table}" ({columns}) VALUES ({marks})', rows)
            return len(rows)
        # COPY refuses tables under row-level security; a temporary table has none, and
        # INSERT … SELECT from it checks the wall for every row.
        staging = f"generate_{self.table}"
        cursor.execute(f'CREATE TEMPORARY TABLE IF NOT EXISTS "{staging}" '
                       f'(LIKE "{self.table}") ON COMMIT DELETE ROWS')
        with cursor.cursor.copy(f'COPY "{staging}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f'INSERT INTO "{self.table}" ({columns}) '
                       f'SELECT {columns} FROM "{staging}"')
        return len(rows)


def reserve_ids(cursor, model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys of the model's table (the caller holds the transaction)."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                       "FROM generate_series(1, %s)", [table, count])
        return [row[0] for row in cursor.fetchall()]
    cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{table}"')
    first = cursor.fetchone()[0] + 1
    return list(range(first, first + count))


class Generator:
    def __init__(self, municipality: Municipality, *, seed: int, documents_per_case: int,
                 stdout):
        self.municipality = municipality
        self.random = random.Random(seed)  # noqa: S311 - test data, reproducible
        self.documents_per_case = documents_per_case
        self.stdout = stdout
        self.now = timezone.now()
        self.departments = list(Department.objects.for_municipality(municipality)
                                .filter(is_active=True).select_related("unit").order_by("pk"))
        if not self.departments:
            raise LoadTestError("The gmina has no active departments; add some first.")
        self.classes = {unit_id: self._final_classes(department.unit)
                        for department in self.departments
                        for unit_id in [department.unit_id]}
        self.handlers = defaultdict(list)
        for user_id, department_id in (RoleAssignment.objects.for_municipality(municipality)
                                       .filter(department__isnull=False)
                                       .values_list("user_id", "department_id")):
            self.handlers[department_id].append(user_id)
        self.counters = {}
        for counter in Counter.objects.for_municipality(municipality).filter(
                scope__startswith="case:"):
            self.counters[(counter.scope, counter.year)] = counter.value
        self.touched: set[tuple[str, int]] = set()
        self.file_sha256 = self._placeholder_file()

    def _final_classes(self, unit) -> list[JrwaClass]:
        classes = list(JrwaClass.objects.for_municipality(self.municipality).filter(
            version__unit=unit, version__is_current=True, is_final=True).order_by("symbol"))
        if not classes:
            version = (JrwaVersion.objects.for_municipality(self.municipality)
                       .filter(unit=unit, is_current=True).first())
            if version is None:
                version = JrwaVersion.objects.create(
                    municipality=self.municipality, unit=unit,
                    name="JRWA minimalny (generate_cases)", checksum="generated")
            for symbol, title, category, is_final in MINIMAL_JRWA:
                JrwaClass.objects.get_or_create(
                    municipality=self.municipality, version=version, symbol=symbol,
                    defaults={"title": title, "category": category, "is_final": is_final})
            if self.stdout is not None:
                self.stdout.write(f"Created a minimal JRWA for {unit}.")
            return self._final_classes(unit)
        # A few classes, spread over the table, as in a real office.
        step = max(1, len(classes) // 8)
        return classes[::step][:8]

    def _placeholder_file(self) -> str:
        if not default_storage.exists(PLACEHOLDER_PATH):
            default_storage.save(PLACEHOLDER_PATH, ContentFile(PLACEHOLDER_BYTES))
        with default_storage.open(PLACEHOLDER_PATH, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()

    def _slots(self) -> dict:
        pick = self.random.choice
        first, last = pick(FIRST_NAMES), pick(LAST_NAMES)
        if first in FEMININE and last.endswith("ski"):
            last = last[:-1] + "a"
        return {"plot": f"{self.random.randint(1, 999)}/{self.random.randint(1, 30)}",
                "village": pick(VILLAGES), "street": pick(STREETS), "topic": pick(TOPICS),
                "organisation": pick(ORGANISATIONS), "person": f"{first} {last}",
                "first": first, "last": last, "area": self.random.randint(300, 5000)}

    def _next_sequence(self, department, symbol: str, year: int) -> int:
        key = (f"case:{department.pk}:{symbol}", year)
        value = self.counters.get(key, 0) + 1
        self.counters[key] = value
        self.touched.add(key)
        return value

    def _opened_at(self, year: int) -> datetime:
        start = datetime(year, 1, 1, 7, tzinfo=UTC)
        end = min(datetime(year, 12, 31, 15, tzinfo=UTC), self.now)
        return start + timedelta(seconds=self.random.randint(0, int((end - start)
                                                                   .total_seconds())))

    def batch(self, size: int) -> tuple[int, int]:
        """Write `size` cases in one transaction; returns the first and last case id."""
        cases, parties = TableWriter(Case), TableWriter(CaseParty)
        documents, versions = TableWriter(Document), TableWriter(DocumentVersion)
        with transaction.atomic(durable=True), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL synchronous_commit = off")
            case_ids = reserve_ids(cursor, Case, size)
            document_ids = reserve_ids(cursor, Document, size * self.documents_per_case)
            version_ids = reserve_ids(cursor, DocumentVersion, len(document_ids))
            party_ids = reserve_ids(cursor, CaseParty, size)
            for index, case_id in enumerate(case_ids):
                self._case(case_id, party_ids[index],
                           document_ids[index * self.documents_per_case:
                                        (index + 1) * self.documents_per_case],
                           version_ids[index * self.documents_per_case:
                                       (index + 1) * self.documents_per_case],
                           cases, parties, documents, versions)
            for writer in (cases, parties, documents, versions):
                writer.flush(cursor)
        return case_ids[0], case_ids[-1]

    def _case(self, case_id, party_id, document_ids, version_ids, cases, parties, documents,
              versions) -> None:
        rnd = self.random
        department = rnd.choice(self.departments)
        jrwa = rnd.choice(self.classes[department.unit_id])
        year = rnd.randint(FIRST_YEAR, min(LAST_YEAR, self.now.year))
        sequence = self._next_sequence(department, jrwa.symbol, year)
        opened_at = self._opened_at(year)
        slots = self._slots()
        title = rnd.choice(TITLES).format(**slots)
        age = self.now.year - year
        closed = rnd.random() < CLOSED_SHARE_BY_AGE.get(age, 0.97)
        values = {}
        if closed:
            settled_on = min((opened_at + timedelta(days=rnd.randint(3, 90))).date(),
                             self.now.date())
            retention, transfer = services.retention_dates(jrwa.category, settled_on)
            values = {"status": CaseStatus.CLOSED, "settled_on": settled_on,
                      "closed_at": datetime.combine(settled_on, opened_at.timetz()),
                      "archival_category": jrwa.category, "retention_until": retention,
                      "archive_transfer_due": transfer}
        else:
            values = {"status": rnd.choice(OPEN_STATUSES)}
        handlers = self.handlers.get(department.pk)
        cases.add(id=case_id, municipality_id=self.municipality.pk, unit_id=department.unit_id,
                  department_id=department.pk, jrwa_class_id=jrwa.pk, jrwa_symbol=jrwa.symbol,
                  year=year, sequence=sequence,
                  mark=services.case_mark(department.symbol, jrwa.symbol, sequence, year),
                  title=title[:500], description=rnd.choice(SENTENCES).format(**slots),
                  opened_at=opened_at, last_activity_at=opened_at,
                  deadline=opened_at.date() + timedelta(days=30),
                  handler_id=rnd.choice(handlers) if handlers else None, **values)
        if rnd.random() < 0.2:
            parties.add(id=party_id, municipality_id=self.municipality.pk, case_id=case_id,
                        kind=PartyKind.ORGANISATION, organisation_name=slots["organisation"],
                        city=slots["village"], street=slots["street"])
        else:
            parties.add(id=party_id, municipality_id=self.municipality.pk, case_id=case_id,
                        kind=PartyKind.PERSON, first_name=slots["first"],
                        last_name=slots["last"], city=slots["village"], street=slots["street"],
                        building=str(rnd.randint(1, 120)))
        for document_id, version_id in zip(document_ids, version_ids, strict=True):
            text = " ".join(sentence.format(**slots)
                            for sentence in rnd.sample(SENTENCES, rnd.randint(3, 6)))
            documents.add(id=document_id, municipality_id=self.municipality.pk,
                          case_id=case_id, title=title[:120], kind=DocumentKind.INCOMING,
                          created_at=opened_at)
            versions.add(id=version_id, municipality_id=self.municipality.pk,
                         document_id=document_id, number=1, file=PLACEHOLDER_PATH,
                         original_name="pismo.txt", content_type="text/plain",
                         size=len(PLACEHOLDER_BYTES), sha256=self.file_sha256, text=text,
                         created_at=opened_at)

    def save_counters(self) -> None:
        """Move each touched counter on to the highest number used."""
        with transaction.atomic(durable=True):
            for scope, year in sorted(self.touched):
                value = self.counters[(scope, year)]
                counter, created = Counter.objects.select_for_update().get_or_create(
                    municipality=self.municipality, scope=scope, year=year,
                    defaults={"value": value})
                if not created and counter.value < value:
                    Counter.objects.filter(pk=counter.pk).update(value=value)


class Indexer:
    """Fills the search index of committed batches in other database sessions, so that
    the database's text analysis runs beside the generation (SQLite: in line)."""

    def __init__(self, municipality: Municipality, *, workers: int):
        self.municipality = municipality
        self.indexed = 0
        self.errors: list[BaseException] = []
        self.inline = connection.vendor != "postgresql" or workers < 1
        self.queue: queue.Queue = queue.Queue(maxsize=max(1, workers) * 4)
        self.threads = [] if self.inline else [
            threading.Thread(target=self._work, daemon=True) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def put(self, first_id: int, last_id: int) -> None:
        if self.errors:
            raise LoadTestError(f"indexing failed: {self.errors[0]}")
        if self.inline:
            search.index_cases_in_range(first_id, last_id)
            self.indexed += last_id - first_id + 1
            return
        while True:
            try:
                self.queue.put((first_id, last_id), timeout=1)
                return
            except queue.Full:
                if self.errors:
                    raise LoadTestError(f"indexing failed: {self.errors[0]}") from None

    def _work(self) -> None:
        try:
            with tenant_context(self.municipality):
                while (item := self.queue.get()) is not None:
                    with transaction.atomic(durable=True), connection.cursor() as cursor:
                        cursor.execute("SET LOCAL synchronous_commit = off")
                        search.index_cases_in_range(*item)
                    self.indexed += item[1] - item[0] + 1
        except BaseException as error:  # noqa: BLE001 - reported by put/close
            self.errors.append(error)
        finally:
            connection.close()

    def close(self) -> None:
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise LoadTestError(f"indexing failed: {self.errors[0]}")


def generate_cases(municipality: Municipality, *, cases: int, documents_per_case: int = 1,
                   batch: int = 5000, seed: int = 1, index_workers: int = 2,
                   stdout=None) -> float:
    """Generate `cases` cases in the gmina in batches (one transaction each), index them and
    move the counters on; progress lines go to `stdout`. Returns the seconds it took."""
    if cases < 1 or batch < 1 or documents_per_case < 0:
        raise LoadTestError("--cases and --batch must be positive.")
    started = time.monotonic()
    with tenant_context(municipality):
        generator = Generator(municipality, seed=seed, documents_per_case=documents_per_case,
                              stdout=stdout)
        indexer = Indexer(municipality, workers=index_workers)
        done = 0
        try:
            while done < cases:
                size = min(batch, cases - done)
                indexer.put(*generator.batch(size))
                done += size
                elapsed = time.monotonic() - started
                if stdout is not None:
                    stdout.write(f"{done:>10,} / {cases:,} cases  {elapsed:7.1f} s  "
                                 f"{done / elapsed:8.0f} cases/s  (indexed "
                                 f"{indexer.indexed:,})")
            generator.save_counters()
        finally:
            indexer.close()
        if stdout is not None:
            stdout.write(f"indexed {indexer.indexed:,} cases "
                         f"({time.monotonic() - started:.1f} s)")
    return time.monotonic() - started
