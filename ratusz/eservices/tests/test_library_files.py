"""The platform-wide service library (ratusz/eservices/library/*.json): every file is a
complete service card with a usable form, as docs/eservices-library-format.md describes.

These tests read the JSON files only; they check the files the way a gmina will receive
them, independently of the e-services code that loads them. No database is needed.
"""

import csv
import datetime
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from stdnum import iban as stdnum_iban
from stdnum.pl import nip as stdnum_nip
from stdnum.pl import pesel as stdnum_pesel
from stdnum.pl import regon as stdnum_regon

LIBRARY_DIR = Path(__file__).resolve().parents[1] / "library"
JRWA_CSV = Path(__file__).resolve().parents[2] / "cases" / "data" / "jrwa_gmina_2011.csv"

KEYS = {
    "slug": str, "name": str, "category": str, "summary": str, "purpose": str,
    "who_may_apply": str, "required_documents": list, "fee": (dict, type(None)),
    "deadline_days": int, "deadline_description": str, "legal_basis": list,
    "department": str, "jrwa_symbol": str, "maturity_level": int,
    "requires_identification": bool, "allows_anonymous": bool, "keywords": list,
    "form": dict, "example": dict,
}
CATEGORIES = {"taxes", "waste", "civil", "land", "environment", "roads", "business",
              "social", "education", "general"}
DEPARTMENTS = {"OR", "FN", "GK", "IN", "RG", "SO", "USC"}
ANONYMOUS_SLUGS = {
    "wniosek-o-udostepnienie-informacji-publicznej", "petycja", "skarga", "wniosek-kpa",
    "pismo-ogolne", "wniosek-o-zapewnienie-dostepnosci",
    "wniosek-o-ponowne-wykorzystywanie-informacji",
}
# Lengths of the card's database columns (ratusz/eservices/models.py).
MAX_LENGTHS = {"slug": 80, "name": 200, "summary": 300, "deadline_description": 300}
FORM_TITLE_MAX = 200

FORMATS = {"date", "email", "phone", "pesel", "nip", "regon", "nrb", "iban", "postal-code",
           "locality", "land-register", "parcel", "ade"}
WIDGETS = {"text", "textarea", "radio", "select", "checkbox"}
PREFILL_KEYS = {"first_name", "last_name", "email", "phone", "pesel", "birth_date", "street",
                "building", "flat", "postal_code", "city", "tax_authority", "country",
                "voivodeship", "county", "commune"}
ATTACHMENT_TYPES = {"pdf", "jpg", "png", "tif", "odt", "docx", "xml", "txt", "zip"}
CHECK_FIELDS = {"pesel_birth_date": ("pesel", "birth_date"), "pesel_sex": ("pesel", "sex"),
                "date_order": ("before", "after")}

KW_VALUES = {**{str(digit): digit for digit in range(10)}, "X": 10, "A": 11, "B": 12, "C": 13,
             "D": 14, "E": 15, "F": 16, "G": 17, "H": 18, "I": 19, "J": 20, "K": 21, "L": 22,
             "M": 23, "N": 24, "O": 25, "P": 26, "R": 27, "S": 28, "T": 29, "U": 30, "W": 31,
             "Y": 32, "Z": 33}


def _load_library() -> list[tuple[Path, dict]]:
    return [(path, json.loads(path.read_text(encoding="utf-8")))
            for path in sorted(LIBRARY_DIR.glob("*.json"))]


LIBRARY = _load_library()
SERVICES = [service for _, service in LIBRARY]
IDS = [path.stem for path, _ in LIBRARY]


def _final_jrwa_classes() -> set[str]:
    with JRWA_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["symbol"].strip() for row in csv.DictReader(handle)
                if row["category"].strip()}


FINAL_JRWA = _final_jrwa_classes()


def is_attachment(prop: dict) -> bool:
    return prop.get("type") == "array" and "x-attachment" in prop


def is_group(prop: dict) -> bool:
    return prop.get("type") == "array" and not is_attachment(prop)


