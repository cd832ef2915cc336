"""Editing a form definition without code: pure functions on (schema, layout) that return
the changed copies, or raise `ValueError` with a message for the editor. The staff form
editor calls them and saves the draft with `services.save_form_draft`."""

from __future__ import annotations

import copy
import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from ratusz.eservices.errors import lazy_message

KINDS = {
    "text": (_("Short text"), {"type": "string", "maxLength": 200}),
    "textarea": (_("Long text"), {"type": "string", "maxLength": 5000}),
    "choice": (_("Choice from a list"), {"type": "string", "enum": []}),
    "checkbox": (_("Yes/no (checkbox)"), {"type": "boolean"}),
    "integer": (_("Whole number"), {"type": "integer", "minimum": 0}),
    "amount": (_("Amount or area"), {"type": "number", "minimum": 0, "multipleOf": 0.01}),
    "date": (_("Date"), {"type": "string", "format": "date"}),
    "email": (_("E-mail address"), {"type": "string", "format": "email"}),
    "phone": (_("Telephone"), {"type": "string", "format": "phone"}),
    "pesel": ("PESEL", {"type": "string", "format": "pesel"}),
    "nip": ("NIP", {"type": "string", "format": "nip"}),
    "regon": ("REGON", {"type": "string", "format": "regon"}),
    "nrb": (_("Bank account number"), {"type": "string", "format": "nrb"}),
    "iban": (_("IBAN number"), {"type": "string", "format": "iban"}),
    "ade": (_("Address for electronic delivery"), {"type": "string", "format": "ade"}),
    "postal-code": (_("Postal code"), {"type": "string", "format": "postal-code"}),
    "locality": (_("Locality of the gmina"), {"type": "string", "format": "locality"}),
    "parcel": (_("Parcel number"), {"type": "string", "format": "parcel"}),
    "land-register": (_("Land-register number"), {"type": "string", "format": "land-register"}),
    "attachment": (_("Attachments"), {"type": "array", "maxItems": 3,
                                      "x-attachment": {"accept": ["pdf", "jpg", "png"],
                                                       "max_size_mb": 10}}),
}


def kind_of(prop: dict, options: dict) -> str:
    if "x-attachment" in prop:
        return "attachment"
    if prop.get("type") == "boolean":
        return "checkbox"
    if prop.get("type") == "integer":
        return "integer"
    if prop.get("type") == "number":
        return "amount"
    if "enum" in prop:
        return "choice"
    if prop.get("format"):
        return prop["format"]
    return "textarea" if options.get("widget") == "textarea" else "text"


def _copy(schema: dict, layout: dict) -> tuple[dict, dict]:
    schema, layout = copy.deepcopy(schema), copy.deepcopy(layout)
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    schema.setdefault("required", [])
    schema.setdefault("additionalProperties", False)
    layout.setdefault("pages", [])
    layout.setdefault("fields", {})
    return schema, layout


#: (what to say when a text is missing, when it is too long) for each text the editor takes.
PAGE_TITLE = (_("Give the page title."), _("The page title may have at most 200 characters."))
SECTION_TITLE = (_("Give the section title."),
                 _("The section title may have at most 200 characters."))
FIELD_LABEL = (_("Give the field's label."),
               _("The field's label may have at most 200 characters."))


def _label(text: str, messages: tuple) -> str:
    missing, too_long = messages
    text = (text or "").strip()
    if not text:
        raise ValueError(missing)
    if len(text) > 200:
        raise ValueError(too_long)
    return text


