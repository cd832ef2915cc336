"""Filling in a service's form, step by step (saved as it goes: a resident's draft, the
session for everyone else), the summary of every answer before sending, filing it, and the
pages after: checking e-mail (and sending the link again), confirming a submission without
sign-in, the confirmation of what was sent, the receipt.

The steps are the form's pages, a page split where a field depends on an answer given on
it (`forms_engine.form_steps`): what applies is decided here, with or without JavaScript.
`?strona=N` is the N-th step; steps without a field to show for the answers are passed
over."""

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
from ratusz.core.links import public_url
from ratusz.core.ratelimit import allow, client_address
from ratusz.eservices import forms_engine, receipts, selectors, services
from ratusz.eservices.links import status_url
from ratusz.eservices.models import FeeStatus, Service, Submission
from ratusz.eservices.views.catalogue import published_or_404
from ratusz.eservices.views.rendering import bind_sections, receipt_response, render_answers
from ratusz.payments import selectors as payment_selectors

STASH_KEY = "__files__"
TOKEN_KEY = "__token__"
SESSION_PREFIX = "eservices:form:"
SESSION_DONE = "eservices:done"
SESSION_PENDING = "eservices:pending"
SESSION_PENDING_EMAIL = "eservices:pending_email"
#: Fields whose answer is the address of someone sending without signing in.
EMAIL_PREFILL = "email"


class FormState:
    """What a person has typed so far: a saved draft for a resident, the session for
    everyone else. A new form starts with what the account and the gmina already know."""

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
        #: Answers saved on an earlier visit (a page was sent before), not just prefill.
        self.was_saved = stored is not None
        self.data = stored or forms_engine.prefill(
            service.current_form.schema, service.current_form.layout,
            selectors.prefill_values(service.municipality, self.resident))
        self.data.setdefault(STASH_KEY, [])
        self.data.setdefault(TOKEN_KEY, uuid.uuid4().hex)

    @property
    def answers(self) -> dict:
        return {key: value for key, value in self.data.items()
                if key not in (STASH_KEY, TOKEN_KEY)}

    @property
    def stash(self) -> list[dict]:
        return self.data[STASH_KEY]

    def save(self, step: int) -> None:
        if self.resident is not None:
            services.save_draft(self.service, resident=self.resident, data=self.data,
                                page=step)
        else:
            self.request.session[f"{SESSION_PREFIX}{self.service.pk}"] = self.data

    def clear(self) -> None:
        services.discard_stashed(self.stash)
        if self.resident is not None:
            services.discard_draft(self.service, resident=self.resident)
        else:
            self.request.session.pop(f"{SESSION_PREFIX}{self.service.pk}", None)


class Steps:
    """The steps of a form and which of them apply to the answers so far."""

    def __init__(self, service: Service, answers: dict):
        form = service.current_form
        self.all = forms_engine.form_steps(form.layout)
        self.shown_fields = set(forms_engine.shown_fields(form.schema, form.layout, answers))
        self.applying = [index for index, step in enumerate(self.all)
                         if any(name in self.shown_fields for name in step.fields)] or [0]

    def requested(self, request: HttpRequest) -> int:
        """The step of `?strona=` (1-based), or the nearest later one that applies."""
        try:
            wanted = int(request.GET.get("strona", "1")) - 1
        except ValueError:
            wanted = 0
        return self.nearest(wanted)

    def nearest(self, index: int) -> int:
        later = [step for step in self.applying if step >= index]
        return later[0] if later else self.applying[-1]

    def after(self, index: int) -> int | None:
        return next((step for step in self.applying if step > index), None)

    def before(self, index: int) -> int | None:
        return next((step for step in reversed(self.applying) if step < index), None)

    def first_of_page(self, page: int) -> int:
        return self.nearest(next(index for index, step in enumerate(self.all)
                                 if step.page == page))


def _form_url(service: Service, step: int | None = None, *, change: bool = False,
              anchor: str = "") -> str:
    url = reverse("eservices:form", args=[service.municipality.slug, service.slug])
    query = "&".join(part for part in (f"strona={step + 1}" if step is not None else "",
                                       "zmien=1" if change else "") if part)
    return f"{url}{'?' + query if query else ''}{'#' + anchor if anchor else ''}"


def _summary_url(service: Service) -> str:
    return reverse("eservices:form-summary", args=[service.municipality.slug, service.slug])


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


def email_field(service: Service) -> str | None:
    """The form's own field for the sender's e-mail address, if it has one."""
    form = service.current_form
    settings = form.layout.get("fields", {})
    for name, prop in form.schema.get("properties", {}).items():
        if prop.get("format") == "email" and \
                settings.get(name, {}).get("prefill") == EMAIL_PREFILL:
            return name
    return None


