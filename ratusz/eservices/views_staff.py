"""Staff pages of the e-services: the submissions queue and each submission as a readable
document, fees and messages, the service cards and the form editor."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.bulletin.models import EntryState
from ratusz.bulletin.services import BulletinError
from ratusz.cases import selectors as ezd_selectors
from ratusz.core.selectors import list_departments, list_locality_names
from ratusz.core.services import record_personal_data_access
from ratusz.eservices import form_editing, forms_engine, information_reply, selectors, services
from ratusz.eservices.models import Category, FormVersion
from ratusz.eservices.views.rendering import (
    bind_sections,
    receipt_response,
    render_answers,
)

# --- The queue and a submission ------------------------------------------------------

@staff_required(Permission.VIEW_REGISTERS)
def submission_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    departments = list(list_departments(municipality))
    own = ezd_selectors.department_ids_of(request.user, municipality)
    chosen = request.GET.get("komorka", "moje" if own else "wszystkie")
    if chosen == "moje":
        department_ids = own
    elif chosen.isdigit():
        department_ids = {int(chosen)}
    else:
        department_ids = None
    waiting = request.GET.get("oplata") == "1"
    submissions = selectors.department_submissions(request.user, municipality,
                                                   department_ids=department_ids,
                                                   waiting_for_fee=waiting)
    page = Paginator(submissions, 50).get_page(request.GET.get("strona"))
    return render(request, "eservices/staff/submission_list.html", {
        "page": page, "departments": departments, "chosen": chosen, "waiting": waiting,
        "has_own": bool(own),
    })


def _submission_or_404(request: HttpRequest, submission_id: int, *, to_act: bool = False):
    """The submission if the user sees its case (and, `to_act`, may handle it), else 404:
    the same wall as the case in the EZD."""
    submission = selectors.access_submission_by_id(request.user, request.municipality,
                                                   submission_id)
    if submission is None or (to_act and not selectors.may_act_on(request.user, submission)):
        raise Http404
    return submission


def _record_access(request: HttpRequest, submission, context: str) -> None:
    record_personal_data_access(
        municipality=request.municipality, staff=request.user, context=context,
        subject=submission.resident,
        subject_label="" if submission.resident else
        f"{submission.case.mark}: {submission.applicant_name}",
        fields=["form_answers", "contact"], path=request.path)


def _attachments(submission) -> list[dict]:
    rows = []
    for attachment in selectors.submission_attachments(submission):
        version = attachment.document.current_version if attachment.document else None
        rows.append({"attachment": attachment, "version_id": version.pk if version else None})
    return rows


@staff_required(Permission.VIEW_REGISTERS)
@require_http_methods(["GET", "POST"])
def submission_detail(request: HttpRequest, submission_id: int) -> HttpResponse:
    submission = _submission_or_404(request, submission_id)
    can_handle = selectors.may_act_on(request.user, submission)
    error = ""
    if request.method == "POST":
        if not can_handle:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "confirm_fee":
                services.confirm_fee(submission, acting_user=request.user)
                messages.success(request, _("The payment is confirmed; the case goes on."))
            elif action == "message":
                services.send_message_to_resident(submission, acting_user=request.user,
                                                  text=request.POST.get("text", ""))
                messages.success(request, _("The message has been sent to the applicant."))
            else:
                raise Http404
            return redirect(request.path)
        except services.EserviceError as refused:
            error = refused.message
    _record_access(request, submission, "eservice_submission")
    form = submission.form_version
    return render(request, "eservices/staff/submission_detail.html", {
        "submission": submission, "answers": render_answers(form.schema, form.layout,
                                                            submission.data),
        "attachments": _attachments(submission), "can_handle": can_handle, "error": error,
        "status": submission.case.get_status_display(),
        "messages_list": selectors.matter_messages(submission),
        "bip": _bip_reply(request, submission) if can_handle else None,
    }, status=422 if error else 200)


def _bip_reply(request: HttpRequest, submission) -> dict | None:
    """What the page shows about publishing the reply in the BIP (requests for public
    information only, for BIP editors of the case's unit)."""
    if not information_reply.may_publish(request.user, submission):
        return None
    entry = information_reply.reply_entry(submission)
    slug = request.municipality.slug
    return {"letter": information_reply.reply_letter(submission), "entry": entry,
            "section": information_reply.section_title(),
            "public_url": reverse("bip:entry", args=[slug, entry.pk]) if entry and
            entry.published_at else "",
            "edit_url": reverse("bip-staff:entry-edit", args=[slug, entry.pk]) if entry
            else ""}


@staff_required(Permission.EDIT_BIP)
@require_POST
def submission_publish_bip(request: HttpRequest, submission_id: int) -> HttpResponse:
    """Publish the reply to a request for public information in the BIP, in one step."""
    if not has_permission(request.user, request.municipality, Permission.VIEW_REGISTERS):
        raise Http404
    submission = _submission_or_404(request, submission_id, to_act=True)
    if not information_reply.may_publish(request.user, submission):
        raise Http404
    try:
        entry = information_reply.publish_information_reply(
            submission, acting_user=request.user,
            attach_letter=request.POST.get("attach_letter") == "1")
    except (services.EserviceError, BulletinError) as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _(
            "The reply is sent for approval in the BIP: another editor publishes it.")
            if entry.state == EntryState.AWAITING else
            _("The reply is published in the BIP."))
    return redirect("eservices-staff:submission-detail", request.municipality.slug,
                    submission.pk)


