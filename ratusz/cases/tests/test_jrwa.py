"""The JRWA table: the shipped 2011 gmina file, parsing, versioned import, reads, command."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ratusz.cases import jrwa, selectors
from ratusz.cases.jrwa import JrwaImportError, parse_jrwa_csv
from ratusz.cases.models import JrwaClass, JrwaVersion, archival_category_validator
from ratusz.core.models import AuditAction, AuditLog
from ratusz.core.tenancy import set_database_tenant

HEADER = "symbol,title,category,other_units_category,remarks,verified,source\n"
SMALL = HEADER + (
    "0,ZARZĄDZANIE,,,,0,\n"
    "00,Organy gminy,,,,0,\n"
    "000,Rada gminy,,,,1,mock\n"
    "0002,Sesje rady gminy,A,Bc,\"protokoły, uchwały\",1,mock\n"
    "0003,Wnioski i interpelacje radnych,A,Bc,w tym rejestr i odpowiedzi,1,mock\n"
)


def table(*lines: str) -> str:
    return HEADER + "".join(f"{line}\n" for line in lines)


# --- The shipped file -------------------------------------------------------------------

def test_the_shipped_table_parses_and_every_final_class_has_a_category():
    rows = parse_jrwa_csv(jrwa.DEFAULT_TABLE)
    assert len(rows) > 200
    finals = [row for row in rows if row["is_final"]]
    assert finals
    for row in finals:
        archival_category_validator(row["category"])
    assert all(row["category"] == "" for row in rows if not row["is_final"])
    assert [row["symbol"] for row in rows] == sorted(row["symbol"] for row in rows)


def test_the_shipped_table_marks_the_rows_confirmed_by_a_source():
    rows = {row["symbol"]: row for row in parse_jrwa_csv(jrwa.DEFAULT_TABLE)}
    verified = {symbol for symbol, row in rows.items() if row["is_verified"]}
    assert verified == {"000", "0000", "0001", "0002", "0003", "0004", "0005"}
    assert all(rows[symbol]["source"] for symbol in verified)
    assert rows["0003"]["title"] == "Wnioski i interpelacje radnych"
    assert rows["0003"]["category"] == "A"
    assert rows["0003"]["remarks"] == "w tym rejestr i odpowiedzi"


@pytest.mark.parametrize("symbol", [
    "0003",  # councillors' motions
    "0050",  # orders of the wójt
    "1431",  # public-information requests
    "1510",  # complaints
    "152",   # petitions
    "140",   # general letters
    "271",   # public procurement
    "3120",  # local-tax declarations
    "3126",  # waste-fee declarations
    "6131",  # tree felling
    "6220",  # environmental decisions
    "6730",  # zoning decisions
    "7230",  # road occupation
    "5300",  # civil registry
    "5100",  # population records
])
def test_typical_gmina_matters_have_a_final_class(symbol):
    rows = {row["symbol"]: row for row in parse_jrwa_csv(jrwa.DEFAULT_TABLE)}
    assert rows[symbol]["is_final"] is True
    assert rows[symbol]["category"]


# --- Parsing errors ---------------------------------------------------------------------

def test_a_class_without_its_parent_is_refused_naming_the_line():
    text = table("0,ZARZĄDZANIE,,,,0,", "00,Organy gminy,,,,0,", "0003,Wnioski,A,Bc,,0,")
    with pytest.raises(JrwaImportError, match=r"^Line 4: class 0003 has no parent class 000"):
        parse_jrwa_csv(text)


def test_a_final_class_without_a_category_is_refused_naming_the_line():
    text = table("0,ZARZĄDZANIE,,,,0,", "00,Organy gminy,,,,0,", "01,Organizacja,,,,0,")
    with pytest.raises(JrwaImportError, match=r"^Line 3: final class 00 has no archival"):
        parse_jrwa_csv(text)


def test_an_unknown_category_is_refused_naming_the_line():
    text = table("0,ZARZĄDZANIE,,,,0,", "00,Organy gminy,A,Bc,,0,", "01,Organizacja,C5,Bc,,0,")
    with pytest.raises(JrwaImportError, match=r"^Line 4: 'C5' of class 01 is not an archival"):
        parse_jrwa_csv(text)


def test_a_duplicate_symbol_is_refused_naming_both_lines():
    text = table("0,ZARZĄDZANIE,,,,0,", "00,Organy gminy,A,Bc,,0,", "00,Organy,A,Bc,,0,")
    with pytest.raises(JrwaImportError,
                       match=r"^Line 4: the symbol 00 appears twice \(first on line 3\)"):
        parse_jrwa_csv(text)


def test_a_class_with_subclasses_must_not_have_a_category():
    text = table("0,ZARZĄDZANIE,A,,,0,", "00,Organy gminy,A,Bc,,0,")
    with pytest.raises(JrwaImportError, match=r"^Line 2: class 0 has subclasses"):
        parse_jrwa_csv(text)


@pytest.mark.parametrize(("line", "message"), [
    ("0a,Zła klasa,A,,,0,", r"^Line 2: the symbol '0a' is not 1 to 10 digits"),
    ("01234567890,Za długi,A,,,0,", r"^Line 2: the symbol '01234567890' is not 1 to 10"),
    ("0,,A,,,0,", r"^Line 2: class 0 has no title"),
    ("0,Klasa,A,,,tak,", r"^Line 2: 'verified' must be 1 or 0"),
    ("0,Klasa,A,Bx,,0,", r"^Line 2: 'Bx' \(other units\) of class 0 is not"),
])
def test_malformed_rows_are_refused_naming_the_line(line, message):
    with pytest.raises(JrwaImportError, match=message):
        parse_jrwa_csv(table(line))


def test_a_header_without_the_required_columns_is_refused():
    with pytest.raises(JrwaImportError, match=r"^Line 1: the header lacks the column\(s\) "
                                              r"category"):
        parse_jrwa_csv("symbol,title\n0,ZARZĄDZANIE\n")


def test_a_missing_file_is_reported():
    with pytest.raises(JrwaImportError, match="No such file"):
        parse_jrwa_csv("/nonexistent/jrwa.csv")


def test_older_category_notation_is_normalised():
    rows = parse_jrwa_csv(table("0,ZARZĄDZANIE,,,,0,", "00,Referenda,BE-5,Bc,,0,",
                                "01,Organizacja,B 10,Bc,,0,"))
    assert [row["category"] for row in rows] == ["", "BE5", "B10"]


# --- Import -----------------------------------------------------------------------------

def test_import_creates_a_current_version_its_classes_and_one_audit_entry(admin_a,
                                                                          department_a):
    unit = department_a.unit
    version = jrwa.import_jrwa(unit, parse_jrwa_csv(SMALL), acting_user=admin_a,
                               name="Test", source="test.csv")
    assert version.is_current is True
    assert version.unit == unit
    assert version.municipality_id == unit.municipality_id
    assert len(version.checksum) == 64
    classes = list(version.classes.order_by("symbol").values_list(
        "symbol", "is_final", "category", "other_units_category", "is_verified"))
    assert classes == [
        ("0", False, "", "", False),
        ("00", False, "", "", False),
        ("000", False, "", "", True),
        ("0002", True, "A", "Bc", True),
        ("0003", True, "A", "Bc", True),
    ]
    entry = AuditLog.objects.get(object_type="cases.jrwaversion", object_id=str(version.pk))
    assert entry.action == AuditAction.CREATED
    assert entry.actor == admin_a
    assert entry.municipality == unit.municipality
    assert entry.after == {"classes": 5, "name": "Test"}


def test_importing_the_same_table_again_changes_nothing(admin_a, department_a):
    unit = department_a.unit
    first = jrwa.load_default_jrwa(unit, acting_user=admin_a)
    classes, audits = JrwaClass.objects.count(), AuditLog.objects.count()

    again = jrwa.load_default_jrwa(unit, acting_user=admin_a)

    assert again.pk == first.pk
    assert JrwaVersion.objects.filter(unit=unit).count() == 1
    assert JrwaClass.objects.count() == classes
    assert AuditLog.objects.count() == audits


def test_spacing_and_the_source_column_do_not_make_a_new_version(admin_a, department_a):
    unit = department_a.unit
    first = jrwa.import_jrwa(unit, parse_jrwa_csv(SMALL), acting_user=admin_a, name="A")
    respaced = SMALL.replace("Sesje rady gminy", "Sesje  rady gminy ").replace("mock", "x")
    again = jrwa.import_jrwa(unit, parse_jrwa_csv(respaced), acting_user=admin_a, name="B")
    assert again.pk == first.pk


def test_a_changed_table_makes_a_new_current_version_and_keeps_the_old_classes(
        admin_a, department_a):
    unit = department_a.unit
    old = jrwa.import_jrwa(unit, parse_jrwa_csv(SMALL), acting_user=admin_a, name="2011")
    changed = SMALL + "0004,Przewodniczący rady gminy,A,Bc,,1,mock\n"

    new = jrwa.import_jrwa(unit, parse_jrwa_csv(changed), acting_user=admin_a, name="2011b")

    old.refresh_from_db()
    assert new.pk != old.pk
    assert new.is_current is True
    assert old.is_current is False
    assert selectors.current_jrwa_version(unit) == new
    assert old.classes.count() == 5
    assert new.classes.count() == 6
    assert selectors.final_class(unit, "0004").version == new
    assert {klass.version_id for klass in selectors.jrwa_classes(unit)} == {new.pk}


def test_an_invalid_row_list_is_refused_before_anything_is_written(admin_a, department_a):
    rows = [{"symbol": "00", "title": "Organy", "category": "A"}]
    with pytest.raises(JrwaImportError, match=r"^Class 00: class 00 has no parent class 0"):
        jrwa.import_jrwa(department_a.unit, rows, acting_user=admin_a, name="Zły")
    assert JrwaVersion.objects.count() == 0
    assert AuditLog.objects.filter(object_type="cases.jrwaversion").count() == 0


# --- Reads ------------------------------------------------------------------------------

def test_get_final_class_refuses_non_final_and_unknown_symbols(admin_a, department_a):
    unit = department_a.unit
    assert selectors.current_jrwa_version(unit) is None
    assert selectors.final_class(unit, "0003") is None
    jrwa.load_default_jrwa(unit, acting_user=admin_a)

    motion = selectors.final_class(unit, "0003")

    assert motion.title == "Wnioski i interpelacje radnych"
    assert motion.category == "A"
    assert selectors.final_class(unit, "000") is None
    assert selectors.final_class(unit, "0") is None
    assert selectors.final_class(unit, "9999") is None


def test_list_classes_is_the_current_tree_in_symbol_order(admin_a, department_a):
    unit = department_a.unit
    assert list(selectors.jrwa_classes(unit)) == []
    jrwa.import_jrwa(unit, parse_jrwa_csv(SMALL), acting_user=admin_a, name="Test")
    assert [klass.symbol for klass in selectors.jrwa_classes(unit)] == [
        "0", "00", "000", "0002", "0003"]


def test_another_gminas_unit_sees_none_of_these_classes(admin_a, admin_b, department_a,
                                                        department_b):
    unit_a, unit_b = department_a.unit, department_b.unit
    jrwa.load_default_jrwa(unit_a, acting_user=admin_a)

    assert selectors.current_jrwa_version(unit_b) is None
    assert selectors.final_class(unit_b, "0003") is None
    assert list(selectors.jrwa_classes(unit_b)) == []

    jrwa.import_jrwa(unit_b, parse_jrwa_csv(SMALL), acting_user=admin_b, name="Beta")
    assert {klass.municipality_id for klass in selectors.jrwa_classes(unit_a)} == {
        unit_a.municipality_id}
    assert selectors.jrwa_classes(unit_b).count() == 5
    assert selectors.final_class(unit_b, "1431") is None


# --- Command ----------------------------------------------------------------------------

def test_the_command_imports_the_shipped_table_for_a_unit(department_a):
    out = StringIO()
    call_command("import_jrwa", municipality="alfa", unit=department_a.unit.slug, stdout=out)
    assert f"alfa/{department_a.unit.slug}: new version" in out.getvalue()
    assert "7 verified" in out.getvalue()
    version = selectors.current_jrwa_version(department_a.unit)
    assert version.name == jrwa.DEFAULT_NAME
    assert AuditLog.objects.get(object_id=str(version.pk),
                                object_type="cases.jrwaversion").actor_label == "system"

    out = StringIO()
    call_command("import_jrwa", municipality="alfa", all_units=True, stdout=out)
    assert "unchanged" in out.getvalue()
    assert JrwaVersion.objects.count() == 1


def test_the_command_imports_a_given_file(department_a, tmp_path):
    path = tmp_path / "wykaz.csv"
    path.write_text(SMALL, encoding="utf-8")
    out = StringIO()
    # As when run from a shell: the command opens the wall for its own gmina only.
    previous = set_database_tenant("")
    try:
        call_command("import_jrwa", municipality="alfa", unit=department_a.unit.slug,
                     file=str(path), name="Wykaz testowy", stdout=out)
    finally:
        set_database_tenant(previous)
    assert "5 classes" in out.getvalue()
    assert selectors.current_jrwa_version(department_a.unit).name == "Wykaz testowy"


def test_the_command_refuses_an_unknown_gmina_or_unit(department_a):
    with pytest.raises(CommandError, match="No gmina with the slug 'nowhere'"):
        call_command("import_jrwa", municipality="nowhere", all_units=True)
    with pytest.raises(CommandError, match="No unit 'nowhere' in alfa"):
        call_command("import_jrwa", municipality="alfa", unit="nowhere")
    with pytest.raises(CommandError, match="--unit <slug> or --all-units"):
        call_command("import_jrwa", municipality="alfa")
    assert JrwaVersion.objects.count() == 0


def test_the_command_checks_a_file_without_importing(department_a, tmp_path):
    out = StringIO()
    call_command("import_jrwa", check=str(jrwa.DEFAULT_TABLE), stdout=out)
    assert ": valid, " in out.getvalue()

    bad = tmp_path / "bad.csv"
    bad.write_text(table("0,ZARZĄDZANIE,,,,0,"), encoding="utf-8")
    with pytest.raises(CommandError, match="Line 2: final class 0 has no archival category"):
        call_command("import_jrwa", check=str(bad))
    assert JrwaVersion.objects.count() == 0