def _sender_email(service: Service, state: FormState, shown: set[str]) -> tuple[str, str]:
    """(the address of someone sending without signing in as the form gave it, the field
    that gave it): the form's own e-mail field when it is shown, else none."""
    name = email_field(service)
    if name and name in shown:
        value = state.answers.get(name)
        return (value.strip() if isinstance(value, str) else ""), name
    return "", ""


def _check_step(service: Service, state: FormState, steps: Steps, index: int,
                errors: dict) -> None:
    form = service.current_form
    names = steps.all[index].fields
    result = forms_engine.validate(form.schema, form.layout, state.answers,
                                   localities=selectors.locality_names(service.municipality),
                                   only=names)
    errors.update(result.errors)
    _missing_attachments(service, names, state, errors)
    if state.resident is None:
        sender_field = email_field(service)
        if sender_field in names and sender_field in steps.shown_fields and \
                not str(state.answers.get(sender_field) or "").strip():
            errors.setdefault(sender_field, _(
                "Give your e-mail address: we will send the link that sends the request "
                "there, and then the receipt."))


def _first_step_with_errors(service: Service, state: FormState, steps: Steps) -> int | None:
    for index in steps.applying:
        errors: dict = {}
        _check_step(service, state, steps, index, errors)
        if errors:
            return index
    return None


def _error_summary(errors: dict, layout: dict, steps: Steps, current: int) -> list[dict]:
    summary = []
    for path, message in errors.items():
        step = forms_engine.step_of(layout, path.split(".")[0])
        href = f"?strona={step + 1}" if step != current else ""
        summary.append({"message": message,
                        "href": f"{href}#{forms_engine.error_anchor(path)}"})
    return summary


def _identification_refusal(request: HttpRequest, service: Service) -> HttpResponse | None:
    if service.requires_identification and not service.allows_anonymous and \
            not identity.is_identified_session(request):
        return render(request, "eservices/sign_in_needed.html", {"service": service},
                      status=200 if not request.user.is_authenticated else 403)
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def form_page(request: HttpRequest, municipality_slug: str, slug: str) -> HttpResponse:
    service = published_or_404(request, slug)
    form = service.current_form
    refusal = _identification_refusal(request, service)
    if refusal is not None:
        return refusal
    state = FormState(request, service)
    steps = Steps(service, state.answers)
    index = steps.requested(request)
    errors: dict[str, str] = {}
    returning = request.GET.get("zmien") == "1" or request.POST.get("zmien") == "1"
    if request.method == "POST":
        if request.POST.get("page", "").isdigit():
            index = steps.nearest(int(request.POST["page"]) - 1)
        action = request.POST.get("action", "next")
        posted_token = request.POST.get("form_token", "")
        if len(posted_token) == 32 and posted_token.isalnum():
            # A replayed or double-clicked submit carries the token of the page it came
            # from, so it files nothing new.
            state.data[TOKEN_KEY] = posted_token
        names = steps.all[index].fields
        posted = forms_engine.data_from_post(form.schema, names, request.POST)
        state.data.update(posted)
        _stash_uploads(request, service, names, state, errors)
        steps = Steps(service, state.answers)
        if action.startswith("remove-file:"):
            _remove_stashed(state, action.split(":", 1)[1])
        elif action.startswith(("add:", "remove:")):
            anchor = _change_rows(form.schema, state, action)
            if not errors:
                state.save(index)
                return redirect(_form_url(service, index, change=returning, anchor=anchor))
        if errors or action.startswith(("add:", "remove:", "remove-file:")) or \
                action == "save":
            state.save(index)
            if action == "save" and not errors:
                messages.success(request, _("Your answers are saved. You can come back to "
                                            "them later."))
                return redirect(_form_url(service, index, change=returning))
        elif action == "back":
            previous = steps.before(index)
            state.save(index if previous is None else previous)
            return redirect(_form_url(service, index if previous is None else previous))
        elif action == "next":
            _check_step(service, state, steps, index, errors)
            following = steps.after(index)
            state.save(index if errors or following is None else following)
            if not errors:
                if returning or following is None:
                    return redirect(_summary_url(service))
                return redirect(_form_url(service, following))
        elif action == "submit":
            # The whole form sent at once (an old page, a script): filed if it is complete.
            email, _field = _sender_email(service, state, steps.shown_fields)
            email = request.POST.get("applicant_email", "").strip() or email
            response = _submit(request, service, state, email, errors)
            if response is not None:
                return response
            if errors:
                index = forms_engine.step_of(form.layout, next(iter(errors)).split(".")[0])
    elif request.GET.get("sprawdz") == "1":
        _check_step(service, state, steps, index, errors)
    elif state.draft is not None and "strona" not in request.GET:
        index = steps.nearest(min(state.draft.page, len(steps.all) - 1))
    step = steps.all[index]
    required = {email_field(service)} if state.resident is None else set()
    return render(request, "eservices/form.html", {
        "service": service, "form": form, "pages": form.layout.get("pages", []),
        "step": step, "step_number": index + 1, "page_number": step.page + 1,
        "page_steps": [steps.first_of_page(page) + 1
                       for page in range(len(form.layout.get("pages", [])))],
        "is_first": steps.before(index) is None, "returning": returning,
        "sections": bind_sections(form, step.page, state.answers, errors, state.stash,
                                  selectors.locality_names(service.municipality), step=step,
                                  shown=steps.shown_fields, required=required - {None}),
        "errors": _error_summary(errors, form.layout, steps, index),
        "is_resumed": state.was_saved and request.method == "GET" and
        not request.GET.keys() & {"strona", "zmien", "sprawdz"},
        "is_anonymous": state.resident is None, "form_token": state.data[TOKEN_KEY],
    }, status=422 if errors and request.method == "POST" else 200)