@staff_required(Permission.VIEW_REGISTERS)
def submission_pdf(request: HttpRequest, submission_id: int) -> HttpResponse:
    """The answers as an A4 PDF for the files."""
    from weasyprint import HTML

    submission = _submission_or_404(request, submission_id)
    _record_access(request, submission, "eservice_submission_pdf")
    form = submission.form_version
    html = render_to_string("eservices/submission_pdf.html", {
        "submission": submission, "municipality": request.municipality,
        "answers": render_answers(form.schema, form.layout, submission.data),
        "attachments": selectors.submission_attachments(submission),
        "printed_at": timezone.localtime(),
    })
    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = (f'inline; filename="wniosek-'
                                       f'{submission.case.mark.replace("/", "-")}.pdf"')
    return response


@staff_required(Permission.VIEW_REGISTERS)
def submission_receipt(request: HttpRequest, submission_id: int, kind: str) -> HttpResponse:
    return receipt_response(_submission_or_404(request, submission_id), kind)


# --- Cards -----------------------------------------------------------------------------

@staff_required(Permission.MANAGE_SERVICES)
def service_list(request: HttpRequest) -> HttpResponse:
    return render(request, "eservices/staff/service_list.html", {
        "services": selectors.all_services(request.municipality)})


def _service_or_404(request: HttpRequest, service_id: int):
    service = selectors.access_service_by_id(request.municipality, service_id)
    if service is None:
        raise Http404
    return service


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@staff_required(Permission.MANAGE_SERVICES)
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, service_id: int) -> HttpResponse:
    service = _service_or_404(request, service_id)
    departments = list(list_departments(request.municipality))
    errors: dict[str, str] = {}
    values = {
        "name": service.name, "category": service.category, "summary": service.summary,
        "purpose": service.purpose, "who_may_apply": service.who_may_apply,
        "required_documents": "\n".join(service.required_documents),
        "fee_amount": "" if service.fee_amount is None else str(service.fee_amount),
        "fee_description": service.fee_description, "fee_account": service.fee_account,
        "deadline_days": str(service.deadline_days),
        "deadline_description": service.deadline_description,
        "legal_basis": "\n".join(service.legal_basis), "department": str(service.department_id),
        "jrwa_symbol": service.jrwa_symbol, "maturity_level": str(service.maturity_level),
        "requires_identification": service.requires_identification,
        "allows_anonymous": service.allows_anonymous, "is_published": service.is_published,
    }
    if request.method == "POST":
        post = request.POST
        values.update({key: post.get(key, "").strip() for key in values
                       if not isinstance(values[key], bool)})
        values.update({key: key in post for key in ("requires_identification",
                                                    "allows_anonymous", "is_published")})
        changes = _card_changes(values, departments, errors)
        if not errors:
            try:
                services.update_service_card(service, acting_user=request.user, **changes)
            except services.EserviceError as refused:
                errors[{"jrwa_not_final": "jrwa_symbol", "fee_not_positive": "fee_amount",
                        "fee_account_required": "fee_account",
                        "anonymous_with_identification": "allows_anonymous",
                        "maturity_level": "maturity_level"}.get(refused.code, "name")
                       ] = refused.message
            else:
                messages.success(request, _("The service card is saved."))
                return redirect("eservices-staff:service-edit", request.municipality.slug,
                                service.pk)
    return render(request, "eservices/staff/service_edit.html", {
        "service": service, "values": values, "errors": errors, "departments": departments,
        "categories": Category.choices,
    }, status=422 if errors else 200)