def field_name(label: str, taken) -> str:
    """An ASCII identifier made from the label, unique in the form."""
    ascii_text = unicodedata.normalize("NFKD", label.replace("ł", "l").replace("Ł", "L"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:40] or "pole"
    if base[0].isdigit():
        base = f"pole_{base}"
    name, number = base, 2
    while name in taken:
        name, number = f"{base}_{number}", number + 1
    return name


def _section(layout: dict, page: int, section: int) -> dict:
    try:
        return layout["pages"][page]["sections"][section]
    except (IndexError, KeyError, TypeError):
        raise ValueError(_("There is no such section of the form.")) from None


def add_page(schema: dict, layout: dict, title: str) -> tuple[dict, dict]:
    schema, layout = _copy(schema, layout)
    layout["pages"].append({"title": _label(title, PAGE_TITLE),
                            "sections": [{"title": "Sekcja 1", "fields": []}]})
    return schema, layout


def add_section(schema: dict, layout: dict, page: int, title: str) -> tuple[dict, dict]:
    schema, layout = _copy(schema, layout)
    if not 0 <= page < len(layout["pages"]):
        raise ValueError(_("There is no such page of the form."))
    layout["pages"][page]["sections"].append({"title": _label(title, SECTION_TITLE),
                                              "fields": []})
    return schema, layout


def rename(schema: dict, layout: dict, page: int, section: int | None, title: str
           ) -> tuple[dict, dict]:
    schema, layout = _copy(schema, layout)
    if section is None:
        if not 0 <= page < len(layout["pages"]):
            raise ValueError(_("There is no such page of the form."))
        layout["pages"][page]["title"] = _label(title, PAGE_TITLE)
    else:
        _section(layout, page, section)["title"] = _label(title, SECTION_TITLE)
    return schema, layout


def _options(text: str) -> list[str]:
    options = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(options) < 2:
        raise ValueError(_("A choice field needs at least two options (each on its own "
                           "line)."))
    if len(set(options)) != len(options):
        raise ValueError(_("The options of a choice cannot repeat."))
    return options


def add_field(schema: dict, layout: dict, page: int, section: int, *, label: str, kind: str,
              required: bool = False, help_text: str = "", options: str = ""
              ) -> tuple[dict, dict, str]:
    """Add a field of one of `KINDS` at the end of a section. Returns the new schema,
    layout and the field's name."""
    schema, layout = _copy(schema, layout)
    if kind not in KINDS:
        raise ValueError(_("Choose the kind of field from the list."))
    label = _label(label, FIELD_LABEL)
    target = _section(layout, page, section)
    name = field_name(label, schema["properties"])
    prop = copy.deepcopy(KINDS[kind][1])
    prop["title"] = label
    if kind == "choice":
        prop["enum"] = _options(options)
    schema["properties"][name] = prop
    if required:
        schema["required"].append(name)
    settings = {}
    if kind == "textarea":
        settings["widget"] = "textarea"
    if kind == "checkbox":
        settings["widget"] = "checkbox"
    if help_text.strip():
        settings["help"] = help_text.strip()[:500]
    if settings:
        layout["fields"][name] = settings
    target["fields"].append(name)
    return schema, layout, name


def update_field(schema: dict, layout: dict, name: str, *, label: str, help_text: str = "",
                 required: bool = False, max_length: str = "", options: str = "",
                 minimum: str = "", maximum: str = "", show_if_field: str = "",
                 show_if_value: str = "", accept: list[str] | None = None,
                 max_size_mb: str = "", max_files: str = "") -> tuple[dict, dict]:
    schema, layout = _copy(schema, layout)
    prop = schema["properties"].get(name)
    if prop is None:
        raise ValueError(_("There is no such field."))
    settings = layout["fields"].setdefault(name, {})
    prop["title"] = _label(label, FIELD_LABEL)
    if help_text.strip():
        settings["help"] = help_text.strip()[:500]
    else:
        settings.pop("help", None)
    if required and name not in schema["required"]:
        schema["required"].append(name)
    if not required and name in schema["required"]:
        schema["required"].remove(name)
    kind = kind_of(prop, settings)
    if kind in ("text", "textarea") and max_length:
        prop["maxLength"] = _whole(max_length, _("Maximum length"), 1, 100000)
    if kind == "choice":
        prop["enum"] = _options(options)
        prop.pop("x-enum-titles", None)
    if kind in ("integer", "amount"):
        for key, value in (("minimum", minimum), ("maximum", maximum)):
            if value.strip():
                prop[key] = _number(value, _("Smallest value") if key == "minimum"
                                    else _("Largest value"))
            else:
                prop.pop(key, None)
        if "minimum" in prop and "maximum" in prop and prop["minimum"] > prop["maximum"]:
            raise ValueError(_("The smallest value cannot be more than the largest."))
    if kind == "attachment":
        chosen = [item for item in (accept or []) if item]
        if not chosen:
            raise ValueError(_("Tick at least one allowed file type."))
        prop["x-attachment"] = {"accept": chosen, "max_size_mb": _whole(
            max_size_mb or "10", _("Largest file size"), 1, 50)}
        prop["maxItems"] = _whole(max_files or "3", _("Largest number of files"), 1, 20)
    if show_if_field:
        order = [field for page in layout["pages"] for section in page["sections"]
                 for field in section["fields"]]
        if show_if_field not in schema["properties"] or show_if_field == name or (
                order.index(show_if_field) > order.index(name)):
            raise ValueError(_("A condition can concern only an earlier field of the form."))
        other = schema["properties"][show_if_field]
        value: object = show_if_value.strip()
        if other.get("type") == "boolean":
            value = value.lower() in ("tak", "true", "1", "yes")
        elif "enum" in other and value not in other["enum"]:
            raise ValueError(lazy_message(_("The field “%(title)s” has no answer “%(value)s”."),
                                          title=other.get("title"), value=value))
        settings["show_if"] = {"field": show_if_field, "equals": value}
    else:
        settings.pop("show_if", None)
    if not settings:
        layout["fields"].pop(name, None)
    return schema, layout


def _whole(text: str, what: str, low: int, high: int) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ValueError(lazy_message(_("%(what)s: enter a whole number."), what=what)) from None
    if not low <= value <= high:
        raise ValueError(lazy_message(_("%(what)s: enter a number from %(low)s to %(high)s."),
                                      what=what, low=low, high=high))
    return value


def _number(text: str, what: str) -> float | int:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        raise ValueError(lazy_message(_("%(what)s: enter a number."), what=what)) from None
    return int(value) if value.is_integer() else value


def move_field(schema: dict, layout: dict, name: str, direction: int) -> tuple[dict, dict]:
    """Move a field one place up (-1) or down (+1) within its section, or into the
    neighbouring section at the edges."""
    schema, layout = _copy(schema, layout)
    sections = [section for page in layout["pages"] for section in page["sections"]]
    for position, section in enumerate(sections):
        if name in section["fields"]:
            index = section["fields"].index(name)
            target = index + direction
            if 0 <= target < len(section["fields"]):
                fields = section["fields"]
                fields[index], fields[target] = fields[target], fields[index]
            elif 0 <= position + direction < len(sections):
                section["fields"].remove(name)
                neighbour = sections[position + direction]["fields"]
                if direction < 0:
                    neighbour.append(name)
                else:
                    neighbour.insert(0, name)
            return schema, layout
    raise ValueError(_("There is no such field."))


def remove_field(schema: dict, layout: dict, name: str) -> tuple[dict, dict]:
    schema, layout = _copy(schema, layout)
    if name not in schema["properties"]:
        raise ValueError(_("There is no such field."))
    dependants = [other for other, settings in layout["fields"].items()
                  if settings.get("show_if", {}).get("field") == name]
    if dependants:
        titles = ", ".join(schema["properties"][other].get("title", other)
                           for other in dependants)
        raise ValueError(lazy_message(_("Other fields depend on this field (%(titles)s); change "
                                        "their conditions first."), titles=titles))
    del schema["properties"][name]
    if name in schema["required"]:
        schema["required"].remove(name)
    layout["fields"].pop(name, None)
    for page in layout["pages"]:
        for section in page["sections"]:
            if name in section["fields"]:
                section["fields"].remove(name)
    layout["checks"] = [check for check in layout.get("checks", [])
                        if name not in check.values()]
    return schema, layout


def remove_section(schema: dict, layout: dict, page: int, section: int) -> tuple[dict, dict]:
    schema, layout = _copy(schema, layout)
    if _section(layout, page, section)["fields"]:
        raise ValueError(_("First delete the fields of this section or move them elsewhere."))
    del layout["pages"][page]["sections"][section]
    if not layout["pages"][page]["sections"]:
        del layout["pages"][page]
    return schema, layout