def _remove_stashed(state: FormState, index: str) -> None:
    if index.isdigit() and int(index) < len(state.stash):
        services.discard_stashed([state.stash.pop(int(index))])


def _change_rows(schema: dict, state: FormState, action: str) -> str:
    """Add or remove an item of a repeatable group; the anchor of the item to return to
    (the added one, or the group)."""
    parts = action.split(":")
    name = parts[1]
    prop = schema.get("properties", {}).get(name)
    if prop is None or not forms_engine.is_group(prop):
        return ""
    rows = state.data.get(name) if isinstance(state.data.get(name), list) else []
    anchor = forms_engine.error_anchor(name)
    if parts[0] == "add" and len(rows) < prop.get("maxItems", 50):
        rows = rows or [{}]
        rows.append({})
        anchor = f"{anchor}-item-{len(rows)}"
    elif parts[0] == "remove" and len(parts) == 3 and parts[2].isdigit() and \
            int(parts[2]) < len(rows):
        rows.pop(int(parts[2]))
    state.data[name] = rows
    return anchor


@never_cache
@require_http_methods(["GET", "POST"])
def form_summary(request: HttpRequest, municipality_slug: str, slug: str) -> HttpResponse:
    """Every answer on one page, each with a link to change it, before "Send to the
    office" (GOV.UK's "check your answers"). Reached only when every step is complete."""
    service = published_or_404(request, slug)
    refusal = _identification_refusal(request, service)
    if refusal is not None:
        return refusal
    state = FormState(request, service)
    if not state.was_saved:
        return redirect(_form_url(service))
    steps = Steps(service, state.answers)
    incomplete = _first_step_with_errors(service, state, steps)
    if incomplete is not None:
        return redirect(f"{_form_url(service, incomplete)}&sprawdz=1")
    errors: dict[str, str] = {}
    email, sender_field = _sender_email(service, state, steps.shown_fields)
    if request.method == "POST":
        posted_token = request.POST.get("form_token", "")
        if len(posted_token) == 32 and posted_token.isalnum():
            state.data[TOKEN_KEY] = posted_token
        if not sender_field:
            email = request.POST.get("applicant_email", "").strip()
        response = _submit(request, service, state, email, errors)
        if response is not None:
            return response
    form = service.current_form
    answers = render_answers(form.schema, form.layout, state.answers,
                             shown=steps.shown_fields, stash=state.stash)
    for page in answers:
        for section in page["sections"]:
            for row in section["rows"]:
                step = forms_engine.step_of(form.layout, row["name"])
                row["change_url"] = _form_url(
                    service, step, change=True, anchor=forms_engine.error_anchor(row["name"]))
    return render(request, "eservices/summary.html", {
        "service": service, "form": form, "answers": answers,
        "is_anonymous": state.resident is None, "sender_email": email,
        "sender_field": sender_field, "applicant_email": request.POST.get(
            "applicant_email", "") if request.method == "POST" else "",
        "errors": [{"message": message, "href": "#field-applicant_email"
                    if key == "applicant_email" else ""} for key, message in errors.items()],
        "email_error": errors.get("applicant_email", ""),
        "form_token": state.data[TOKEN_KEY],
    }, status=422 if errors else 200)


