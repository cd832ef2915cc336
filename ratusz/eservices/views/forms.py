"""Filling in a service's form, step by step (saved as it goes: a resident's draft, the
session for everyone else), filing it, and the pages after: checking e-mail, confirming
a submission without sign-in, the receipt."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ratusz.accounts import identity
from ratusz.core.idempotency import IdempotencyConflict, caller_of, fingerprint, scoped_key
from ratusz.core.ratelimit import allow, client_address
from ratusz.core.selectors import list_locality_names
from ratusz.eservices import forms_engine, receipts, selectors, services
from ratusz.eservices.models import Service
from ratusz.eservices.views.catalogue import published_or_404
from ratusz.eservices.views.rendering import bind_sections, receipt_response

STASH_KEY = "__files__"
TOKEN_KEY = "__token__"
SESSION_PREFIX = "eservices:form:"
SESSION_DONE = "eservices:done"


class FormState:
    """What a person has typed so far: a saved draft for a resident, the session for
    everyone else."""

    def __init__(self, request: HttpRequest, service: Service):
        self.request, self.service = request, service
        self.resident = request.user if request.user.is_authenticated and \
            request.user.is_resident else None
        self.draft = None
        if self.resident is not None:
            self.draft = selectors.draft_of(service.municipality_id, service, self.resident)
            stored = dict(self.draft.data) if self.draft else None
        else:
            stored = request.session.get(f"{SESSION_PREFIX}{service.pk}")
        self.is_resumed = stored is not None
        self.data = stored or {}
        if not self.is_resumed and self.resident is not None:
            self.data = forms_engine.prefill(service.current_form.schema,
                                             service.current_form.layout,
                                             selectors.prefill_values(self.resident))
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
        services.discard_stashed(self.stash)
        if self.resident is not None:
            services.discard_draft(self.service, resident=self.resident)
        else:
            self.request.session.pop(f"{SESSION_PREFIX}{self.service.pk}", None)


def _page_number(request: HttpRequest, count: int) -> int:
    try:
        number = int(request.GET.get("strona", "1"))
    except ValueError:
        number = 1
    return min(max(number, 1), count)


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
                state.stash.append(services.stash_attachment(service, prop, file))
            except services.EserviceError as error:
                errors[name] = error.message
                break


def _missing_attachments(service: Service, names: list[str], state: FormState,
                         errors: dict) -> None:
    schema = service.current_form.schema
    properties, required = schema.get("properties", {}), set(schema.get("required", []))
    shown = forms_engine.shown_fields(schema, service.current_form.layout, state.answers)
    for name in names:
        prop = properties.get(name)
        if prop and forms_engine.is_attachment(prop) and name in shown and \
                name in required and not any(item["field"] == name for item in state.stash):
            errors.setdefault(name, _("Attach a file in the field “%(title)s”.")
                              % {"title": prop.get("title", name)})


def _page_of(layout: dict, path: str) -> int:
    top = path.split(".")[0]
    for index in range(len(layout.get("pages", []))):
        if top in forms_engine.page_fields(layout, index):
            return index
    return 0


@never_cache
@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, municipality_slug: str, slug: str) -> HttpResponse:
    service = published_or_404(request, slug)
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
        posted = forms_engine.data_from_post(form.schema, names, request.POST)
        state.data.update(posted)
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
            response = _submit(request, service, state, email, errors, posted)
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
        services.discard_stashed([state.stash.pop(int(index))])


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


def _submit(request, service, state, email, errors, posted) -> HttpResponse | None:
    """File the form. Its token (scoped to the person) makes a double-sent last page file
    once; the last page sent again with other answers (back, change, send) is not filed
    silently as the first one: the person is asked to send it again, under a new token."""
    form = service.current_form
    all_names = forms_engine.field_order(form.layout)
    _missing_attachments(service, all_names, state, errors)
    if errors:
        return None
    try:
        if state.resident is not None:
            submission, _created = services.submit(
                service, data=state.answers, files=services.stashed_files(state.stash),
                resident=state.resident,
                idempotency_key=scoped_key(caller_of(request), f"form:{state.data[TOKEN_KEY]}"),
                fingerprint=fingerprint(posted))
        else:
            if not allow("anonymous-submission", client_address(request), limit=10,
                         window_seconds=3600):
                errors["applicant_email"] = _("Too many submissions from this address. Try "
                                              "again in an hour.")
                return None
            confirm_url = request.build_absolute_uri(reverse(
                "eservices:confirm", args=[service.municipality.slug, "TOKEN"]))
            pending = services.request_anonymous_submission(
                service, email=email, data=state.answers,
                files=services.stashed_files(state.stash), confirm_url=confirm_url,
                form_token=state.data[TOKEN_KEY])
            state.clear()
            request.session["eservices:pending_email"] = pending.email
            return redirect("eservices:check-email", service.municipality.slug, service.slug)
    except IdempotencyConflict:
        state.data[TOKEN_KEY] = uuid.uuid4().hex
        errors["__all__"] = _("This form was already sent with other answers. Check them and "
                              "send the form again to file them as a new request.")
        return None
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
    service = published_or_404(request, slug)
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
    submission = selectors.submission_by_public_id(request.municipality, public_id)
    if submission is None:
        raise Http404
    return render(request, "eservices/received.html", {
        "submission": submission, "code": receipts.status_code(submission)})


@require_GET
def anonymous_receipt(request: HttpRequest, municipality_slug: str, public_id,
                      kind: str) -> HttpResponse:
    submission = selectors.submission_by_public_id(request.municipality, public_id)
    allowed = submission is not None and (
        str(public_id) in request.session.get(SESSION_DONE, [])
        or receipts.codes_match(submission, request.GET.get("kod", "")))
    if not allowed:
        raise Http404
    return receipt_response(submission, kind)
