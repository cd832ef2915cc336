"""The school libraries' pages.

Public, under /g/<slug>/edukacja/biblioteka/ (no sign-in): one search across the gmina's
school libraries and a record's page with its copies and availability per library; a
signed-in resident reserves there for their own reader card or their child's, and sees
their loans and reservations on "my library". Staff, under /g/<slug>/staff/edukacja/
biblioteki/ (education.manage): the libraries, and each library's desk (loans and
returns by card and inventory number, reservations to set aside, overdue loans, readers,
the MARC21 import with its report, entries by hand, the MARC21 export)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ratusz.accounts.access import resident_required, staff_required
from ratusz.accounts.permissions import Permission
from ratusz.education import forms_library as forms
from ratusz.education import selectors_library as selectors
from ratusz.education import services
from ratusz.education.errors import EducationError
from ratusz.education.services.common import today

MANAGE = Permission.MANAGE_EDUCATION
PAGE_SIZE = 20


def _page_number(request: HttpRequest) -> str:
    value = request.GET.get("strona", "1")
    return value if value.isdigit() and len(value) < 7 else "1"


# --- Public ---

@require_GET
def search(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    municipality = request.municipality
    query = request.GET.get("q", "")[:200]
    page = None
    if query.strip():
        page = Paginator(selectors.catalogue_search(municipality, query), PAGE_SIZE
                         ).get_page(_page_number(request))
    return render(request, "education/library/search.html", {
        "query": query, "page": page, "libraries": selectors.libraries(municipality),
        "has_card": selectors.resident_readers(municipality, request.user).exists()})


@never_cache
@require_http_methods(["GET", "POST"])
def record(request: HttpRequest, municipality_slug: str, record_id: int) -> HttpResponse:
    """A record with its copies (on the shelf, on loan until…, set aside); a signed-in
    resident with a card of this library (theirs or their child's) may reserve it."""
    municipality = request.municipality
    item = selectors.access_public_record(municipality, record_id)
    if item is None:
        raise Http404
    readers = [reader for reader in selectors.resident_readers(municipality, request.user)
               if reader.library_id == item.library_id]
    if request.method == "POST":
        if not readers:
            raise Http404
        reader = {r.pk: r for r in readers}.get(_number(request.POST.get("reader")))
        if reader is None:
            messages.error(request, _("Choose whose reader card the reservation is for."))
        else:
            try:
                services.reserve(item, reader, acting_user=request.user)
            except EducationError as refusal:
                messages.error(request, str(refusal.message))
            else:
                messages.success(request, _("The book is reserved for %(reader)s. The "
                                            "library will let you know when a copy waits "
                                            "for pick-up.") % {"reader": reader.name})
                return redirect("education:library-mine", municipality.slug)
        return redirect("education:library-record", municipality.slug, item.pk)
    copies = selectors.record_copies(item)
    return render(request, "education/library/record.html", {
        "record": item, "copies": copies, "readers": readers,
        "available": sum(1 for c in copies if c.status == "available"),
        "waiting": selectors.waiting_count(item)})


@never_cache
@resident_required
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    """A resident's reader cards (theirs and their children's): loans with their due
    dates, reservations (ready: pick up by…); an active reservation may be cancelled.
    Without a reader card in this gmina's libraries there is nothing here (404)."""
    municipality = request.municipality
    if request.method == "POST":
        reservation = selectors.access_resident_reservation(
            municipality, request.user, _number(request.POST.get("reservation")))
        if reservation is None:
            raise Http404
        try:
            services.cancel_reservation(reservation, acting_user=request.user)
        except EducationError as refusal:
            messages.error(request, str(refusal.message))
        else:
            messages.success(request, _("The reservation has been cancelled."))
        return redirect("education:library-mine", municipality.slug)
    readers = list(selectors.resident_readers(municipality, request.user))
    if not readers:
        raise Http404  # no reader card here: as for a matter of another gmina
    return render(request, "education/library/mine.html", {
        "readers": readers, "today": today(),
        **selectors.readers_activity(municipality, readers)})


def _number(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


# --- Staff ---

@staff_required(MANAGE)
@require_http_methods(["GET", "POST"])
def libraries(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    schools = selectors.school_institutions(municipality)
    form = forms.LibraryForm(request.POST or None, institutions=schools)
    if request.method == "POST" and form.is_valid():
        institution = {i.pk: i for i in schools}.get(form.cleaned_data["institution"])
        try:
            library = services.create_library(institution, acting_user=request.user,
                                              name=form.cleaned_data["name"])
        except EducationError as refusal:
            messages.error(request, str(refusal.message))
        else:
            return redirect("education-staff:library", municipality.slug, library.pk)
    return render(request, "education/library/staff_libraries.html", {
        "libraries": selectors.libraries(municipality), "form": form},
        status=422 if form.errors else 200)


DESK_ACTIONS = ("lend", "return", "aside", "daily", "reader", "record", "import")


@staff_required(MANAGE)
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest, library_id: int) -> HttpResponse:
    """One library's desk: every form posts here with its `action`."""
    library = selectors.access_library(request.municipality, library_id)
    if library is None:
        raise Http404
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in DESK_ACTIONS:
        raise Http404
    bound = {name: request.POST if action == name else None for name in DESK_ACTIONS}
    context = {
        "library": library,
        "lend_form": forms.LendForm(bound["lend"], prefix="lend"),
        "return_form": forms.ReturnForm(bound["return"], prefix="return"),
        "reader_form": forms.ReaderForm(bound["reader"], prefix="reader",
                                        children=selectors.pupils(library)),
        "record_form": forms.RecordForm(bound["record"], prefix="record"),
        "import_form": forms.ImportForm(bound["import"], request.FILES or None,
                                        prefix="import"),
        "report": None, "error": "",
    }
    if action:
        try:
            done = _desk_action(request, library, action, context)
        except EducationError as refusal:
            context["error"] = str(refusal.message)
        else:
            if done:
                return redirect("education-staff:library", request.municipality.slug,
                                library.pk)
    on = today()
    query = request.GET.get("q", "")[:200]
    context.update({
        "query": query, "today": on,
        "records": Paginator(selectors.library_records(library, query), PAGE_SIZE
                             ).get_page(_page_number(request)),
        "reservations": selectors.active_reservations(library),
        "overdue": selectors.overdue_loans(library, on),
        "readers": selectors.library_readers(library)[:200]})
    failed = context["error"] or any(
        context[f"{name}_form"].errors for name in ("lend", "return", "reader", "record",
                                                    "import"))
    return render(request, "education/library/staff_desk.html", context,
                  status=422 if failed else 200)


def _desk_action(request: HttpRequest, library, action: str, context: dict) -> bool:
    """Run one desk action; True when done (redirect), False to show the page again
    (invalid form, or the import report)."""
    user = request.user
    if action == "aside":
        reservation = selectors.access_reservation(library,
                                                   _number(request.POST.get("reservation")))
        if reservation is None:
            raise Http404
        reservation = services.set_aside(reservation, acting_user=user)
        messages.success(request, _("Copy %(number)s is set aside for %(reader)s, who has "
                                    "been notified; to be picked up by %(date)s.") % {
            "number": reservation.copy.inventory_number, "reader": reservation.reader.name,
            "date": reservation.pickup_until.strftime("%d.%m.%Y")})
        return True
    if action == "daily":
        expired = services.expire_reservations(request.municipality)
        reminded = services.send_overdue_reminders(request.municipality)
        messages.success(request, _("Expired reservations: %(expired)s; overdue reminders "
                                    "sent: %(reminded)s.") % {"expired": expired,
                                                              "reminded": reminded})
        return True
    form = context[f"{action}_form"]
    if not form.is_valid():
        return False
    data = form.cleaned_data
    if action == "lend":
        loan = services.lend(library, acting_user=user, card_number=data["card_number"],
                             inventory_number=data["inventory_number"])
        messages.success(request, _("Lent to %(reader)s until %(date)s.") % {
            "reader": loan.reader.name, "date": loan.due_on.strftime("%d.%m.%Y")})
    elif action == "return":
        _loan, held = services.return_copy(library, acting_user=user,
                                           inventory_number=data["inventory_number"])
        if held is not None:
            messages.success(request, _("Returned. Put the copy aside: %(reader)s reserved "
                                        "it and has been notified.") % {
                "reader": held.reader.name})
        else:
            messages.success(request, _("Returned; the copy is back on the shelf."))
    elif action == "reader":
        child = {c.pk: c for c in selectors.pupils(library)}.get(data["child"]) \
            if data["child"] else None
        services.add_reader(library, acting_user=user, card_number=data["card_number"],
                            kind=data["kind"], name=data["name"], child=child,
                            email=data["email"])
        messages.success(request, _("The reader card has been issued."))
    elif action == "record":
        item = services.add_record(library, form.record_data(), acting_user=user)
        messages.success(request, _("“%(title)s” is in the catalogue.") % {
            "title": item.title})
    else:
        context["report"] = services.import_marc(library, data["file"].read(),
                                                 acting_user=user)
        return False
    return True


@staff_required(MANAGE)
@require_GET
def export(request: HttpRequest, library_id: int, fmt: str) -> HttpResponse:
    """The library's catalogue as MARC21: `mrc` (ISO 2709) or `xml` (MARCXML)."""
    library = selectors.access_library(request.municipality, library_id)
    if library is None or fmt not in ("mrc", "xml"):
        raise Http404
    body = selectors.export_marc(library, xml=fmt == "xml")
    response = HttpResponse(body, content_type="application/marcxml+xml" if fmt == "xml"
                            else "application/marc")
    stamp = datetime.date.today().strftime("%Y%m%d")  # noqa: DTZ011 - a file name only
    response["Content-Disposition"] = (f'attachment; filename="katalog-{library.pk}-'
                                       f'{stamp}.{fmt}"')
    return response
