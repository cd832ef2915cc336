"""Forms declared as data: a JSON Schema of the answers plus a layout (pages, sections,
help, conditional fields, repeatable groups, attachments). See
docs/eservices-library-format.md.

The server is the authority: `validate` checks every shown field and answers with one
Polish message per field, keyed by a dotted path (`parcels.0.number`) in the order the
fields appear on the form, ready for a GOV.UK-style error summary. The JSON Schema
library checks the definitions themselves and re-checks the cleaned answers as a second
wall.
"""

from __future__ import annotations

import copy
import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from stdnum import iban as stdnum_iban
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)
from stdnum.pl import nip as stdnum_nip
from stdnum.pl import pesel as stdnum_pesel
from stdnum.pl import regon as stdnum_regon

FORMATS = ("date", "email", "phone", "pesel", "nip", "regon", "nrb", "iban", "postal-code",
           "locality", "land-register", "parcel", "ade")
WIDGETS = ("text", "textarea", "radio", "select", "checkbox")
PREFILL_KEYS = ("first_name", "last_name", "email", "phone", "pesel", "street", "building",
                "flat", "postal_code", "city")
ATTACHMENT_TYPES = ("pdf", "jpg", "png", "tif", "odt", "docx", "xml", "txt", "zip")
ATTACHMENT_ITEMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"filename": {"type": "string", "maxLength": 255},
                   "content": {"type": "string", "contentEncoding": "base64"}},
    "required": ["filename", "content"],
}
POSTAL_CODE = re.compile(r"^\d{2}-\d{3}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{9,20}$")
PARCEL = re.compile(r"^\d{1,6}(/\d{1,5})?$")
ADE = re.compile(r"^AE:PL-\d{5}-\d{5}-[A-Z]{5}-\d{2}$")
LAND_REGISTER = re.compile(r"^([A-Z0-9]{4})/(\d{8})/(\d)$")
_KW_VALUES = {**{str(digit): digit for digit in range(10)}, "X": 10, "A": 11, "B": 12,
              "C": 13, "D": 14, "E": 15, "F": 16, "G": 17, "H": 18, "I": 19, "J": 20,
              "K": 21, "L": 22, "M": 23, "N": 24, "O": 25, "P": 26, "R": 27, "S": 28,
              "T": 29, "U": 30, "W": 31, "Y": 32, "Z": 33}