def field_order(layout: dict) -> list[str]:
    return [name for page in layout["pages"] for section in page["sections"]
            for name in section["fields"]]


def shown_fields(schema: dict, layout: dict, data: dict) -> list[str]:
    settings = layout.get("fields", {})
    shown: list[str] = []
    for name in field_order(layout):
        condition = settings.get(name, {}).get("show_if")
        if condition:
            value = data.get(condition["field"])
            holds = (value == condition["equals"] if "equals" in condition
                     else value in condition["in"])
            if condition["field"] not in shown or not holds:
                continue
        shown.append(name)
    return shown


# --- formats, checked the way the law defines them --------------------------------------

def land_register_is_valid(value: str) -> bool:
    match = re.fullmatch(r"([A-Z0-9]{4})/(\d{8})/(\d)", value)
    if match is None or any(character not in KW_VALUES for character in match[1]):
        return False
    characters = match[1] + match[2]
    total = sum(KW_VALUES[character] * (1, 3, 7)[index % 3]
                for index, character in enumerate(characters))
    return total % 10 == int(match[3])


def nrb_is_valid(value: str) -> bool:
    digits = re.sub(r"[\s-]", "", value)
    return re.fullmatch(r"\d{26}", digits) is not None and stdnum_iban.is_valid("PL" + digits)


def date_is_valid(value: str) -> bool:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is None:
        return False
    try:
        return 1900 <= datetime.date.fromisoformat(value).year <= 2100
    except ValueError:
        return False


FORMAT_CHECKS = {
    "pesel": stdnum_pesel.is_valid,
    "nip": stdnum_nip.is_valid,
    "regon": stdnum_regon.is_valid,
    "nrb": nrb_is_valid,
    "iban": stdnum_iban.is_valid,
    "postal-code": lambda value: re.fullmatch(r"\d{2}-\d{3}", value) is not None,
    "date": date_is_valid,
    "phone": lambda value: (re.fullmatch(r"\+?[0-9 ()-]{9,20}", value) is not None
                            and 9 <= len(re.sub(r"\D", "", value)) <= 15),
    "land-register": land_register_is_valid,
    "parcel": lambda value: re.fullmatch(r"\d{1,6}(/\d{1,5})?", value) is not None,
    "ade": lambda value: re.fullmatch(r"AE:PL-\d{5}-\d{5}-[A-Z]{5}-\d{2}", value) is not None,
    # The tests map "Jastków" to a real locality of the gmina; here any text is accepted.
    "locality": lambda value: bool(value.strip()),
}


def format_checker() -> FormatChecker:
    checker = FormatChecker()
    for name, function in FORMAT_CHECKS.items():
        checker.checks(name)(lambda value, function=function: not isinstance(value, str)
                             or function(value))
    return checker


# --- the library as a whole ------------------------------------------------------------

def test_the_library_has_at_least_fifty_services():
    assert len(LIBRARY) >= 50


def test_slugs_are_unique_and_equal_to_file_names():
    slugs = [service["slug"] for service in SERVICES]
    assert len(slugs) == len(set(slugs))
    for path, service in LIBRARY:
        assert path.stem == service["slug"]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", service["slug"])


def test_the_general_letter_is_in_the_library():
    assert "pismo-ogolne" in {service["slug"] for service in SERVICES}


def test_exactly_the_seven_open_services_allow_anonymous_use():
    assert {service["slug"] for service in SERVICES if service["allows_anonymous"]} == \
        ANONYMOUS_SLUGS


# --- each card --------------------------------------------------------------------------

