"""The staff member's e-mail notices about their waiting work."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.cases import forms, services


@require_http_methods(["GET", "POST"])
@staff_required(Permission.VIEW_WORKSPACE)
def notices(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    current = services.staff_notices(request.user, municipality)
    form = forms.NoticesForm(request.POST or None, initial={
        "daily_summary": current.daily_summary, "approval_requests": current.approval_requests})
    if request.method == "POST" and form.is_valid():
        services.set_staff_notices(request.user, municipality, **form.cleaned_data)
        messages.success(request, _("Your e-mail notices are saved."))
        return redirect("ezd:notices", municipality.slug)
    return render(request, "cases/notices.html", {
        "form": form, "has_email": bool(request.user.email),
        "may_approve": has_permission(request.user, municipality, Permission.APPROVE)})