class DefinitionError(ValueError):
    """A form definition that cannot be used; `problems` lists every reason in Polish."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Result:
    cleaned: dict
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


# --- Definitions ------------------------------------------------------------------------

def is_attachment(prop: dict) -> bool:
    return prop.get("type") == "array" and "x-attachment" in prop


def is_group(prop: dict) -> bool:
    return prop.get("type") == "array" and not is_attachment(prop)


def normalise_schema(schema: dict) -> dict:
    """The schema as published: attachment arrays get their item shape."""
    schema = copy.deepcopy(schema)
    for prop in schema.get("properties", {}).values():
        if is_attachment(prop):
            prop["items"] = copy.deepcopy(ATTACHMENT_ITEMS)
    return schema


def field_order(layout: dict) -> list[str]:
    return [name for page in layout.get("pages", []) for section in page.get("sections", [])
            for name in section.get("fields", [])]


def page_fields(layout: dict, page_index: int) -> list[str]:
    pages = layout.get("pages", [])
    if not 0 <= page_index < len(pages):
        return []
    return [name for section in pages[page_index].get("sections", [])
            for name in section.get("fields", [])]


def check_definition(schema: dict, layout: dict) -> list[str]:
    """Every reason why this schema and layout cannot be published (empty when fine)."""
    problems: list[str] = []
    try:
        Draft202012Validator.check_schema(normalise_schema(schema))
    except SchemaError as error:
        problems.append(f"Schemat JSON jest niepoprawny: {error.message}")
        return problems
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        return ["Schemat musi opisywać obiekt z polami (properties)."]
    properties = schema["properties"]
    if not properties:
        problems.append("Formularz nie ma żadnego pola.")
    for name in schema.get("required", []):
        if name not in properties:
            problems.append(f"Pole wymagane „{name}” nie istnieje w schemacie.")
    order = field_order(layout)
    if not layout.get("pages"):
        problems.append("Układ formularza nie ma żadnej strony.")
    for name in properties:
        count = order.count(name)
        if count == 0:
            problems.append(f"Pole „{name}” nie jest w żadnej sekcji układu.")
        elif count > 1:
            problems.append(f"Pole „{name}” występuje w układzie więcej niż raz.")
    for name in order:
        if name not in properties:
            problems.append(f"Układ wymienia pole „{name}”, którego nie ma w schemacie.")
    for name, prop in properties.items():
        problems.extend(_check_property(name, prop, nested=False))
    settings = layout.get("fields", {})
    for name, options in settings.items():
        if name not in properties:
            problems.append(f"Ustawienia układu dotyczą nieistniejącego pola „{name}”.")
            continue
        if options.get("widget", "text") not in WIDGETS:
            problems.append(f"Pole „{name}”: nieznany rodzaj kontrolki.")
        if options.get("prefill") and options["prefill"] not in PREFILL_KEYS:
            problems.append(f"Pole „{name}”: nieznane źródło podpowiedzi.")
        condition = options.get("show_if")
        if condition:
            other = condition.get("field")
            if other not in properties or other == name:
                problems.append(f"Pole „{name}”: warunek odnosi się do nieistniejącego pola.")
            elif name in order and other in order and order.index(other) > order.index(name):
                problems.append(f"Pole „{name}”: warunek musi dotyczyć pola wcześniejszego.")
            if "equals" not in condition and "in" not in condition:
                problems.append(f"Pole „{name}”: warunek potrzebuje „equals” albo „in”.")
    for check in layout.get("checks", []):
        kind = check.get("kind")
        names = {"pesel_birth_date": ("pesel", "birth_date"), "pesel_sex": ("pesel", "sex"),
                 "date_order": ("before", "after")}.get(kind)
        if names is None:
            problems.append(f"Nieznany rodzaj sprawdzenia „{kind}”.")
            continue
        for key in names:
            if check.get(key) not in properties:
                problems.append(f"Sprawdzenie „{kind}”: brak pola „{check.get(key)}”.")
    return problems


def _check_property(name: str, prop: dict, *, nested: bool) -> list[str]:
    problems = []
    label = f"Pole „{name}”"
    if not str(prop.get("title", "")).strip():
        problems.append(f"{label} nie ma etykiety (title).")
    kind = prop.get("type")
    if kind == "string":
        if "enum" in prop:
            titles = prop.get("x-enum-titles")
            if titles is not None and len(titles) != len(prop["enum"]):
                problems.append(f"{label}: liczba etykiet opcji różni się od liczby opcji.")
        elif prop.get("format") not in (*FORMATS, None):
            problems.append(f"{label}: nieznany format „{prop.get('format')}”.")
        elif "maxLength" not in prop and prop.get("format") is None:
            problems.append(f"{label}: pole tekstowe musi mieć maksymalną długość.")
    elif kind in ("integer", "number", "boolean"):
        pass
    elif kind == "array" and is_attachment(prop):
        if nested:
            problems.append(f"{label}: załączniki nie mogą być w grupie powtarzalnej.")
        options = prop["x-attachment"]
        accept = options.get("accept") or []
        if not accept or any(item not in ATTACHMENT_TYPES for item in accept):
            problems.append(f"{label}: dozwolone typy plików muszą pochodzić z listy "
                            f"{', '.join(ATTACHMENT_TYPES)}.")
        if not isinstance(options.get("max_size_mb"), int | float) or \
                options["max_size_mb"] <= 0:
            problems.append(f"{label}: podaj największy rozmiar pliku w MB.")
        if "maxItems" not in prop:
            problems.append(f"{label}: podaj największą liczbę plików (maxItems).")
    elif kind == "array":
        if nested:
            problems.append(f"{label}: grupa nie może zawierać grupy.")
        items = prop.get("items", {})
        if items.get("type") != "object" or not items.get("properties"):
            problems.append(f"{label}: grupa powtarzalna musi mieć pola (items.properties).")
        else:
            for sub_name, sub in items["properties"].items():
                problems.extend(_check_property(f"{name}.{sub_name}", sub, nested=True))
        if "maxItems" not in prop:
            problems.append(f"{label}: podaj największą liczbę pozycji (maxItems).")
    else:
        problems.append(f"{label}: nieobsługiwany typ „{kind}”.")
    return problems


def require_valid_definition(schema: dict, layout: dict) -> None:
    problems = check_definition(schema, layout)
    if problems:
        raise DefinitionError(problems)


# --- Visibility and prefill --------------------------------------------------------------

def _condition_holds(condition: dict, data: dict) -> bool:
    value = data.get(condition["field"])
    if "equals" in condition:
        return value == condition["equals"]
    return value in condition.get("in", [])


def shown_fields(schema: dict, layout: dict, data: dict) -> list[str]:
    """The top-level fields shown for these answers, in form order."""
    settings = layout.get("fields", {})
    shown = []
    for name in field_order(layout):
        if name not in schema.get("properties", {}):
            continue
        condition = settings.get(name, {}).get("show_if")
        if condition and (condition["field"] not in shown
                          or not _condition_holds(condition, data)):
            continue
        shown.append(name)
    return shown


def prefill(schema: dict, layout: dict, values: dict) -> dict:
    """Answers taken from the resident's account for fields that ask for them."""
    data = {}
    for name, options in layout.get("fields", {}).items():
        source = options.get("prefill")
        if source and values.get(source) and name in schema.get("properties", {}):
            data[name] = values[source]
    return data