def _card_changes(values: dict, departments: list, errors: dict) -> dict:
    changes: dict = {}
    for key in ("name", "summary", "purpose", "who_may_apply", "deadline_description",
                "jrwa_symbol"):
        if not values[key]:
            errors[key] = _("This field is required.")
        changes[key] = values[key]
    for key, limit in (("name", 200), ("summary", 300), ("deadline_description", 300),
                       ("jrwa_symbol", 10)):
        if len(values[key]) > limit:
            errors[key] = _("At most %(limit)s characters.") % {"limit": limit}
    if values["category"] not in Category.values:
        errors["category"] = _("Choose a category from the list.")
    changes["category"] = values["category"]
    department = next((item for item in departments if str(item.pk) == values["department"]),
                      None)
    if department is None:
        errors["department"] = _("Choose a department from the list.")
    changes["department"] = department
    for key, low, high in (("deadline_days", 1, 365), ("maturity_level", 1, 5)):
        try:
            number = int(values[key])
            if not low <= number <= high:
                raise ValueError
            changes[key] = number
        except ValueError:
            errors[key] = _("Enter a whole number from %(low)s to %(high)s.") % {
                "low": low, "high": high}
    if values["fee_amount"]:
        try:
            amount = Decimal(values["fee_amount"].replace(",", "."))
            if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2:
                raise InvalidOperation
            changes["fee_amount"] = amount
        except InvalidOperation:
            errors["fee_amount"] = _("Enter the fee in złoty, e.g. 17,00, or leave it empty.")
    else:
        changes["fee_amount"] = None
    if values["fee_account"]:
        try:
            changes["fee_account"] = forms_engine.check_nrb(values["fee_account"],
                                                            _("Bank account"), {})
        except forms_engine.FieldError as error:
            errors["fee_account"] = str(error)
    else:
        changes["fee_account"] = ""
    changes["fee_description"] = values["fee_description"]
    changes["required_documents"] = _lines(values["required_documents"])
    changes["legal_basis"] = _lines(values["legal_basis"])
    for key in ("requires_identification", "allows_anonymous", "is_published"):
        changes[key] = values[key]
    return changes


# --- The form editor ----------------------------------------------------------------------

def _outline(form: FormVersion) -> list[dict]:
    properties = form.schema.get("properties", {})
    required = set(form.schema.get("required", []))
    settings = form.layout.get("fields", {})
    pages = []
    for page_index, page in enumerate(form.layout.get("pages", [])):
        sections = []
        for section_index, section in enumerate(page.get("sections", [])):
            fields = []
            for name in section.get("fields", []):
                prop = properties.get(name, {})
                options = settings.get(name, {})
                kind = form_editing.kind_of(prop, options)
                fields.append({
                    "name": name, "prop": prop, "options": options, "kind": kind,
                    "kind_label": form_editing.KINDS.get(kind, (kind,))[0],
                    "required": name in required,
                    "enum_text": "\n".join(prop.get("enum", [])),
                    "accept": prop.get("x-attachment", {}).get("accept", []),
                    "max_size_mb": prop.get("x-attachment", {}).get("max_size_mb", ""),
                })
            sections.append({"index": section_index, "title": section.get("title", ""),
                             "fields": fields})
        pages.append({"index": page_index, "title": page.get("title", ""),
                      "sections": sections})
    return pages


EDIT_ACTIONS = {"add_page", "add_section", "add_field", "update_field", "move_up",
                "move_down", "remove_field", "rename_page", "rename_section",
                "remove_section", "title"}


