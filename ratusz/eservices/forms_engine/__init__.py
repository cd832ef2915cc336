"""Forms declared as data: a JSON Schema of the answers plus a layout (pages, sections,
help, conditional fields, repeatable groups, attachments). See
docs/eservices-library-format.md.

The server is the authority: `validate` checks every shown field and answers with one
message per field (an English msgid, shown translated), keyed by a dotted path
(`parcels.0.number`) in the order the fields appear on the form, ready for a GOV.UK-style
error summary. The JSON Schema library checks the definitions themselves and re-checks
the cleaned answers as a second wall.

By concern: `definitions` (what a definition must satisfy, visibility, the steps of a
form, prefill, HTML posts), `formats` (PESEL, NIP, bank accounts and the other formats of a
text field), `validation` (answers against a form). Every public name is importable from
here.
"""

from ratusz.eservices.forms_engine.definitions import (
    ATTACHMENT_ITEMS,
    ATTACHMENT_TYPES,
    FORMATS,
    PREFILL_KEYS,
    WIDGETS,
    DefinitionError,
    Step,
    check_definition,
    data_from_post,
    error_anchor,
    field_order,
    first_unsafe_in,
    form_steps,
    is_attachment,
    is_group,
    normalise_schema,
    page_fields,
    prefill,
    require_valid_definition,
    shown_fields,
    shown_steps,
    step_of,
)
from ratusz.eservices.forms_engine.formats import (
    FORMAT_CHECKS,
    FieldError,
    check_email,
    check_nrb,
    land_register_check_digit,
)
from ratusz.eservices.forms_engine.validation import Result, validate

__all__ = [
    "ATTACHMENT_ITEMS", "ATTACHMENT_TYPES", "FORMATS", "FORMAT_CHECKS", "PREFILL_KEYS",
    "WIDGETS", "DefinitionError", "FieldError", "Result", "Step", "check_definition",
    "check_email", "check_nrb", "data_from_post", "error_anchor", "field_order",
    "first_unsafe_in", "form_steps", "is_attachment", "is_group",
    "land_register_check_digit", "normalise_schema", "page_fields", "prefill",
    "require_valid_definition", "shown_fields", "shown_steps", "step_of", "validate",
]