# --- Validation --------------------------------------------------------------------------

def validate(schema: dict, layout: dict, data: dict, *, localities: list[str] | None = None,
             only: list[str] | None = None, reject_unknown: bool = False) -> Result:
    """Check answers against a form. `only` limits the check to some top-level fields (one
    page); hidden fields are dropped. Attachment fields are checked by the caller (their
    bytes), here only their count."""
    if not isinstance(data, dict):
        return Result({}, {"__all__": "Dane formularza muszą być obiektem JSON."})
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    shown = shown_fields(schema, layout, data)
    names = [name for name in shown if only is None or name in only]
    cleaned: dict = {}
    errors: dict[str, str] = {}
    context = {"localities": localities}
    if reject_unknown:
        for name in data:
            if name not in properties:
                errors[name] = f"Formularz nie ma pola „{name}”."
    for name in names:
        prop = properties[name]
        if is_attachment(prop):
            continue
        value = _clean_value(name, prop, data.get(name), name in required, errors, context)
        if value is not None:
            cleaned[name] = value
    for check in layout.get("checks", []):
        _run_check(check, properties, cleaned, errors)
    if not errors:
        _second_wall(schema, cleaned, errors)
    return Result(cleaned, errors)


def _title(prop: dict, fallback: str) -> str:
    return str(prop.get("title") or fallback)


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {} or (
        isinstance(value, str) and not value.strip())


def _clean_value(path: str, prop: dict, value, is_required: bool, errors: dict, context: dict):
    title = _title(prop, path)
    kind = prop.get("type")
    if kind == "boolean":
        checked = value in (True, "true", "on", "1", 1, "tak")
        if value not in (None, "", False, True, "true", "false", "on", "1", "0", 0, 1,
                         "tak", "nie"):
            errors[path] = f"Pole „{title}” przyjmuje tylko odpowiedź tak albo nie."
            return None
        if is_required and not checked:
            errors[path] = f"Zaznacz pole „{title}”."
            return None
        return checked
    if is_group(prop):
        return _clean_group(path, prop, value, is_required, errors, context)
    if _is_empty(value):
        if is_required:
            errors[path] = (f"Wybierz odpowiedź w polu „{title}”." if "enum" in prop
                            or prop.get("format") == "locality"
                            else f"Pole „{title}” jest wymagane.")
        return None
    if kind == "string":
        return _clean_string(path, prop, value, title, errors, context)
    if kind in ("integer", "number"):
        return _clean_number(path, prop, value, title, errors)
    errors[path] = f"Pole „{title}” ma nieobsługiwany typ."
    return None


def _clean_string(path, prop, value, title, errors, context):
    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        else:
            errors[path] = f"Pole „{title}” musi być tekstem."
            return None
    value = value.strip()
    if "enum" in prop:
        if value not in prop["enum"]:
            errors[path] = f"Wybierz jedną z podanych odpowiedzi w polu „{title}”."
            return None
        return value
    if "maxLength" in prop and len(value) > prop["maxLength"]:
        errors[path] = (f"Pole „{title}” może mieć najwyżej {prop['maxLength']} znaków "
                        f"(wpisano {len(value)}).")
        return None
    if "minLength" in prop and len(value) < prop["minLength"]:
        errors[path] = f"Pole „{title}” musi mieć co najmniej {prop['minLength']} znaków."
        return None
    form = prop.get("format")
    if form is None:
        return value
    checker = _FORMAT_CHECKS.get(form)
    if checker is None:
        return value
    try:
        return checker(value, title, context)
    except FieldError as error:
        errors[path] = str(error)
        return None


