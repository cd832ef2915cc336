"""A resident's RODO rights: the download of everything a gmina holds about them (JSON and
a readable PDF), and the administrator's erasure or anonymisation."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ratusz.accounts import selectors, services
from ratusz.accounts.access import resident_required, staff_required
from ratusz.accounts.permissions import Permission
from ratusz.core import personal_data
from ratusz.core import services as core_services
from ratusz.core.selectors import get_active_municipality_by_slug
from ratusz.core.tenancy import tenant_context


@resident_required
def download(request: HttpRequest, slug: str, export_format: str) -> HttpResponse:
    """All personal data the gmina holds about the signed-in resident."""
    municipality = get_active_municipality_by_slug(slug)
    if municipality is None or export_format not in ("json", "pdf") or municipality.pk not in {
            item.pk for item in selectors.resident_municipalities(request.user)}:
        raise Http404
    with tenant_context(municipality):
        sections = personal_data.export_all(municipality, request.user)
        services.record_personal_data_export(municipality, request.user,
                                             export_format=export_format)
    generated = timezone.now()
    filename = f"dane-osobowe-{municipality.slug}-{generated:%Y%m%d}"
    if export_format == "json":
        body = {"municipality": {"name": municipality.official_name, "teryt": municipality.teryt},
                "subject": request.user.username, "generated_at": generated.isoformat(),
                "legal_basis": "RODO art. 15 and 20",
                "sections": [{"key": s.key, "title": str(s.title), "records": s.records}
                             for s in sections]}
        response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=1),
                                content_type="application/json; charset=utf-8")
    else:
        from weasyprint import HTML  # heavy: loaded only when a PDF is asked for

        html = render_to_string("accounts/personal_data_pdf.html", {
            "municipality": municipality, "sections": sections, "generated": generated,
            "subject": request.user}, request=request)
        response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{export_format}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@staff_required(Permission.ERASE_RESIDENTS)
def erasure(request: HttpRequest) -> HttpResponse:
    """Find a resident, see what an erasure would erase and keep (and why), confirm."""
    municipality = request.municipality
    query = (request.POST.get("resident") or request.GET.get("resident") or "")[:254]
    resident = selectors.find_resident(municipality, query) if query else None
    context = {"query": query, "resident": resident, "not_found": bool(query) and not resident}
    if resident is None:
        return render(request, "accounts/staff/erasure.html", context,
                      status=404 if context["not_found"] else 200)
    core_services.record_personal_data_access(
        municipality=municipality, staff=request.user, subject=resident, context="erasure",
        fields=["first_name", "last_name"], path=request.path)
    plans = personal_data.plan_all(municipality, resident)
    context["plans"] = plans
    context["blockers"] = [blocker for plan in plans for blocker in plan.blockers]
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            context["error"] = _("Tick the box to confirm the erasure.")
            return render(request, "accounts/staff/erasure.html", context, status=400)
        try:
            services.erase_resident(municipality, resident, acting_user=request.user)
        except services.ErasureRefused as refused:
            context["blockers"] = refused.blockers
            return render(request, "accounts/staff/erasure.html", context, status=409)
        messages.success(request, _("The resident's personal data was erased or anonymised "
                                    "as far as the law allows; the audit log records it."))
        return redirect("staff:erasure", municipality.slug)
    return render(request, "accounts/staff/erasure.html", context)