@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_card_has_the_required_keys_and_types(service):
    assert set(service) == set(KEYS)
    for key, kind in KEYS.items():
        assert isinstance(service[key], kind), key
    for key in ("name", "summary", "purpose", "who_may_apply", "deadline_description"):
        assert service[key].strip(), key
    for key, limit in MAX_LENGTHS.items():
        assert len(service[key]) <= limit, key
    for key in ("required_documents", "legal_basis", "keywords"):
        assert service[key], key
        assert all(isinstance(item, str) and item.strip() for item in service[key]), key


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_card_values_are_allowed(service):
    assert service["category"] in CATEGORIES
    assert service["department"] in DEPARTMENTS
    assert 3 <= service["maturity_level"] <= 5  # an online form is at least level 3
    assert 1 <= service["deadline_days"] <= 365
    if service["allows_anonymous"]:
        assert service["requires_identification"] is False


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_fee_is_null_or_a_positive_amount_with_a_description(service):
    fee = service["fee"]
    if fee is None:
        return
    assert set(fee) == {"amount", "description"}
    assert fee["description"].strip()
    if fee["amount"] is not None:
        assert re.fullmatch(r"\d+\.\d{2}", fee["amount"])
        assert float(fee["amount"]) > 0


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_jrwa_symbol_is_a_final_class(service):
    assert service["jrwa_symbol"] in FINAL_JRWA


# --- each form --------------------------------------------------------------------------

@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_schema_is_valid_json_schema(service):
    form = service["form"]
    assert set(form) == {"title", "schema", "layout"}
    assert form["title"].strip() and len(form["title"]) <= FORM_TITLE_MAX
    schema = form["schema"]
    Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert schema["properties"]
    assert set(schema.get("required", [])) <= set(schema["properties"])