def _clean_number(path, prop, value, title, errors):
    kind = prop["type"]
    if isinstance(value, bool):
        errors[path] = f"W polu „{title}” wpisz liczbę."
        return None
    text = str(value).strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = Decimal(text)
        if not number.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors[path] = (f"W polu „{title}” wpisz liczbę całkowitą." if kind == "integer"
                        else f"W polu „{title}” wpisz liczbę, np. 12,50.")
        return None
    if kind == "integer" and number != number.to_integral_value():
        errors[path] = f"W polu „{title}” wpisz liczbę całkowitą."
        return None
    minimum, maximum = prop.get("minimum"), prop.get("maximum")
    if minimum is not None and number < Decimal(str(minimum)):
        errors[path] = f"Wartość w polu „{title}” nie może być mniejsza niż {_plain(minimum)}."
        return None
    if maximum is not None and number > Decimal(str(maximum)):
        errors[path] = f"Wartość w polu „{title}” nie może być większa niż {_plain(maximum)}."
        return None
    step = prop.get("multipleOf")
    if step is not None and number % Decimal(str(step)) != 0:
        decimals = max(0, -Decimal(str(step)).as_tuple().exponent)
        errors[path] = (f"W polu „{title}” wpisz liczbę z najwyżej {decimals} "
                        f"miejscami po przecinku." if decimals else
                        f"W polu „{title}” wpisz wielokrotność {_plain(step)}.")
        return None
    if kind == "integer":
        return int(number)
    return int(number) if number == number.to_integral_value() else float(number)


def _plain(number) -> str:
    return str(number).replace(".", ",")


def _clean_group(path, prop, value, is_required, errors, context):
    title = _title(prop, path)
    items = value if isinstance(value, list) else []
    if value not in (None, "") and not isinstance(value, list):
        errors[path] = f"Pole „{title}” musi być listą pozycji."
        return None
    items = [item for item in items if isinstance(item, dict) and not all(
        _is_empty(part) or part is False for part in item.values())]
    minimum = prop.get("minItems", 1 if is_required else 0)
    if len(items) < minimum:
        errors[path] = (f"Dodaj co najmniej {minimum} "
                        f"{_plural(minimum, 'pozycję', 'pozycje', 'pozycji')} w części "
                        f"„{title}”.")
        return None
    if "maxItems" in prop and len(items) > prop["maxItems"]:
        errors[path] = (f"W części „{title}” może być najwyżej {prop['maxItems']} "
                        f"{_plural(prop['maxItems'], 'pozycja', 'pozycje', 'pozycji')}.")
        return None
    item_schema = prop.get("items", {})
    item_required = set(item_schema.get("required", []))
    cleaned = []
    for index, item in enumerate(items):
        row = {}
        for name, sub in item_schema.get("properties", {}).items():
            sub = dict(sub, title=f"{title}, pozycja {index + 1}: {_title(sub, name)}")
            result = _clean_value(f"{path}.{index}.{name}", sub, item.get(name),
                                  name in item_required, errors, context)
            if result is not None:
                row[name] = result
        cleaned.append(row)
    return cleaned or None


def _plural(count: int, one: str, few: str, many: str) -> str:
    if count == 1:
        return one
    if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        return few
    return many


def _run_check(check: dict, properties: dict, cleaned: dict, errors: dict) -> None:
    kind = check.get("kind")
    if kind == "pesel_birth_date":
        pesel, born = cleaned.get(check["pesel"]), cleaned.get(check["birth_date"])
        if pesel and born and stdnum_pesel.get_birth_date(pesel).isoformat() != born:
            errors[check["birth_date"]] = (
                f"Data w polu „{_title(properties[check['birth_date']], 'data urodzenia')}” "
                f"nie zgadza się z numerem PESEL "
                f"({stdnum_pesel.get_birth_date(pesel).isoformat()}).")
    elif kind == "pesel_sex":
        pesel, sex = cleaned.get(check["pesel"]), cleaned.get(check["sex"])
        if pesel and sex:
            expected = "K" if stdnum_pesel.get_gender(pesel) == "F" else "M"
            if sex != expected:
                errors[check["sex"]] = (
                    f"Odpowiedź w polu „{_title(properties[check['sex']], 'płeć')}” nie "
                    f"zgadza się z numerem PESEL.")
    elif kind == "date_order":
        before, after = cleaned.get(check["before"]), cleaned.get(check["after"])
        if before and after and after < before:
            errors[check["after"]] = (
                f"Data w polu „{_title(properties[check['after']], check['after'])}” nie może "
                f"być wcześniejsza niż w polu "
                f"„{_title(properties[check['before']], check['before'])}”.")