def _submit(request, service, state, email, errors) -> HttpResponse | None:
    """File the form. Its token (scoped to the person) makes a double-sent form file once;
    the form sent again with other answers (back, change, send) is not filed silently as
    the first one: the person is asked to send it again, under a new token."""
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
                fingerprint=fingerprint(state.answers))
        else:
            if not allow("anonymous-submission", client_address(request), limit=10,
                         window_seconds=3600):
                errors["applicant_email"] = _("Too many submissions from this address. Try "
                                              "again in an hour.")
                return None
            pending = services.request_anonymous_submission(
                service, email=email, data=state.answers,
                files=services.stashed_files(state.stash), confirm_url=_confirm_url(service),
                form_token=state.data[TOKEN_KEY])
            state.clear()
            request.session[SESSION_PENDING_EMAIL] = pending.email
            request.session[SESSION_PENDING] = str(pending.public_id)
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
    _remember_done(request, submission)
    return redirect("eservices:received", service.municipality.slug, submission.public_id)


def _confirm_url(service: Service) -> str:
    """The confirmation link of the e-mail, with TOKEN where the token goes."""
    return public_url("eservices:confirm", service.municipality.slug, "TOKEN")


def _remember_done(request: HttpRequest, submission: Submission) -> None:
    done = request.session.get(SESSION_DONE, [])
    if str(submission.public_id) not in done:
        request.session[SESSION_DONE] = [*done[-9:], str(submission.public_id)]


@never_cache
@require_http_methods(["GET", "POST"])
def check_email(request: HttpRequest, municipality_slug: str, slug: str) -> HttpResponse:
    """After sending without signing in: the link is in the mailbox. The link can be sent
    again, to the same or a corrected address, without filling in the form again."""
    service = published_or_404(request, slug)
    pending = selectors.pending_submission(request.municipality,
                                           request.session.get(SESSION_PENDING, ""))
    email = request.session.get(SESSION_PENDING_EMAIL, "")
    error = ""
    if request.method == "POST" and pending is not None:
        email = request.POST.get("email", "").strip() or email
        if not allow("anonymous-resend", client_address(request), limit=5,
                     window_seconds=3600):
            error = _("Too many attempts from this address. Try again in an hour.")
        else:
            try:
                pending = services.send_confirmation_again(pending, email=email,
                                                           confirm_url=_confirm_url(service))
            except services.SubmissionRejected as rejection:
                error = next(iter(rejection.errors.values()))
            except services.EserviceError as refused:
                error = refused.message
            else:
                request.session[SESSION_PENDING_EMAIL] = pending.email
                messages.success(request, _("We have sent the link again to %(email)s.")
                                 % {"email": pending.email})
                return redirect("eservices:check-email", service.municipality.slug,
                                service.slug)
    return render(request, "eservices/check_email.html", {
        "service": service, "email": email, "pending": pending, "error": error},
        status=422 if error else 200)


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
    _remember_done(request, submission)
    return redirect("eservices:received", request.municipality.slug, submission.public_id)


def _done_here(request: HttpRequest, public_id) -> Submission | None:
    """A submission this browser sent (or its signed-in resident's own)."""
    submission = selectors.submission_by_public_id(request.municipality, public_id)
    if submission is None:
        return None
    if str(public_id) in request.session.get(SESSION_DONE, []):
        return submission
    if request.user.is_authenticated and submission.resident_id == request.user.pk:
        return submission
    return None


@require_GET
def received(request: HttpRequest, municipality_slug: str, public_id) -> HttpResponse:
    """The confirmation after "Send to the office", the same for everyone: what was sent,
    the case mark, the status code, the receipt, what happens next and by when."""
    submission = _done_here(request, public_id)
    if submission is None:
        raise Http404
    is_own = submission.resident_id is not None and submission.resident_id == request.user.pk
    return render(request, "eservices/received.html", {
        "submission": submission, "code": receipts.status_code(submission),
        "status_link": status_url(submission),
        "attachments": selectors.submission_attachments(submission), "is_own": is_own,
        "fee": payment_selectors.fee_state(request.municipality, submission.fee_obligation_id)
        if is_own and submission.fee_status == FeeStatus.AWAITING else None})


@require_GET
def anonymous_receipt(request: HttpRequest, municipality_slug: str, public_id,
                      kind: str) -> HttpResponse:
    submission = _done_here(request, public_id)
    if submission is None:
        submission = selectors.submission_by_public_id(request.municipality, public_id)
        if submission is None or not receipts.codes_match(submission,
                                                          request.GET.get("kod", "")):
            raise Http404
    return receipt_response(submission, kind)
