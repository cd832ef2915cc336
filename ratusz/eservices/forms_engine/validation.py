"""Checking answers against a form: every shown field, one message per field keyed by a
dotted path (`parcels.0.number`), the cross-field checks of the layout, and the published
JSON Schema as a second wall."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from jsonschema import Draft202012Validator
from stdnum.pl import pesel as stdnum_pesel

from ratusz.core.text import describe, first_unsafe_character
from ratusz.eservices.errors import lazy_message
from ratusz.eservices.forms_engine.definitions import (
    is_attachment,
    is_group,
    normalise_schema,
    shown_fields,
)
from ratusz.eservices.forms_engine.formats import FORMAT_CHECKS, FieldError

#: The longest answer of a text field whose schema sets no `maxLength`.
DEFAULT_MAX_LENGTH = 10_000


@dataclass
class Result:
    cleaned: dict
    errors: dict = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def validate(schema: dict, layout: dict, data: dict, *, localities: list[str] | None = None,
             only: list[str] | None = None, reject_unknown: bool = False) -> Result:
    """Check answers against a form. `only` limits the check to some top-level fields (one
    page); hidden fields are dropped. Attachment fields are checked by the caller (their
    bytes), here only their count."""
    if not isinstance(data, dict):
        return Result({}, {"__all__": _("The form's data must be a JSON object.")})
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    shown = shown_fields(schema, layout, data)
    names = [name for name in shown if only is None or name in only]
    cleaned: dict = {}
    errors: dict = {}
    context = {"localities": localities}
    if reject_unknown:
        for name in data:
            if name not in properties:
                errors[name] = lazy_message(_("The form has no field “%(name)s”."), name=name)
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


def _title(prop: dict, fallback):
    return prop.get("title") or fallback


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {} or (
        isinstance(value, str) and not value.strip())


def _clean_value(path: str, prop: dict, value, is_required: bool, errors: dict, context: dict):
    title = _title(prop, path)
    kind = prop.get("type")

    def error(message, **params):
        errors[path] = lazy_message(message, title=title, **params)

    if kind == "boolean":
        checked = value in (True, "true", "on", "1", 1, "tak")
        if value not in (None, "", False, True, "true", "false", "on", "1", "0", 0, 1,
                         "tak", "nie"):
            error(_("The field “%(title)s” takes only the answer yes or no."))
            return None
        if is_required and not checked:
            error(_("Tick the field “%(title)s”."))
            return None
        return checked
    if is_group(prop):
        return _clean_group(path, prop, value, is_required, errors, context)
    if _is_empty(value):
        if is_required:
            if "enum" in prop or prop.get("format") == "locality":
                error(_("Choose an answer in the field “%(title)s”."))
            else:
                error(_("The field “%(title)s” is required."))
        return None
    if kind == "string":
        return _clean_string(path, prop, value, title, errors, context)
    if kind in ("integer", "number"):
        return _clean_number(path, prop, value, title, errors)
    error(_("The field “%(title)s” has an unsupported type."))
    return None


def _clean_string(path, prop, value, title, errors, context):
    def error(message, **params):
        errors[path] = lazy_message(message, title=title, **params)

    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        else:
            error(_("The field “%(title)s” must be text."))
            return None
    value = value.strip()
    character = first_unsafe_character(value)
    if character is not None:
        error(_("The field “%(title)s” contains an invisible control character (%(code)s) "
                "that cannot be accepted. Remove it and try again."),
              code=describe(character))
        return None
    if "enum" in prop:
        if value not in prop["enum"]:
            error(_("Choose one of the given answers in the field “%(title)s”."))
            return None
        return value
    limit = prop.get("maxLength", DEFAULT_MAX_LENGTH)
    if len(value) > limit:
        error(_("The field “%(title)s” may have at most %(limit)s characters (%(count)s "
                "entered)."), limit=limit, count=len(value))
        return None
    if "minLength" in prop and len(value) < prop["minLength"]:
        error(_("The field “%(title)s” must have at least %(limit)s characters."),
              limit=prop["minLength"])
        return None
    form = prop.get("format")
    if form is None:
        return value
    checker = FORMAT_CHECKS.get(form)
    if checker is None:
        return value
    try:
        return checker(value, title, context)
    except FieldError as refusal:
        errors[path] = refusal.message
        return None


def _clean_number(path, prop, value, title, errors):
    def error(message, **params):
        errors[path] = lazy_message(message, title=title, **params)

    kind = prop["type"]
    if isinstance(value, bool):
        error(_("In the field “%(title)s” enter a number."))
        return None
    text = str(value).strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = Decimal(text)
        if not number.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        if kind == "integer":
            error(_("In the field “%(title)s” enter a whole number."))
        else:
            error(_("In the field “%(title)s” enter a number, e.g. 12,50."))
        return None
    if kind == "integer" and number != number.to_integral_value():
        error(_("In the field “%(title)s” enter a whole number."))
        return None
    minimum, maximum = prop.get("minimum"), prop.get("maximum")
    if minimum is not None and number < Decimal(str(minimum)):
        error(_("The value in the field “%(title)s” cannot be less than %(limit)s."),
              limit=_plain(minimum))
        return None
    if maximum is not None and number > Decimal(str(maximum)):
        error(_("The value in the field “%(title)s” cannot be more than %(limit)s."),
              limit=_plain(maximum))
        return None
    step = prop.get("multipleOf")
    if step is not None and number % Decimal(str(step)) != 0:
        decimals = max(0, -Decimal(str(step)).as_tuple().exponent)
        if decimals:
            error(_("In the field “%(title)s” enter a number with at most %(decimals)s "
                    "decimal places."), decimals=decimals)
        else:
            error(_("In the field “%(title)s” enter a multiple of %(step)s."),
                  step=_plain(step))
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
        errors[path] = lazy_message(_("The field “%(title)s” must be a list of items."),
                                    title=title)
        return None
    items = [item for item in items if isinstance(item, dict) and not all(
        _is_empty(part) or part is False for part in item.values())]
    minimum = prop.get("minItems", 1 if is_required else 0)
    if len(items) < minimum:
        errors[path] = lazy_message(ngettext_lazy(
            "Add at least %(count)s item in the part “%(title)s”.",
            "Add at least %(count)s items in the part “%(title)s”.", "count"),
            count=minimum, title=title)
        return None
    if "maxItems" in prop and len(items) > prop["maxItems"]:
        errors[path] = lazy_message(ngettext_lazy(
            "In the part “%(title)s” there can be at most %(count)s item.",
            "In the part “%(title)s” there can be at most %(count)s items.", "count"),
            count=prop["maxItems"], title=title)
        return None
    item_schema = prop.get("items", {})
    item_required = set(item_schema.get("required", []))
    cleaned = []
    for index, item in enumerate(items):
        row = {}
        for name, sub in item_schema.get("properties", {}).items():
            sub = dict(sub, title=lazy_message(_("%(group)s, item %(number)s: %(field)s"),
                                               group=title, number=index + 1,
                                               field=_title(sub, name)))
            result = _clean_value(f"{path}.{index}.{name}", sub, item.get(name),
                                  name in item_required, errors, context)
            if result is not None:
                row[name] = result
        cleaned.append(row)
    return cleaned or None


def _run_check(check: dict, properties: dict, cleaned: dict, errors: dict) -> None:
    kind = check.get("kind")
    if kind == "pesel_birth_date":
        pesel, born = cleaned.get(check["pesel"]), cleaned.get(check["birth_date"])
        if pesel and born and stdnum_pesel.get_birth_date(pesel).isoformat() != born:
            errors[check["birth_date"]] = lazy_message(
                _("The date in the field “%(title)s” does not match the PESEL number "
                  "(%(date)s)."),
                title=_title(properties[check["birth_date"]], _("date of birth")),
                date=stdnum_pesel.get_birth_date(pesel).isoformat())
    elif kind == "pesel_sex":
        pesel, sex = cleaned.get(check["pesel"]), cleaned.get(check["sex"])
        if pesel and sex:
            expected = "K" if stdnum_pesel.get_gender(pesel) == "F" else "M"
            if sex != expected:
                errors[check["sex"]] = lazy_message(
                    _("The answer in the field “%(title)s” does not match the PESEL number."),
                    title=_title(properties[check["sex"]], _("sex")))
    elif kind == "date_order":
        before, after = cleaned.get(check["before"]), cleaned.get(check["after"])
        if before and after and after < before:
            errors[check["after"]] = lazy_message(
                _("The date in the field “%(title)s” cannot be earlier than in the field "
                  "“%(other)s”."),
                title=_title(properties[check["after"]], check["after"]),
                other=_title(properties[check["before"]], check["before"]))


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
        errors.setdefault(path, _("The value of this field does not fit the form."))


def _walk_properties(schema: dict):
    for prop in schema.get("properties", {}).values():
        yield prop
        if is_group(prop):
            prop.get("items", {}).pop("required", None)
            yield from prop.get("items", {}).get("properties", {}).values()
