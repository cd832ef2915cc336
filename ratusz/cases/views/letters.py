"""Outgoing letters of a case: drafting from a starting text, approval, sealing, sending."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ratusz.accounts.access import forbidden, staff_required
from ratusz.accounts.permissions import Permission
from ratusz.cases import forms, selectors, services
from ratusz.cases.letters import LETTER_TEMPLATES, fill_template
from ratusz.cases.views.common import (
    case_action,
    case_or_404,
    form_errors_to_messages,
    letter_or_404,
)


def _starting_values(case, template_key: str, municipality) -> dict:
    """The form of a new letter: the starting text filled in for the case's first party."""
    parties = selectors.case_parties(case)
    party = parties[0] if parties else None
    address = " ".join(filter(None, [party.street, party.building])) if party else ""
    if party and party.flat:
        address += f"/{party.flat}"
    subject, body = fill_template(
        template_key if template_key in LETTER_TEMPLATES else "reply",
        case_mark=case.mark, addressee_name=party.display_name if party else "",
        municipality_name=municipality.official_name)
    return {"subject": subject, "body": body,
            "addressee_name": party.display_name if party else "",
            "addressee_address": address,
            "addressee_city": f"{party.postal_code} {party.city}".strip() if party else ""}


@require_http_methods(["GET", "POST"])
@staff_required(Permission.HANDLE_CASES)
def letter_edit(request: HttpRequest, case_id: int, letter_id: int | None = None
                ) -> HttpResponse:
    municipality = request.municipality
    case = case_or_404(request, case_id)
    if not selectors.can_handle(request.user, case):
        return forbidden(request)  # they see the case, but may not write its letters
    letter = letter_or_404(case, letter_id) if letter_id else None
    if letter is not None and not letter.is_editable:
        # In approval or later: shown as it will be sent, not as a form.
        return render(request, "cases/letter_locked.html", {"case": case, "letter": letter})
    template_key = request.GET.get("template", "reply")
    if letter is not None:
        initial = {name: getattr(letter, name) for name in services.LETTER_FIELDS}
    else:
        initial = _starting_values(case, template_key, municipality)
    form = forms.LetterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if letter is None:
                services.draft_letter(case, acting_user=request.user, template=template_key,
                                      **form.cleaned_data)
            else:
                services.update_letter(letter, acting_user=request.user, **form.cleaned_data)
        except services.EzdError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Letter saved."))
            return redirect("ezd:case-detail", municipality.slug, case.pk)
    return render(request, "cases/letter_form.html", {
        "form": form, "case": case, "letter": letter,
        "templates": LETTER_TEMPLATES, "template_key": template_key,
    }, status=400 if form.errors else 200)


@case_action
def letter_request_approval(request, case, letter_id):
    letter = letter_or_404(case, letter_id)
    form = forms.ApprovalRequestForm(request.POST,
                                     approvers=selectors.approvers(request.municipality))
    if form.is_valid():
        services.request_approval(letter, acting_user=request.user, approvers=form.approvers())
        messages.success(request, _("Sent for approval."))
    else:
        form_errors_to_messages(request, form)


@require_POST
@staff_required(Permission.APPROVE)
def letter_decide(request: HttpRequest, case_id: int, letter_id: int) -> HttpResponse:
    case = case_or_404(request, case_id)
    letter = letter_or_404(case, letter_id)
    form = forms.DecisionForm(request.POST)
    form.is_valid()
    try:
        services.decide_approval(letter, acting_user=request.user,
                                 approve="approve" in request.POST,
                                 comment=form.cleaned_data.get("comment", ""))
    except services.EzdError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("ezd:case-detail", request.municipality.slug, case.pk)


@staff_required(Permission.HANDLE_CASES, Permission.APPROVE)
def letter_preview(request: HttpRequest, case_id: int, letter_id: int) -> HttpResponse:
    """The letter as it will be sent, as a PDF marked as a draft: for those who handle the
    case and for the approver it waits for."""
    case = case_or_404(request, case_id)
    letter = letter_or_404(case, letter_id)
    if not selectors.may_read_letter(request.user, case, letter):
        return forbidden(request)
    pdf = services.render_letter_preview(letter)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.mark}-projekt-{letter.pk}.pdf"'
    return response


@case_action
def letter_withdraw(request, case, letter_id):
    """Take the letter back from approval to change it (it returns to the draft)."""
    letter = services.withdraw_from_approval(letter_or_404(case, letter_id),
                                             acting_user=request.user)
    messages.success(request, _("The letter is back in your draft: change it and send it "
                                "for approval again."))
    return redirect("ezd:letter-edit", request.municipality.slug, case.pk, letter.pk)


@case_action
def letter_seal(request, case, letter_id):
    services.seal_letter(letter_or_404(case, letter_id), acting_user=request.user)
    messages.success(request, _("The letter was sealed."))


@case_action
def letter_send(request, case, letter_id):
    entry = services.send_letter(letter_or_404(case, letter_id), acting_user=request.user)
    messages.success(request, _("Sent and registered as %(number)s.") % {"number": entry.number})
