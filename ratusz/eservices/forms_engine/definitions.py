"""Form definitions: the JSON Schema of the answers and the layout (pages, sections,
fields, conditions, checks). What a definition must satisfy to be published, which fields
a set of answers shows, the steps a person goes through, prefill from the account and the
gmina, and answers from an HTML form post."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from ratusz.core.text import describe, first_unsafe_character
from ratusz.eservices.errors import lazy_message

FORMATS = ("date", "email", "phone", "pesel", "nip", "regon", "nrb", "iban", "postal-code",
           "locality", "land-register", "parcel", "ade")
WIDGETS = ("text", "textarea", "radio", "select", "checkbox")
#: Where a field's answer can come from: the resident's account (the identity confirmed by
#: login.gov.pl: name, PESEL and the birth date in it; the profile's address and phone)
#: and the gmina the form is sent to (its tax authority, country, voivodeship, county).
PREFILL_KEYS = ("first_name", "last_name", "email", "phone", "pesel", "birth_date",
                "street", "building", "flat", "postal_code", "city", "tax_authority",
                "country", "voivodeship", "county", "commune")
ATTACHMENT_TYPES = ("pdf", "jpg", "png", "tif", "odt", "docx", "xml", "txt", "zip")
ATTACHMENT_ITEMS = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"filename": {"type": "string", "maxLength": 255},
                   "content": {"type": "string", "contentEncoding": "base64"}},
    "required": ["filename", "content"],
}


def first_unsafe_in(value) -> str | None:
    """The first unsafe character (`ratusz.core.text`) of any text in `value`: a string, or
    the keys and values of a JSON-like structure; None when there is none."""
    if isinstance(value, str):
        return first_unsafe_character(value)
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return None
    for item in items:
        found = first_unsafe_in(item)
        if found is not None:
            return found
    return None


class DefinitionError(ValueError):
    """A form definition that cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


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


def check_definition(schema: dict, layout: dict) -> list:
    """Every reason why this schema and layout cannot be published (empty when fine)."""
    problems: list = []
    try:
        Draft202012Validator.check_schema(normalise_schema(schema))
    except SchemaError as error:
        problems.append(lazy_message(_("The JSON schema is not valid: %(error)s"),
                                     error=error.message))
        return problems
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        return [_("The schema must describe an object with fields (properties).")]
    properties = schema["properties"]
    if not properties:
        problems.append(_("The form has no field."))
    for name in schema.get("required", []):
        if name not in properties:
            problems.append(lazy_message(
                _("The required field “%(name)s” does not exist in the schema."), name=name))
    order = field_order(layout)
    if not layout.get("pages"):
        problems.append(_("The layout of the form has no page."))
    for name in properties:
        count = order.count(name)
        if count == 0:
            problems.append(lazy_message(
                _("The field “%(name)s” is in no section of the layout."), name=name))
        elif count > 1:
            problems.append(lazy_message(
                _("The field “%(name)s” appears in the layout more than once."), name=name))
    for name in order:
        if name not in properties:
            problems.append(lazy_message(
                _("The layout names the field “%(name)s”, which is not in the schema."),
                name=name))
    for name, prop in properties.items():
        problems.extend(_check_property(name, prop, nested=False))
    settings = layout.get("fields", {})
    for name, options in settings.items():
        if name not in properties:
            problems.append(lazy_message(
                _("The layout's settings concern the field “%(name)s”, which does not "
                  "exist."), name=name))
            continue
        if options.get("widget", "text") not in WIDGETS:
            problems.append(lazy_message(_("Field “%(name)s”: unknown kind of control."),
                                         name=name))
        if options.get("prefill") and options["prefill"] not in PREFILL_KEYS:
            problems.append(lazy_message(_("Field “%(name)s”: unknown source of prefill."),
                                         name=name))
        condition = options.get("show_if")
        if condition:
            other = condition.get("field")
            if other not in properties or other == name:
                problems.append(lazy_message(
                    _("Field “%(name)s”: the condition refers to a field that does not "
                      "exist."), name=name))
            elif name in order and other in order and order.index(other) > order.index(name):
                problems.append(lazy_message(
                    _("Field “%(name)s”: the condition must concern an earlier field."),
                    name=name))
            if "equals" not in condition and "in" not in condition:
                problems.append(lazy_message(
                    _("Field “%(name)s”: the condition needs “equals” or “in”."), name=name))
    for check in layout.get("checks", []):
        kind = check.get("kind")
        names = {"pesel_birth_date": ("pesel", "birth_date"), "pesel_sex": ("pesel", "sex"),
                 "date_order": ("before", "after")}.get(kind)
        if names is None:
            problems.append(lazy_message(_("Unknown kind of check “%(kind)s”."), kind=kind))
            continue
        for key in names:
            if check.get(key) not in properties:
                problems.append(lazy_message(_("Check “%(kind)s”: no field “%(name)s”."),
                                             kind=kind, name=check.get(key)))
    character = first_unsafe_in([schema, layout])
    if character is not None:
        problems.append(lazy_message(
            _("A text of the form contains an invisible control character (%(code)s); "
              "correct it in the form editor."), code=describe(character)))
    return problems


