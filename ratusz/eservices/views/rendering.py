"""How forms and answers are shown, on the residents' pages and the staff's: the fields
of a form page bound to the answers so far, the answers as a readable document, a
matter's status in words, and the receipt as a download."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ratusz.eservices import forms_engine, receipts
from ratusz.eservices.models import FeeStatus, Submission


def _enum_options(prop: dict, value) -> list[dict]:
    titles = prop.get("x-enum-titles") or prop.get("enum", [])
    return [{"value": option, "label": title, "selected": value == option}
            for option, title in zip(prop.get("enum", []), titles, strict=False)]


def _bind_field(path: str, prop: dict, options: dict, value, errors: dict, required: bool,
                localities: list[str]) -> dict:
    widget = options.get("widget") or ("checkbox" if prop.get("type") == "boolean" else
                                       "select" if prop.get("format") == "locality" else
                                       "radio" if "enum" in prop and len(prop["enum"]) <= 4
                                       else "select" if "enum" in prop else "text")
    form = prop.get("format", "")
    field = {
        "name": path.replace(".", "-"), "path": path, "id": forms_engine.error_anchor(path),
        "label": prop.get("title", path), "help": options.get("help", "") or
        prop.get("description", ""), "widget": widget, "type": prop.get("type"),
        "format": form, "required": required, "error": errors.get(path, ""),
        "value": "" if value is None else value, "max_length": prop.get("maxLength"),
        "input_type": {"date": "date", "email": "email", "phone": "tel"}.get(form, "text"),
        "inputmode": "numeric" if form in ("pesel", "nip", "regon", "nrb", "postal-code") or
        prop.get("type") == "integer" else "decimal" if prop.get("type") == "number" else "",
        "autocomplete": options.get("prefill", ""),
    }
    if "enum" in prop:
        field["options"] = _enum_options(prop, value)
    elif form == "locality":
        field["options"] = [{"value": name, "label": name, "selected": value == name}
                            for name in localities]
    return field


def bind_sections(form, page_index: int, data: dict, errors: dict, stash: list[dict],
                  localities: list[str], *, step: forms_engine.Step | None = None,
                  shown: set[str] | None = None, required: set[str] = frozenset()
                  ) -> list[dict]:
    """The fields of one page ready for `eservices/_form_fields.html`: all of them (the
    staff's preview, with the conditions said in words), or those of one `step` that are
    `shown` for the answers so far (what a person fills in). `required` adds fields that
    must be answered here though the schema leaves them optional."""
    schema, layout = form.schema, form.layout
    properties = schema.get("properties", {})
    required = set(schema.get("required", [])) | set(required)
    settings = layout.get("fields", {})
    page = layout["pages"][step.page if step is not None else page_index]
    page_sections = page.get("sections", [])
    parts = step.sections if step is not None else [
        (index, section.get("fields", [])) for index, section in enumerate(page_sections)]
    sections = []
    for section_index, names in parts:
        section = page_sections[section_index]
        fields = []
        for name in names:
            prop = properties.get(name)
            if prop is None or (shown is not None and name not in shown):
                continue
            field = _bind_top_field(name, prop, settings.get(name, {}), data, errors, stash,
                                    name in required, localities)
            condition = settings.get(name, {}).get("show_if")
            if condition:
                field["condition"] = _condition_words(properties, condition)
            fields.append(field)
        if fields:
            sections.append({"title": section.get("title", ""), "help": section.get("help", ""),
                             "fields": fields})
    return sections


def _bind_top_field(name: str, prop: dict, options: dict, data: dict, errors: dict,
                    stash: list[dict], required: bool, localities: list[str]) -> dict:
    if forms_engine.is_attachment(prop):
        attachment = prop["x-attachment"]
        return {
            "name": name, "path": name, "id": forms_engine.error_anchor(name),
            "label": prop.get("title", name), "help": options.get("help", ""),
            "widget": "file", "required": required,
            "error": errors.get(name, ""), "max_files": prop.get("maxItems", 1),
            "accept": ",".join(f".{kind}" for kind in attachment.get("accept", [])),
            "accept_label": ", ".join(attachment.get("accept", [])),
            "max_size_mb": attachment.get("max_size_mb"),
            "files": [(index, item) for index, item in enumerate(stash)
                      if item["field"] == name],
        }
    if forms_engine.is_group(prop):
        items = prop.get("items", {})
        rows = data.get(name) if isinstance(data.get(name), list) else []
        count = max(len(rows), prop.get("minItems", 1), 1)
        count = min(count, prop.get("maxItems", 50))
        return {
            "name": name, "path": name, "id": forms_engine.error_anchor(name),
            "label": prop.get("title", name), "help": options.get("help", ""),
            "widget": "group", "error": errors.get(name, ""), "count": count,
            "can_add": count < prop.get("maxItems", 50), "required": required,
            "rows": [
                {"index": index, "fields": [
                    _bind_field(f"{name}.{index}.{sub_name}", sub, {},
                                (rows[index] if index < len(rows) and
                                 isinstance(rows[index], dict) else {}).get(sub_name),
                                errors, sub_name in items.get("required", []), localities)
                    for sub_name, sub in items.get("properties", {}).items()]}
                for index in range(count)],
        }
    return _bind_field(name, prop, options, data.get(name), errors, required, localities)


def _condition_words(properties: dict, condition: dict) -> dict:
    """The condition of a field in words: the other field's label and the answers."""
    other = properties.get(condition["field"], {})
    wanted = condition.get("equals", condition.get("in"))
    wanted = wanted if isinstance(wanted, list) else [wanted]
    labels = dict(zip(other.get("enum", []), other.get("x-enum-titles") or
                      other.get("enum", []), strict=False))
    return {"field": other.get("title", condition["field"]),
            "values": ", ".join(str(labels.get(value, _("yes") if value is True else value))
                                for value in wanted)}


def render_answers(schema: dict, layout: dict, data: dict, *,
                   shown: set[str] | None = None, stash: list[dict] | None = None
                   ) -> list[dict]:
    """The answers as pages → sections → (label, text or table) for reading; with `shown`
    (the summary before sending) only the fields shown for these answers, each row naming
    its field, and the files attached on the way (`stash`)."""
    properties = schema.get("properties", {})
    result = []
    for page in layout.get("pages", []):
        sections = []
        for section in page.get("sections", []):
            rows = []
            for name in section.get("fields", []):
                prop = properties.get(name)
                if prop is None or (shown is not None and name not in shown):
                    continue
                row = {"name": name, "label": prop.get("title", name)}
                if forms_engine.is_attachment(prop):
                    if stash is None:
                        continue
                    row["is_files"] = True
                    row["files"] = [item["name"] for item in stash if item["field"] == name]
                elif name not in data and shown is None:
                    continue
                elif forms_engine.is_group(prop):
                    subs = prop.get("items", {}).get("properties", {})
                    items = [item for item in data.get(name) or [] if isinstance(item, dict)]
                    row["table"] = {
                        "headers": [sub.get("title", key) for key, sub in subs.items()],
                        "rows": [[_answer_text(sub, item.get(key)) for key, sub in
                                  subs.items()] for item in items]}
                else:
                    row["text"] = _answer_text(prop, data.get(name))
                rows.append(row)
            if rows:
                sections.append({"title": section.get("title", ""), "rows": rows})
        if sections:
            result.append({"title": page.get("title", ""), "sections": sections})
    return result


def _answer_text(prop: dict, value) -> str:
    """An answer as a reader sees it."""
    if value is None or value == "":
        return "—"
    if prop.get("type") == "boolean":
        return _("Yes") if value else _("No")
    if "enum" in prop:
        titles = dict(zip(prop["enum"], prop.get("x-enum-titles") or prop["enum"],
                          strict=False))
        return str(titles.get(value, value))
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    if prop.get("format") == "date" and isinstance(value, str):
        try:
            return date_format(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def receipt_response(submission: Submission, kind: str) -> HttpResponse:
    """The receipt of a submission as a download (`pdf` or `xml`)."""
    if kind not in ("pdf", "xml"):
        raise Http404
    response = HttpResponse(receipts.read_receipt(submission, kind),
                            content_type="application/pdf" if kind == "pdf"
                            else "application/xml")
    response["Content-Disposition"] = \
        f'attachment; filename="{receipts.receipt_file_name(submission, kind)}"'
    return response


def status_label(submission: Submission) -> str:
    """Where the matter stands, in the words of the case's status."""
    if submission.is_withdrawn:
        return _("withdrawn by the applicant")
    if submission.fee_status == FeeStatus.AWAITING:
        return _("awaiting payment")
    return submission.case.get_status_display()