def _apply(form: FormVersion, post) -> tuple[dict, dict, str | None, str]:
    action = post.get("action", "")
    schema, layout = form.schema, form.layout
    page = _index(post.get("page"))
    section = _index(post.get("section"))
    name = post.get("field", "")
    title = form.title
    if action == "add_page":
        schema, layout = form_editing.add_page(schema, layout, post.get("title", ""))
    elif action == "add_section":
        schema, layout = form_editing.add_section(schema, layout, page, post.get("title", ""))
    elif action == "add_field":
        schema, layout, _name = form_editing.add_field(
            schema, layout, page, section, label=post.get("label", ""),
            kind=post.get("kind", ""), required="required" in post,
            help_text=post.get("help", ""), options=post.get("options", ""))
    elif action == "update_field":
        schema, layout = form_editing.update_field(
            schema, layout, name, label=post.get("label", ""), help_text=post.get("help", ""),
            required="required" in post, max_length=post.get("max_length", ""),
            options=post.get("options", ""), minimum=post.get("minimum", ""),
            maximum=post.get("maximum", ""), show_if_field=post.get("show_if_field", ""),
            show_if_value=post.get("show_if_value", ""), accept=post.getlist("accept"),
            max_size_mb=post.get("max_size_mb", ""), max_files=post.get("max_files", ""))
    elif action in ("move_up", "move_down"):
        schema, layout = form_editing.move_field(schema, layout, name,
                                                 -1 if action == "move_up" else 1)
    elif action == "remove_field":
        schema, layout = form_editing.remove_field(schema, layout, name)
    elif action == "rename_page":
        schema, layout = form_editing.rename(schema, layout, page, None, post.get("title", ""))
    elif action == "rename_section":
        schema, layout = form_editing.rename(schema, layout, page, section,
                                             post.get("title", ""))
    elif action == "remove_section":
        schema, layout = form_editing.remove_section(schema, layout, page, section)
    elif action == "title":
        title = post.get("title", "")
    else:
        raise Http404
    return schema, layout, title, action


def _index(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@staff_required(Permission.MANAGE_SERVICES)
@require_http_methods(["GET", "POST"])
def form_editor(request: HttpRequest, service_id: int) -> HttpResponse:
    service = _service_or_404(request, service_id)
    form = services.open_form_draft(service, acting_user=request.user)
    error = ""
    if request.method == "POST":
        try:
            schema, layout, title, _action = _apply(form, request.POST)
            services.save_form_draft(form, acting_user=request.user, schema=schema,
                                     layout=layout, title=title)
            messages.success(request, _("The draft of the form is saved."))
            return redirect(request.path)
        except (ValueError, services.EserviceError) as refused:
            error = getattr(refused, "message", str(refused))
    outline = _outline(form)
    all_fields = [(field["name"], field["prop"].get("title", field["name"]))
                  for page in outline for section in page["sections"]
                  for field in section["fields"]]
    return render(request, "eservices/staff/form_editor.html", {
        "service": service, "form": form, "outline": outline, "error": error,
        "kinds": [(key, label) for key, (label, _prop) in form_editing.KINDS.items()],
        "all_fields": all_fields, "attachment_types": forms_engine.ATTACHMENT_TYPES,
        "problems": forms_engine.check_definition(form.schema, form.layout),
        "versions": selectors.form_versions(service),
    }, status=422 if error else 200)


@staff_required(Permission.MANAGE_SERVICES)
def form_preview(request: HttpRequest, service_id: int) -> HttpResponse:
    """The draft as residents will see it, page by page, inputs disabled."""
    service = _service_or_404(request, service_id)
    form = selectors.form_draft(service) or service.current_form
    if form is None:
        raise Http404
    localities = list_locality_names(request.municipality)
    pages = [{"title": page.get("title", ""),
              "sections": bind_sections(form, index, {}, {}, [], localities)}
             for index, page in enumerate(form.layout.get("pages", []))]
    return render(request, "eservices/staff/form_preview.html", {
        "service": service, "form": form, "pages": pages})


@staff_required(Permission.MANAGE_SERVICES)
@require_POST
def form_publish(request: HttpRequest, service_id: int) -> HttpResponse:
    service = _service_or_404(request, service_id)
    form = selectors.form_draft(service)
    if form is None:
        raise Http404
    try:
        services.publish_form(form, acting_user=request.user)
    except forms_engine.DefinitionError as problems:
        for problem in problems.problems:
            messages.error(request, problem)
        return redirect("eservices-staff:form-editor", request.municipality.slug, service.pk)
    messages.success(request, _("Version %(number)s of the form is published.") % {
        "number": form.number})
    return redirect("eservices-staff:service-list", request.municipality.slug)


@staff_required(Permission.MANAGE_SERVICES)
@require_POST
def form_discard(request: HttpRequest, service_id: int) -> HttpResponse:
    service = _service_or_404(request, service_id)
    form = selectors.form_draft(service)
    if form is None:
        raise Http404
    services.discard_form_draft(form, acting_user=request.user)
    messages.success(request, _("The draft is discarded."))
    return redirect("eservices-staff:service-list", request.municipality.slug)