def _check_property(path: str, prop: dict, *, nested: bool) -> None:
    assert str(prop.get("title", "")).strip(), f"{path}: no title"
    kind = prop.get("type")
    if kind == "string":
        if "enum" in prop:
            assert prop["enum"] and len(set(prop["enum"])) == len(prop["enum"]), path
            assert len(prop.get("x-enum-titles", [])) == len(prop["enum"]), path
        else:
            assert isinstance(prop.get("maxLength"), int) and prop["maxLength"] > 0, \
                f"{path}: text without maxLength"
            assert prop.get("format") is None or prop["format"] in FORMATS, path
    elif kind in ("integer", "number"):
        assert "minimum" in prop and "maximum" in prop, f"{path}: number without bounds"
        assert prop["minimum"] < prop["maximum"], path
    elif kind == "boolean":
        pass
    elif is_attachment(prop):
        assert not nested, f"{path}: attachments inside a group"
        assert "items" not in prop, path
        assert isinstance(prop.get("maxItems"), int) and prop["maxItems"] >= 1, path
        options = prop["x-attachment"]
        assert options["accept"] and set(options["accept"]) <= ATTACHMENT_TYPES, path
        assert all(item == item.lower() for item in options["accept"]), path
        assert isinstance(options["max_size_mb"], int | float) and \
            options["max_size_mb"] > 0, path
    elif kind == "array":
        assert not nested, f"{path}: a group inside a group"
        assert isinstance(prop.get("minItems"), int), f"{path}: group without minItems"
        assert isinstance(prop.get("maxItems"), int), f"{path}: group without maxItems"
        assert prop["minItems"] <= prop["maxItems"], path
        items = prop["items"]
        assert items["type"] == "object" and items["additionalProperties"] is False, path
        assert items["properties"], path
        assert set(items.get("required", [])) <= set(items["properties"]), path
        for name, sub in items["properties"].items():
            _check_property(f"{path}.{name}", sub, nested=True)
    else:
        pytest.fail(f"{path}: unsupported type {kind!r}")


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_every_property_has_a_supported_shape(service):
    for name, prop in service["form"]["schema"]["properties"].items():
        _check_property(name, prop, nested=False)


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_required_attachments_accept_pdf(service):
    # The example leaves attachments out; whoever submits it adds a small PDF to each
    # required attachment field.
    schema = service["form"]["schema"]
    for name in schema.get("required", []):
        prop = schema["properties"][name]
        if is_attachment(prop):
            assert "pdf" in prop["x-attachment"]["accept"], name


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_every_property_is_in_exactly_one_layout_section(service):
    schema, layout = service["form"]["schema"], service["form"]["layout"]
    assert layout["pages"]
    for page in layout["pages"]:
        assert page["title"].strip() and page["sections"]
        for section in page["sections"]:
            assert section["title"].strip() and section["fields"]
    order = field_order(layout)
    assert sorted(order) == sorted(schema["properties"])
    assert len(order) == len(set(order))


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_layout_settings_refer_to_earlier_existing_fields(service):
    schema, layout = service["form"]["schema"], service["form"]["layout"]
    properties = schema["properties"]
    order = field_order(layout)
    for name, options in layout.get("fields", {}).items():
        assert name in properties, name
        assert set(options) <= {"widget", "help", "show_if", "prefill"}, name
        assert options.get("widget", "text") in WIDGETS, name
        if options.get("widget") == "checkbox":
            assert properties[name]["type"] == "boolean", name
        if options.get("widget") in ("radio", "select"):
            assert "enum" in properties[name], name
        if "prefill" in options:
            assert options["prefill"] in PREFILL_KEYS, name
        condition = options.get("show_if")
        if condition:
            other = condition["field"]
            assert other in properties, f"{name}: show_if on a missing field"
            assert order.index(other) < order.index(name), f"{name}: show_if on a later field"
            assert ("equals" in condition) != ("in" in condition), name
            values = [condition["equals"]] if "equals" in condition else condition["in"]
            target = properties[other]
            for value in values:
                if "enum" in target:
                    assert value in target["enum"], f"{name}: show_if value {value!r}"
                elif target["type"] == "boolean":
                    assert isinstance(value, bool), name
    for check in layout.get("checks", []):
        assert check["kind"] in CHECK_FIELDS
        for key in CHECK_FIELDS[check["kind"]]:
            assert check[key] in properties, f"{check['kind']}: {check[key]}"
        if check["kind"] == "pesel_sex":
            assert properties[check["sex"]]["enum"] == ["K", "M"]
        if check["kind"] in ("pesel_birth_date", "pesel_sex"):
            assert properties[check["pesel"]].get("format") == "pesel"
        if check["kind"] == "pesel_birth_date":
            assert properties[check["birth_date"]].get("format") == "date"
        if check["kind"] == "date_order":
            assert properties[check["before"]].get("format") == "date"
            assert properties[check["after"]].get("format") == "date"


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_example_is_valid_for_the_form(service):
    schema, layout = service["form"]["schema"], service["form"]["layout"]
    example = service["example"]
    properties = schema["properties"]
    assert example, "the example is empty"
    attachments = {name for name, prop in properties.items() if is_attachment(prop)}
    assert not attachments & set(example), "attachments belong out of the example"
    shown = shown_fields(schema, layout, example)
    hidden_in_example = set(example) - set(shown)
    assert not hidden_in_example, f"the example fills hidden fields {hidden_in_example}"
    checked = {
        **schema,
        "properties": {name: prop for name, prop in properties.items()
                       if name not in attachments},
        "required": [name for name in schema.get("required", [])
                     if name in shown and name not in attachments],
    }
    validator = Draft202012Validator(checked, format_checker=format_checker())
    errors = [f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
              for error in validator.iter_errors(example)]
    assert not errors, errors
    required = set(schema.get("required", []))
    for name in shown:
        if properties[name].get("type") == "boolean" and name in required:
            assert example.get(name) is True, f"{name}: a required checkbox must be ticked"


@pytest.mark.parametrize("service", SERVICES, ids=IDS)
def test_example_passes_the_forms_cross_checks(service):
    example = service["example"]
    for check in service["form"]["layout"].get("checks", []):
        if check["kind"] == "pesel_birth_date":
            number, born = example.get(check["pesel"]), example.get(check["birth_date"])
            if number and born:
                assert stdnum_pesel.get_birth_date(number).isoformat() == born
        elif check["kind"] == "pesel_sex":
            number, sex = example.get(check["pesel"]), example.get(check["sex"])
            if number and sex:
                assert ("K" if stdnum_pesel.get_gender(number) == "F" else "M") == sex
        elif check["kind"] == "date_order":
            before, after = example.get(check["before"]), example.get(check["after"])
            if before and after:
                assert before <= after
