"""The gmina's e-office for residents: the catalogue, the cards, the forms (step by step,
saved as they go), the receipt, the status check, receipt verification, the accessibility
statement and the resident's matters. Thin: parse → access → service → render."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ratusz.accounts import identity
from ratusz.cases.models import LetterStatus, OutgoingLetter, SendingMethod
from ratusz.cases.services import STATUS_LABELS_PL
from ratusz.core.ratelimit import allow, client_address
from ratusz.core.selectors import list_locality_names
from ratusz.eservices import forms_engine, receipts, selectors, services
from ratusz.eservices.models import Category, Draft, MessageDirection, Service, Submission

STASH_KEY = "__files__"
TOKEN_KEY = "__token__"
SESSION_PREFIX = "eservices:form:"
SESSION_DONE = "eservices:done"


# --- Catalogue and cards ---------------------------------------------------------------

@require_GET
def catalogue(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("kategoria", "")
    services_found = selectors.published_services(request.municipality, query=query,
                                                  category=category)
    counts = selectors.category_counts(request.municipality)
    return render(request, "eservices/catalogue.html", {
        "services": services_found, "query": query, "category": category,
        "categories": [(value, label, counts.get(value, 0))
                       for value, label in Category.choices if counts.get(value)],
        "total": sum(counts.values()),
    })


def _published_or_404(request: HttpRequest, slug: str) -> Service:
    service = selectors.published_service(request.municipality, slug)
    if service is None:
        raise Http404
    return service


@require_GET
def card(request: HttpRequest, municipality_slug: str, slug: str) -> HttpResponse:
    service = _published_or_404(request, slug)
    return render(request, "eservices/card.html", {"service": service})


# --- Forms ---------------------------------------------------------------------------------

class FormState:
    """What a person has typed so far: a saved draft for a resident, the session for
    everyone else."""

    def __init__(self, request: HttpRequest, service: Service):
        self.request, self.service = request, service
        self.resident = request.user if request.user.is_authenticated and \
            request.user.is_resident else None
        self.draft = None
        if self.resident is not None:
            self.draft = Draft.objects.for_municipality(service.municipality_id).filter(
                service=service, resident=self.resident).first()
            stored = dict(self.draft.data) if self.draft else None
        else:
            stored = request.session.get(f"{SESSION_PREFIX}{service.pk}")
        self.is_resumed = stored is not None
        self.data = stored or {}
        if not self.is_resumed and self.resident is not None:
            self.data = forms_engine.prefill(service.current_form.schema,
                                             service.current_form.layout,
                                             _resident_values(self.resident))
        self.data.setdefault(STASH_KEY, [])
        self.data.setdefault(TOKEN_KEY, uuid.uuid4().hex)

    @property
    def answers(self) -> dict:
        return {key: value for key, value in self.data.items()
                if key not in (STASH_KEY, TOKEN_KEY)}

    @property
    def stash(self) -> list[dict]:
        return self.data[STASH_KEY]

    def save(self, page: int) -> None:
        if self.resident is not None:
            services.save_draft(self.service, resident=self.resident, data=self.data,
                                page=page)
        else:
            self.request.session[f"{SESSION_PREFIX}{self.service.pk}"] = self.data

    def clear(self) -> None:
        for item in self.stash:
            default_storage.delete(item["path"])
        if self.resident is not None:
            services.discard_draft(self.service, resident=self.resident)
        else:
            self.request.session.pop(f"{SESSION_PREFIX}{self.service.pk}", None)


def _resident_values(resident) -> dict:
    profile = getattr(resident, "resident_profile", None)
    values = {"first_name": resident.first_name, "last_name": resident.last_name,
              "email": resident.email}
    if profile is not None:
        values.update({"phone": profile.phone, "street": profile.street,
                       "building": profile.building, "flat": profile.flat,
                       "postal_code": profile.postal_code, "city": profile.city})
        if profile.is_identified:
            # Confirmed by login.gov.pl: the resident's own PESEL, shown to them only.
            values["pesel"] = identity.profile_pesel(profile)
    return values


def _page_number(request: HttpRequest, count: int) -> int:
    try:
        number = int(request.GET.get("strona", "1"))
    except ValueError:
        number = 1
    return min(max(number, 1), count)


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
                  localities: list[str], extra_rows: dict | None = None) -> list[dict]:
    """The fields of one page ready for `eservices/_form_fields.html`."""
    schema, layout = form.schema, form.layout
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    settings = layout.get("fields", {})
    page = layout["pages"][page_index]
    sections = []
    for section in page.get("sections", []):
        fields = []
        for name in section.get("fields", []):
            prop = properties.get(name)
            if prop is None:
                continue
            options = settings.get(name, {})
            condition = options.get("show_if")
            if forms_engine.is_attachment(prop):
                attachment = prop["x-attachment"]
                field = {
                    "name": name, "path": name, "id": forms_engine.error_anchor(name),
                    "label": prop.get("title", name), "help": options.get("help", ""),
                    "widget": "file", "required": name in required,
                    "error": errors.get(name, ""), "max_files": prop.get("maxItems", 1),
                    "accept": ",".join(f".{kind}" for kind in attachment.get("accept", [])),
                    "accept_label": ", ".join(attachment.get("accept", [])),
                    "max_size_mb": attachment.get("max_size_mb"),
                    "files": [(index, item) for index, item in enumerate(stash)
                              if item["field"] == name],
                }
            elif forms_engine.is_group(prop):
                items = prop.get("items", {})
                rows = data.get(name) if isinstance(data.get(name), list) else []
                count = max(len(rows), prop.get("minItems", 1), 1)
                count = min(count, prop.get("maxItems", 50))
                field = {
                    "name": name, "path": name, "id": forms_engine.error_anchor(name),
                    "label": prop.get("title", name), "help": options.get("help", ""),
                    "widget": "group", "error": errors.get(name, ""), "count": count,
                    "can_add": count < prop.get("maxItems", 50), "required": name in required,
                    "rows": [
                        {"index": index, "fields": [
                            _bind_field(f"{name}.{index}.{sub_name}", sub, {},
                                        (rows[index] if index < len(rows) and
                                         isinstance(rows[index], dict) else {}).get(sub_name),
                                        errors, sub_name in items.get("required", []),
                                        localities)
                            for sub_name, sub in items.get("properties", {}).items()]}
                        for index in range(count)],
                }
            else:
                field = _bind_field(name, prop, options, data.get(name), errors,
                                    name in required, localities)
            if condition:
                other = properties.get(condition["field"], {})
                wanted = condition.get("equals", condition.get("in"))
                wanted = wanted if isinstance(wanted, list) else [wanted]
                labels = dict(zip(other.get("enum", []), other.get("x-enum-titles") or
                                  other.get("enum", []), strict=False))
                field["condition"] = {
                    "field": other.get("title", condition["field"]),
                    "values": ", ".join(str(labels.get(value, "tak" if value is True else
                                                       value)) for value in wanted)}
            fields.append(field)
        sections.append({"title": section.get("title", ""), "help": section.get("help", ""),
                         "fields": fields})
    return sections


def _stash_uploads(request: HttpRequest, service: Service, names: list[str], state: FormState,
                   errors: dict) -> None:
    properties = service.current_form.schema.get("properties", {})
    for name in names:
        prop = properties.get(name)
        if prop is None or not forms_engine.is_attachment(prop):
            continue
        for upload in request.FILES.getlist(name):
            already = sum(1 for item in state.stash if item["field"] == name)
            if already >= prop.get("maxItems", 1):
                errors[name] = _("You can attach at most %(count)s files here.") % {
                    "count": prop.get("maxItems", 1)}
                break
            data = upload.read(int(float(prop["x-attachment"]["max_size_mb"]) * 1024 * 1024)
                               + 1)
            file = services.UploadedFile(name, PurePath(upload.name).name, data)
            try:
                inspection = services.check_one_attachment(prop, file)
            except services.EserviceError as error:
                errors[name] = error.message
                break
            extension = PurePath(file.name).suffix.lower()[:10]
            path = default_storage.save(
                f"drafts/{service.municipality_id}/{uuid.uuid4().hex}{extension}",
                ContentFile(data))
            state.stash.append({"field": name, "name": file.name, "path": path,
                                "size": inspection.size, "sha256": inspection.sha256})


def _stashed_files(state: FormState) -> list[services.UploadedFile]:
    files = []
    for item in state.stash:
        with default_storage.open(item["path"], "rb") as handle:
            files.append(services.UploadedFile(item["field"], item["name"], handle.read()))
    return files


def _missing_attachments(service: Service, names: list[str], state: FormState,
                         errors: dict) -> None:
    schema = service.current_form.schema
    properties, required = schema.get("properties", {}), set(schema.get("required", []))
    shown = forms_engine.shown_fields(schema, service.current_form.layout, state.answers)
    for name in names:
        prop = properties.get(name)
        if prop and forms_engine.is_attachment(prop) and name in shown and \
                name in required and not any(item["field"] == name for item in state.stash):
            errors.setdefault(name, f"Dołącz plik w polu „{prop.get('title', name)}”.")


def _page_of(layout: dict, path: str) -> int:
    top = path.split(".")[0]
    for index in range(len(layout.get("pages", []))):
        if top in forms_engine.page_fields(layout, index):
            return index
    return 0


@never_cache
@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, municipality_slug: str, slug: str) -> HttpResponse:
    service = _published_or_404(request, slug)
    form = service.current_form
    if service.requires_identification and not service.allows_anonymous and \
            not identity.is_identified_session(request):
        return render(request, "eservices/sign_in_needed.html", {"service": service},
                      status=200 if not request.user.is_authenticated else 403)
    pages = form.layout.get("pages", [])
    state = FormState(request, service)
    page_index = _page_number(request, len(pages)) - 1
    errors: dict[str, str] = {}
    email = request.POST.get("applicant_email", "").strip() if request.method == "POST" else ""
    if not email and isinstance(state.answers.get("email"), str):
        email = state.answers["email"].strip()
    if request.method == "POST":
        page_index = min(max(int(request.POST.get("page", "1") or 1), 1), len(pages)) - 1 \
            if request.POST.get("page", "").isdigit() else page_index
        action = request.POST.get("action", "next")
        posted_token = request.POST.get("form_token", "")
        if len(posted_token) == 32 and posted_token.isalnum():
            # A replayed or double-clicked submit carries the token of the page it came
            # from, so it files nothing new.
            state.data[TOKEN_KEY] = posted_token
        names = forms_engine.page_fields(form.layout, page_index)
        state.data.update(forms_engine.data_from_post(form.schema, names, request.POST))
        _stash_uploads(request, service, names, state, errors)
        if action.startswith("remove-file:"):
            _remove_stashed(state, action.split(":", 1)[1])
        elif action.startswith("add:") or action.startswith("remove:"):
            _change_rows(form.schema, state, action)
        if errors or action.startswith(("add:", "remove:", "remove-file:")) or \
                action == "save":
            state.save(page_index)
            if action == "save" and not errors:
                messages.success(request, _("Your answers are saved. You can come back to "
                                            "them later."))
        elif action == "back":
            state.save(max(page_index - 1, 0))
            return redirect(f"{request.path}?strona={max(page_index, 1)}")
        elif action == "next":
            result = forms_engine.validate(form.schema, form.layout, state.answers,
                                           localities=list_locality_names(
                                               service.municipality_id), only=names)
            errors.update(result.errors)
            _missing_attachments(service, names, state, errors)
            state.save(page_index if errors else page_index + 1)
            if not errors and page_index + 1 < len(pages):
                return redirect(f"{request.path}?strona={page_index + 2}")
        elif action == "submit":
            response = _submit(request, service, state, email, errors)
            if response is not None:
                return response
            if errors:
                page_index = _page_of(form.layout, next(iter(errors)))
    elif state.is_resumed and state.draft is not None and "strona" not in request.GET:
        page_index = min(state.draft.page, len(pages) - 1)
    localities = list_locality_names(service.municipality_id)
    page_paths = {name: index for index in range(len(pages))
                  for name in forms_engine.page_fields(form.layout, index)}
    summary = [{"message": message,
                "href": (f"?strona={page_paths.get(path.split('.')[0], 0) + 1}"
                         if page_paths.get(path.split(".")[0], 0) != page_index else "")
                + f"#{forms_engine.error_anchor(path)}"}
               for path, message in errors.items()]
    return render(request, "eservices/form.html", {
        "service": service, "form": form, "pages": pages, "page_index": page_index,
        "page_number": page_index + 1, "is_last": page_index == len(pages) - 1,
        "sections": bind_sections(form, page_index, state.answers, errors, state.stash,
                                  localities),
        "errors": summary, "is_resumed": state.is_resumed and request.method == "GET",
        "is_anonymous": state.resident is None, "applicant_email": email,
        "email_error": errors.get("applicant_email", ""),
        "form_token": state.data[TOKEN_KEY],
    }, status=422 if errors else 200)


def _remove_stashed(state: FormState, index: str) -> None:
    if index.isdigit() and int(index) < len(state.stash):
        item = state.stash.pop(int(index))
        default_storage.delete(item["path"])


def _change_rows(schema: dict, state: FormState, action: str) -> None:
    parts = action.split(":")
    name = parts[1]
    prop = schema.get("properties", {}).get(name)
    if prop is None or not forms_engine.is_group(prop):
        return
    rows = state.data.get(name) if isinstance(state.data.get(name), list) else []
    if parts[0] == "add" and len(rows) < prop.get("maxItems", 50):
        rows = rows or [{}]
        rows.append({})
    elif parts[0] == "remove" and len(parts) == 3 and parts[2].isdigit() and \
            int(parts[2]) < len(rows):
        rows.pop(int(parts[2]))
    state.data[name] = rows


def _submit(request, service, state, email, errors) -> HttpResponse | None:
    form = service.current_form
    all_names = forms_engine.field_order(form.layout)
    _missing_attachments(service, all_names, state, errors)
    if errors:
        return None
    try:
        if state.resident is not None:
            submission, _created = services.submit(
                service, data=state.answers, files=_stashed_files(state),
                resident=state.resident, idempotency_key=f"form:{state.data[TOKEN_KEY]}")
        else:
            if not allow("anonymous-submission", client_address(request), limit=10,
                         window_seconds=3600):
                errors["applicant_email"] = _("Too many submissions from this address. Try "
                                              "again in an hour.")
                return None
            confirm_url = request.build_absolute_uri(reverse(
                "eservices:confirm", args=[service.municipality.slug, "TOKEN"]))
            pending = services.request_anonymous_submission(
                service, email=email, data=state.answers, files=_stashed_files(state),
                confirm_url=confirm_url, form_token=state.data[TOKEN_KEY])
            state.clear()
            request.session["eservices:pending_email"] = pending.email
            return redirect("eservices:check-email", service.municipality.slug, service.slug)
    except services.SubmissionRejected as rejection:
        errors.update(rejection.errors)
        return None
    except services.EserviceError as error:
        errors["__all__"] = error.message
        return None
    state.clear()
    return redirect("eservices:matter", service.municipality.slug, submission.public_id)


@require_GET
def check_email(request: HttpRequest, municipality_slug: str, slug: str) -> HttpResponse:
    service = _published_or_404(request, slug)
    return render(request, "eservices/check_email.html", {
        "service": service, "email": request.session.get("eservices:pending_email", "")})


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, municipality_slug: str, token: str) -> HttpResponse:
    """The link from the e-mail: a GET only asks (mail scanners open links), the button
    files the submission."""
    if request.method == "GET":
        return render(request, "eservices/confirm.html", {"token": token})
    try:
        submission, _created = services.confirm_anonymous_submission(request.municipality,
                                                                     token)
    except services.EserviceError as error:
        return render(request, "eservices/confirm.html", {"token": token,
                                                          "error": error.message}, status=400)
    done = request.session.get(SESSION_DONE, [])
    if str(submission.public_id) not in done:
        request.session[SESSION_DONE] = [*done[-9:], str(submission.public_id)]
    return redirect("eservices:received", request.municipality.slug, submission.public_id)


@require_GET
def received(request: HttpRequest, municipality_slug: str, public_id) -> HttpResponse:
    """The page after a submission without sign-in: only in the browser that confirmed it."""
    if str(public_id) not in request.session.get(SESSION_DONE, []):
        raise Http404
    submission = Submission.objects.for_municipality(request.municipality).select_related(
        "service", "case", "incoming").filter(public_id=public_id).first()
    if submission is None:
        raise Http404
    return render(request, "eservices/received.html", {
        "submission": submission, "code": receipts.status_code(submission)})


@require_GET
def anonymous_receipt(request: HttpRequest, municipality_slug: str, public_id,
                      kind: str) -> HttpResponse:
    submission = Submission.objects.for_municipality(request.municipality).select_related(
        "service", "case", "incoming", "form_version", "municipality").filter(
        public_id=public_id).first()
    allowed = submission is not None and (
        str(public_id) in request.session.get(SESSION_DONE, [])
        or receipts.codes_match(submission, request.GET.get("kod", "")))
    if not allowed:
        raise Http404
    return _receipt_response(submission, kind)


def _receipt_response(submission: Submission, kind: str) -> HttpResponse:
    if kind not in ("pdf", "xml"):
        raise Http404
    response = HttpResponse(receipts.read_receipt(submission, kind),
                            content_type="application/pdf" if kind == "pdf"
                            else "application/xml")
    response["Content-Disposition"] = (f'attachment; filename="UPP-{submission.case.mark}'
                                       f'.{kind}"').replace("/", "-")
    return response


# --- Status check and verification --------------------------------------------------------

@never_cache
@require_http_methods(["GET", "POST"])
def status_check(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    context: dict = {"case_mark": "", "code": ""}
    if request.method == "POST":
        case_mark = request.POST.get("case_mark", "").strip()[:60]
        code = request.POST.get("code", "").strip()[:12]
        context.update(case_mark=case_mark, code=code)
        errors = {}
        if not case_mark:
            errors["case_mark"] = _("Enter the case mark from the receipt, e.g. "
                                    "OR.1431.12.2026.")
        if not code:
            errors["code"] = _("Enter the code printed on the receipt.")
        if not errors and not allow("status-check", client_address(request), limit=20,
                                    window_seconds=600):
            errors["case_mark"] = _("Too many attempts. Try again in 10 minutes.")
        if not errors:
            submission = selectors.find_by_case_mark(request.municipality, case_mark)
            if submission is None or not receipts.codes_match(submission, code):
                errors["code"] = _("We found no matter with this case mark and code. Check "
                                   "both on the receipt.")
            else:
                context["submission"] = submission
                context["status"] = _status_label(submission)
        context["errors"] = errors
        return render(request, "eservices/status.html", context,
                      status=422 if errors else 200)
    return render(request, "eservices/status.html", context)


def _status_label(submission: Submission) -> str:
    if submission.is_withdrawn:
        return "wycofany przez wnioskodawcę"
    if submission.fee_status == "awaiting":
        return "oczekuje na opłatę"
    return STATUS_LABELS_PL.get(submission.case.status, submission.case.status)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    context: dict = {}
    if request.method == "POST":
        upload = request.FILES.get("receipt")
        if upload is None:
            context["error"] = _("Choose the receipt file (PDF or XML).")
        elif upload.size > 5 * 1024 * 1024:
            context["error"] = _("A receipt is never larger than 5 MB; this is not one.")
        elif not allow("verify", client_address(request), limit=30, window_seconds=600):
            context["error"] = _("Too many attempts. Try again in 10 minutes.")
        else:
            context["result"] = receipts.verify_receipt(upload.read())
            context["file_name"] = upload.name
        return render(request, "eservices/verify.html", context,
                      status=422 if context.get("error") else 200)
    return render(request, "eservices/verify.html", context)


@require_GET
def accessibility(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    return render(request, "eservices/accessibility.html", {})


# --- The resident's matters ---------------------------------------------------------------

def _resident_or_login(request: HttpRequest):
    from django.contrib.auth.views import redirect_to_login

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.is_resident:
        raise Http404
    return None


@require_GET
def my_matters(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    refusal = _resident_or_login(request)
    if refusal is not None:
        return refusal
    submissions = selectors.submissions_of_resident(request.municipality, request.user)
    page = Paginator(submissions, 25).get_page(request.GET.get("strona"))
    drafts = Draft.objects.for_municipality(request.municipality).filter(
        resident=request.user).select_related("service").order_by("-updated_at")
    return render(request, "eservices/my_matters.html", {
        "page": page, "drafts": drafts,
        "labels": {item.pk: _status_label(item) for item in page}})


def _own_or_404(request: HttpRequest, public_id) -> Submission:
    submission = selectors.access_own_submission(request.municipality, request.user,
                                                 public_id)
    if submission is None:
        raise Http404
    return submission


@never_cache
@require_http_methods(["GET", "POST"])
def matter(request: HttpRequest, municipality_slug: str, public_id) -> HttpResponse:
    refusal = _resident_or_login(request)
    if refusal is not None:
        return refusal
    submission = _own_or_404(request, public_id)
    error = ""
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "reply":
                files = [services.UploadedFile("reply", PurePath(upload.name).name,
                                               upload.read())
                         for upload in request.FILES.getlist("files")]
                services.reply_as_resident(submission, resident=request.user,
                                           text=request.POST.get("text", ""), files=files)
                messages.success(request, _("Your reply has been added to the case."))
            elif action == "withdraw":
                if request.POST.get("confirm") != "yes":
                    raise services.EserviceError(
                        "confirm", "Zaznacz, że na pewno chcesz wycofać wniosek.")
                services.withdraw_submission(submission, acting_user=request.user,
                                             reason=request.POST.get("reason", ""))
                messages.success(request, _("The request has been withdrawn."))
            else:
                raise Http404
            return redirect(request.path)
        except services.EserviceError as refused:
            error = refused.message
    services.mark_messages_read(submission, direction=MessageDirection.TO_RESIDENT)
    letters = OutgoingLetter.objects.for_municipality(request.municipality).filter(
        case=submission.case, status=LetterStatus.SENT,
        sending_method=SendingMethod.RESIDENT_INBOX).order_by("letter_date", "pk")
    form = submission.form_version
    return render(request, "eservices/matter.html", {
        "submission": submission, "status": _status_label(submission),
        "code": receipts.status_code(submission),
        "messages_list": submission.messages.select_related("document").all(),
        "letters": letters, "error": error,
        "answers": render_answers(form.schema, form.layout, submission.data),
        "attachments": submission.attachments.all(),
        "is_open": submission.case.is_open and not submission.is_withdrawn,
    }, status=422 if error else 200)


@require_GET
def matter_receipt(request: HttpRequest, municipality_slug: str, public_id,
                   kind: str) -> HttpResponse:
    refusal = _resident_or_login(request)
    if refusal is not None:
        return refusal
    return _receipt_response(_own_or_404(request, public_id), kind)


@require_GET
def matter_letter(request: HttpRequest, municipality_slug: str, public_id,
                  letter_id: int) -> HttpResponse:
    """A sealed letter of the office sent to the resident's inbox."""
    refusal = _resident_or_login(request)
    if refusal is not None:
        return refusal
    submission = _own_or_404(request, public_id)
    letter = OutgoingLetter.objects.for_municipality(request.municipality).filter(
        pk=letter_id, case=submission.case, status=LetterStatus.SENT,
        sending_method=SendingMethod.RESIDENT_INBOX, document__isnull=False).select_related(
        "document").first()
    version = letter.document.versions.order_by("-number").first() if letter else None
    if version is None:
        raise Http404
    with default_storage.open(version.file.name if hasattr(version.file, "name")
                              else version.file, "rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type=version.content_type)
    response["Content-Disposition"] = f'attachment; filename="{version.original_name}"'
    return response


def render_answers(schema: dict, layout: dict, data: dict) -> list[dict]:
    """The answers as pages → sections → (label, text or table) for reading."""
    properties = schema.get("properties", {})
    result = []
    for page in layout.get("pages", []):
        sections = []
        for section in page.get("sections", []):
            rows = []
            for name in section.get("fields", []):
                prop = properties.get(name)
                if prop is None or forms_engine.is_attachment(prop) or name not in data:
                    continue
                if forms_engine.is_group(prop):
                    subs = prop.get("items", {}).get("properties", {})
                    rows.append({"label": prop.get("title", name), "table": {
                        "headers": [sub.get("title", key) for key, sub in subs.items()],
                        "rows": [[_answer_text(sub, item.get(key)) for key, sub in
                                  subs.items()] for item in data[name]]}})
                else:
                    rows.append({"label": prop.get("title", name),
                                 "text": _answer_text(prop, data[name])})
            if rows:
                sections.append({"title": section.get("title", ""), "rows": rows})
        if sections:
            result.append({"title": page.get("title", ""), "sections": sections})
    return result


def _answer_text(prop: dict, value) -> str:
    if value is None or value == "":
        return "—"
    if prop.get("type") == "boolean":
        return "Tak" if value else "Nie"
    if "enum" in prop:
        titles = dict(zip(prop["enum"], prop.get("x-enum-titles") or prop["enum"],
                          strict=False))
        return str(titles.get(value, value))
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return str(value)