def _second_wall(schema: dict, cleaned: dict, errors: dict) -> None:
    """The cleaned answers must satisfy the published JSON Schema itself; anything the field
    checks above missed is reported at its place rather than stored."""
    structural = copy.deepcopy(normalise_schema(schema))
    structural.pop("required", None)
    for prop in _walk_properties(structural):
        if is_attachment(prop):
            prop.pop("minItems", None)
        # Decimal steps were checked exactly above; jsonschema's float arithmetic would
        # refuse 1.2 as a multiple of 0.0001.
        prop.pop("multipleOf", None)
    validator = Draft202012Validator(structural)
    for error in validator.iter_errors(cleaned):
        path = ".".join(str(part) for part in error.absolute_path) or "__all__"
        errors.setdefault(path, "Wartość tego pola nie pasuje do formularza.")


def _walk_properties(schema: dict):
    for prop in schema.get("properties", {}).values():
        yield prop
        if is_group(prop):
            prop.get("items", {}).pop("required", None)
            yield from prop.get("items", {}).get("properties", {}).values()


# --- Formats -----------------------------------------------------------------------------

class FieldError(ValueError):
    pass


def _check_date(value, title, context):
    try:
        parsed = datetime.date.fromisoformat(value)
    except ValueError:
        match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", value)
        try:
            parsed = datetime.date(int(match[3]), int(match[2]), int(match[1])) if match \
                else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise FieldError(f"W polu „{title}” wpisz prawdziwą datę, np. 2026-03-27.") \
                from None
    if not 1900 <= parsed.year <= 2100:
        raise FieldError(f"W polu „{title}” wpisz datę z lat 1900–2100.")
    return parsed.isoformat()


def _check_email(value, title, context):
    try:
        validate_email(value)
    except DjangoValidationError:
        raise FieldError(f"W polu „{title}” wpisz adres e-mail w postaci "
                         f"nazwa@domena.pl.") from None
    return value


def _check_phone(value, title, context):
    if not PHONE.fullmatch(value) or not 9 <= len(re.sub(r"\D", "", value)) <= 15:
        raise FieldError(f"W polu „{title}” wpisz numer telefonu (9–15 cyfr), "
                         f"np. 81 123 45 67.")
    return value


def _stdnum_message(error: ValidationError, title: str, name: str, length: str) -> str:
    if isinstance(error, InvalidLength):
        return f"{name} w polu „{title}” musi mieć {length}."
    if isinstance(error, InvalidFormat):
        return f"{name} w polu „{title}” może zawierać tylko cyfry."
    if isinstance(error, InvalidChecksum):
        return (f"{name} w polu „{title}” jest nieprawidłowy: nie zgadza się cyfra "
                f"kontrolna. Sprawdź, czy nie ma literówki.")
    if isinstance(error, InvalidComponent):
        return f"{name} w polu „{title}” zawiera niemożliwą datę urodzenia."
    return f"{name} w polu „{title}” jest nieprawidłowy."


def _check_pesel(value, title, context):
    try:
        return stdnum_pesel.validate(value)
    except ValidationError as error:
        raise FieldError(_stdnum_message(error, title, "Numer PESEL", "11 cyfr")) from None


def _check_nip(value, title, context):
    try:
        return stdnum_nip.validate(value)
    except ValidationError as error:
        raise FieldError(_stdnum_message(error, title, "Numer NIP", "10 cyfr")) from None


def _check_regon(value, title, context):
    try:
        return stdnum_regon.validate(value)
    except ValidationError as error:
        raise FieldError(_stdnum_message(error, title, "Numer REGON", "9 albo 14 cyfr")) \
            from None


