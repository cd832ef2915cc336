"""Files and printouts: a document version's file and preview, the case record as PDF."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.cases import selectors, services
from ratusz.cases.views.common import case_or_404


def _version_or_404(request, version_id):
    version = selectors.access_document_version_by_id(request.user, request.municipality,
                                                      version_id)
    if version is None:
        raise Http404
    return version


@staff_required(Permission.VIEW_WORKSPACE)
def document_download(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version_or_404(request, version_id)
    document = version.document
    if document.case_id and document.case.disposed_at is not None:
        return HttpResponse(_("The file was disposed of (brakowanie); its metadata and the "
                              "case record remain."), status=410, content_type="text/plain")
    try:
        handle = version.file.open("rb")
    except (FileNotFoundError, ValueError):
        return HttpResponse(_("The file is no longer stored."), status=410,
                            content_type="text/plain")
    response = FileResponse(handle, content_type=version.content_type,
                            as_attachment=request.GET.get("inline") != "1",
                            filename=version.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required(Permission.VIEW_WORKSPACE)
def document_preview(request: HttpRequest, version_id: int) -> HttpResponse:
    """The small PNG of the first page, made when the file was added (or, for files that
    arrived through a busy path such as e-service submissions, on this first view)."""
    path = services.ensure_preview(_version_or_404(request, version_id))
    if path is None:
        raise Http404
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_required(Permission.VIEW_WORKSPACE)
def case_record_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    from weasyprint import HTML  # heavy: loaded only when a PDF is asked for

    case = case_or_404(request, case_id)
    html = render_to_string("cases/record_pdf.html", {
        "case": case, "record": selectors.case_record(case),
        "municipality": request.municipality, "printed_at": timezone.localtime(),
    })
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="metryka-{case.mark}.pdf"'
    return response