def _check_property(name: str, prop: dict, *, nested: bool) -> list:
    problems = []
    if not str(prop.get("title", "")).strip():
        problems.append(lazy_message(_("The field “%(name)s” has no label (title)."),
                                     name=name))
    kind = prop.get("type")

    def problem(message, **params):
        problems.append(lazy_message(message, name=name, **params))

    if kind == "string":
        if "enum" in prop:
            titles = prop.get("x-enum-titles")
            if titles is not None and len(titles) != len(prop["enum"]):
                problem(_("Field “%(name)s”: the number of option labels differs from the "
                          "number of options."))
        elif prop.get("format") not in (*FORMATS, None):
            problem(_("Field “%(name)s”: unknown format “%(format)s”."),
                    format=prop.get("format"))
        elif "maxLength" not in prop and prop.get("format") is None:
            problem(_("Field “%(name)s”: a text field must have a maximum length."))
    elif kind in ("integer", "number", "boolean"):
        pass
    elif kind == "array" and is_attachment(prop):
        if nested:
            problem(_("Field “%(name)s”: attachments cannot be in a repeatable group."))
        options = prop["x-attachment"]
        accept = options.get("accept") or []
        if not accept or any(item not in ATTACHMENT_TYPES for item in accept):
            problem(_("Field “%(name)s”: the allowed file types must come from the list "
                      "%(types)s."), types=", ".join(ATTACHMENT_TYPES))
        if not isinstance(options.get("max_size_mb"), int | float) or \
                options["max_size_mb"] <= 0:
            problem(_("Field “%(name)s”: give the largest file size in MB."))
        if "maxItems" not in prop:
            problem(_("Field “%(name)s”: give the largest number of files (maxItems)."))
    elif kind == "array":
        if nested:
            problem(_("Field “%(name)s”: a group cannot contain a group."))
        items = prop.get("items", {})
        if items.get("type") != "object" or not items.get("properties"):
            problem(_("Field “%(name)s”: a repeatable group must have fields "
                      "(items.properties)."))
        else:
            for sub_name, sub in items["properties"].items():
                problems.extend(_check_property(f"{name}.{sub_name}", sub, nested=True))
        if "maxItems" not in prop:
            problem(_("Field “%(name)s”: give the largest number of items (maxItems)."))
    else:
        problem(_("Field “%(name)s”: unsupported type “%(type)s”."), type=kind)
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
    """Answers taken from the resident's account and the gmina for fields that ask for
    them."""
    data = {}
    for name, options in layout.get("fields", {}).items():
        source = options.get("prefill")
        if source and values.get(source) and name in schema.get("properties", {}):
            data[name] = values[source]
    return data


# --- Steps -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    """One screen of a form: a page of its layout, or the part of a page whose fields
    depend on an answer given earlier on that page (they follow it as a step of their own,
    so what applies is decided by the server, with or without JavaScript)."""

    page: int
    part: int
    #: (index of the section in the page, names of its fields in this step)
    sections: tuple[tuple[int, tuple[str, ...]], ...]

    @property
    def fields(self) -> list[str]:
        return [name for _index, names in self.sections for name in names]


def form_steps(layout: dict) -> list[Step]:
    """The steps of a form in order. A field shown on a condition about a field of the
    same page comes one step after that field; a condition about an earlier page is known
    when its page comes."""
    settings = layout.get("fields", {})
    steps = []
    for page_index, page in enumerate(layout.get("pages", [])):
        depth: dict[str, int] = {}
        for name in page_fields(layout, page_index):
            other = (settings.get(name, {}).get("show_if") or {}).get("field")
            depth[name] = depth[other] + 1 if other in depth else 0
        for part in range(max(depth.values(), default=0) + 1):
            sections = tuple(
                (index, names) for index, section in enumerate(page.get("sections", []))
                if (names := tuple(name for name in section.get("fields", [])
                                   if depth.get(name) == part)))
            if sections or part == 0:
                steps.append(Step(page_index, part, sections))
    return steps


def shown_steps(schema: dict, layout: dict, data: dict) -> list[int]:
    """Indexes of the steps that have a field to show for these answers."""
    shown = set(shown_fields(schema, layout, data))
    return [index for index, step in enumerate(form_steps(layout))
            if any(name in shown for name in step.fields)]


def step_of(layout: dict, name: str) -> int:
    """The step in which a top-level field is asked (0 when it is in none)."""
    for index, step in enumerate(form_steps(layout)):
        if name in step.fields:
            return index
    return 0


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