def _check_nrb(value, title, context):
    digits = re.sub(r"[\s-]", "", value)
    if digits.upper().startswith("PL"):
        digits = digits[2:]
    if not digits.isdigit():
        raise FieldError(f"Numer rachunku w polu „{title}” może zawierać tylko cyfry.")
    if len(digits) != 26:
        raise FieldError(f"Numer rachunku w polu „{title}” musi mieć 26 cyfr "
                         f"(wpisano {len(digits)}).")
    try:
        stdnum_iban.validate("PL" + digits)
    except ValidationError:
        raise FieldError(f"Numer rachunku w polu „{title}” jest nieprawidłowy: nie zgadzają "
                         f"się cyfry kontrolne. Sprawdź, czy nie ma literówki.") from None
    return digits


def _check_iban(value, title, context):
    try:
        return stdnum_iban.validate(value)
    except ValidationError:
        raise FieldError(f"Numer IBAN w polu „{title}” jest nieprawidłowy.") from None


def _check_postal_code(value, title, context):
    if re.fullmatch(r"\d{5}", value):
        value = f"{value[:2]}-{value[2:]}"
    if not POSTAL_CODE.fullmatch(value):
        raise FieldError(f"Kod pocztowy w polu „{title}” wpisz w postaci 00-000.")
    return value


def _check_locality(value, title, context):
    localities = context.get("localities")
    if localities is not None and value not in localities:
        raise FieldError(f"W polu „{title}” wybierz miejscowość z listy miejscowości gminy.")
    return value


def land_register_check_digit(court: str, number: str) -> int:
    """The check digit of a land-register (księga wieczysta) number."""
    weights = (1, 3, 7)
    characters = court + number
    return sum(_KW_VALUES[character] * weights[index % 3]
               for index, character in enumerate(characters)) % 10


def _check_land_register(value, title, context):
    value = value.upper().replace(" ", "")
    match = LAND_REGISTER.fullmatch(value)
    if match is None or any(character not in _KW_VALUES for character in match[1]):
        raise FieldError(f"Numer księgi wieczystej w polu „{title}” wpisz w postaci "
                         f"LU1I/00012345/6.")
    if land_register_check_digit(match[1], match[2]) != int(match[3]):
        raise FieldError(f"Numer księgi wieczystej w polu „{title}” jest nieprawidłowy: "
                         f"nie zgadza się cyfra kontrolna.")
    return value


def _check_parcel(value, title, context):
    if not PARCEL.fullmatch(value):
        raise FieldError(f"Numer działki w polu „{title}” wpisz w postaci 123 albo 123/4.")
    return value


def _check_ade(value, title, context):
    if not ADE.fullmatch(value):
        raise FieldError(f"Adres do doręczeń elektronicznych w polu „{title}” wpisz w postaci "
                         f"AE:PL-12345-67890-ABCDE-12.")
    return value


_FORMAT_CHECKS = {
    "date": _check_date, "email": _check_email, "phone": _check_phone,
    "pesel": _check_pesel, "nip": _check_nip, "regon": _check_regon, "nrb": _check_nrb,
    "iban": _check_iban, "postal-code": _check_postal_code, "locality": _check_locality,
    "land-register": _check_land_register, "parcel": _check_parcel, "ade": _check_ade,
}


# --- HTML forms --------------------------------------------------------------------------

def data_from_post(schema: dict, names: list[str], post) -> dict:
    """Answers from an HTML form post for these top-level fields. A group is posted as
    `<group>-<i>-<field>` with `<group>-count` rows."""
    properties = schema.get("properties", {})
    data: dict = {}
    for name in names:
        prop = properties.get(name)
        if prop is None or is_attachment(prop):
            continue
        if is_group(prop):
            try:
                count = min(int(post.get(f"{name}-count", "0")), prop.get("maxItems", 50))
            except ValueError:
                count = 0
            rows = []
            for index in range(max(count, 0)):
                row = {}
                for sub_name, sub in prop.get("items", {}).get("properties", {}).items():
                    key = f"{name}-{index}-{sub_name}"
                    row[sub_name] = (key in post and post.get(key) != "") \
                        if sub.get("type") == "boolean" else post.get(key, "")
                rows.append(row)
            data[name] = rows
        elif prop.get("type") == "boolean":
            data[name] = name in post and post.get(name) not in ("", "0", "false")
        else:
            data[name] = post.get(name, "")
    return data


def error_anchor(path: str) -> str:
    return "field-" + path.replace(".", "-")
