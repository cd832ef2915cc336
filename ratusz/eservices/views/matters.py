"""The status check by case mark and code, receipt verification, and the resident's own
matters: the list, a matter with its messages and letters, replying and withdrawing."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ratusz.cases import selectors as ezd_selectors
from ratusz.cases import services as ezd
from ratusz.core.ratelimit import allow, client_address
from ratusz.core.selectors import access_unit_by_id, list_units
from ratusz.eservices import receipts, selectors, services
from ratusz.eservices.models import FeeStatus, MessageDirection, Submission
from ratusz.eservices.views.rendering import receipt_response, render_answers, status_label
from ratusz.payments import selectors as payment_selectors


@never_cache
@require_http_methods(["GET", "POST"])
def status_check(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    """Anyone with the case mark and the code from the receipt sees where the matter
    stands (the address on the receipt and in the e-mail fills the mark in: `?znak=`)."""
    context: dict = {"case_mark": request.GET.get("znak", "").strip()[:60], "code": ""}
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
                context["status"] = status_label(submission)
        context["errors"] = errors
        return render(request, "eservices/status.html", context,
                      status=422 if errors else 200)
    return render(request, "eservices/status.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    """Anyone checks a receipt here, and downloads the certificate chain of each unit's
    e-seal (`?lancuch=<unit>&format=pem|p7b`) to validate receipts offline."""
    if request.method == "GET" and "lancuch" in request.GET:
        return _seal_chain_download(request)
    context: dict = {"seals": _seals(request)}
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


def _seals(request: HttpRequest) -> list[dict]:
    """The gmina's units that seal receipts, with the facts of their seal and its CA."""
    seals = []
    for unit in list_units(request.municipality):
        chain = ezd.seal_chain(unit)
        if chain:
            seals.append({"unit": unit, "seal": ezd.certificate_facts(chain[0]),
                          "authority": ezd.certificate_facts(chain[-1])})
    return seals


def _seal_chain_download(request: HttpRequest) -> HttpResponse:
    unit_id, chain_format = request.GET.get("lancuch", ""), request.GET.get("format", "pem")
    unit = access_unit_by_id(request.municipality, int(unit_id)) \
        if unit_id.isdigit() and len(unit_id) < 19 else None
    chain = ezd.seal_chain(unit) if unit is not None and unit.is_active else []
    if not chain or chain_format not in ezd.CHAIN_FORMATS:
        raise Http404
    response = HttpResponse(ezd.chain_file(chain, chain_format),
                            content_type=ezd.CHAIN_FORMATS[chain_format])
    response["Content-Disposition"] = (f'attachment; filename="pieczec-{unit.slug}.'
                                       f'{chain_format}"')
    return response


def _resident_or_login(request: HttpRequest):
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
    drafts = selectors.drafts_of_resident(request.municipality, request.user)
    return render(request, "eservices/my_matters.html", {
        "page": page, "drafts": drafts,
        "labels": {item.pk: status_label(item) for item in page}})


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
                        "confirm", _lazy("Tick that you really want to withdraw the request."))
                services.withdraw_submission(submission, acting_user=request.user,
                                             reason=request.POST.get("reason", ""))
                messages.success(request, _("The request has been withdrawn."))
            else:
                raise Http404
            return redirect(request.path)
        except services.EserviceError as refused:
            error = refused.message
    services.mark_messages_read(submission, direction=MessageDirection.TO_RESIDENT)
    letters = ezd_selectors.letters_sent_to_resident_inbox(submission.case)
    form = submission.form_version
    return render(request, "eservices/matter.html", {
        "submission": submission, "status": status_label(submission),
        "code": receipts.status_code(submission),
        "messages_list": selectors.matter_messages(submission),
        "letters": letters, "error": error,
        "answers": render_answers(form.schema, form.layout, submission.data),
        "attachments": selectors.submission_attachments(submission),
        "is_open": submission.case.is_open and not submission.is_withdrawn,
        "fee": payment_selectors.fee_state(request.municipality,
                                           submission.fee_obligation_id)
        if submission.fee_status == FeeStatus.AWAITING else None,
    }, status=422 if error else 200)


@require_GET
def matter_receipt(request: HttpRequest, municipality_slug: str, public_id,
                   kind: str) -> HttpResponse:
    refusal = _resident_or_login(request)
    if refusal is not None:
        return refusal
    return receipt_response(_own_or_404(request, public_id), kind)


@require_GET
def matter_letter(request: HttpRequest, municipality_slug: str, public_id,
                  letter_id: int) -> HttpResponse:
    """A sealed letter of the office sent to the resident's inbox."""
    refusal = _resident_or_login(request)
    if refusal is not None:
        return refusal
    submission = _own_or_404(request, public_id)
    version = ezd_selectors.sealed_letter_file(submission.case, letter_id)
    if version is None:
        raise Http404
    with default_storage.open(version.file.name if hasattr(version.file, "name")
                              else version.file, "rb") as handle:
        content = handle.read()
    response = HttpResponse(content, content_type=version.content_type)
    response["Content-Disposition"] = f'attachment; filename="{version.original_name}"'
    return response
