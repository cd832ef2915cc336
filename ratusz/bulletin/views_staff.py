"""Staff pages of the BIP: the gmina's sites with their subject menus, the entry editor
(metryczka, scheduled publication, attachments, the approval step, withdrawal) and the
statistics of views and downloads.

Editors hold their roles per unit: a role assignment that names a unit lets its holder edit
(or approve in) that unit's BIP only; an assignment without a unit covers every unit of the
gmina. A site or entry outside the editor's units answers 404, like another gmina's.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ratusz.accounts.access import forbidden, staff_required
from ratusz.accounts.permissions import Permission
from ratusz.bulletin import selectors, services
from ratusz.bulletin.forms import EntryForm, SectionForm, SiteForm, WithdrawForm
from ratusz.bulletin.models import Entry, EntryState, Site
from ratusz.bulletin.scope import unit_scope
from ratusz.bulletin.services import BulletinError

# --- who may edit what ----------------------------------------------------------------------

def _edit_scope(request: HttpRequest) -> set[int] | None:
    return unit_scope(request, Permission.EDIT_BIP)


def _site_or_404(request: HttpRequest, site_id: int) -> Site:
    site = selectors.editable_site(request.municipality, _edit_scope(request), site_id)
    if site is None:
        raise Http404
    return site


def _entry_or_404(request: HttpRequest, entry_id: int) -> Entry:
    entry = selectors.editable_entry(request.municipality, _edit_scope(request), entry_id)
    if entry is None:
        raise Http404
    return entry


def can_approve(request: HttpRequest, site: Site) -> bool:
    # Without the right at all the scope is empty, so this also checks the right.
    return selectors.in_scope(unit_scope(request, Permission.APPROVE_BIP), site.unit_id)


def _posted_id(request: HttpRequest, name: str) -> int | None:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else None


def _reverse(name: str, **kwargs) -> str:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def public_site_url(site: Site, slug: str) -> str:
    if site.path:
        return _reverse("bip:unit-home", municipality_slug=slug, unit=site.path)
    return _reverse("bip:home", municipality_slug=slug)


def public_entry_urls(entry: Entry, slug: str) -> dict[str, str]:
    """The entry's public page and its change register (the public pages' names)."""
    links = {"entry": _reverse("bip:entry", municipality_slug=slug, entry_id=entry.pk),
             "history": _reverse("bip:versions", municipality_slug=slug, entry_id=entry.pk)}
    return {key: url for key, url in links.items() if url}


# --- dashboard ------------------------------------------------------------------------------

@staff_required(Permission.EDIT_BIP)
@require_http_methods(["GET", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    scope = _edit_scope(request)
    if request.method == "POST":
        unit = selectors.editable_unit(municipality, scope, _posted_id(request, "unit"))
        if unit is None:
            raise Http404
        site = services.ensure_site(unit, acting_user=request.user)
        messages.success(request, _("The BIP of %(unit)s is ready: check its editorial office "
                                    "and editor.") % {"unit": unit.name})
        return redirect("bip-staff:site-edit", municipality.slug, site.pk)

    overview = selectors.editor_overview(
        municipality, scope=scope, approve_scope=unit_scope(request, Permission.APPROVE_BIP),
        user=request.user)
    by_site = overview["sections_by_site"]
    rows = [{"site": site, "sections": by_site.get(site.pk, []),
             "public_url": public_site_url(site, municipality.slug),
             "total": sum(s.n_entries for s in by_site.get(site.pk, []))}
            for site in overview["sites"]]
    return render(request, "bulletin/staff/dashboard.html", {
        "rows": rows, "awaiting": overview["awaiting"], "drafts": overview["drafts"],
        "changes": overview["changes"], "missing": overview["missing"],
    })


# --- the site and its menu ------------------------------------------------------------------

@staff_required(Permission.EDIT_BIP)
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _site_or_404(request, site_id)
    sections = selectors.site_sections(site)
    site_form = SiteForm(initial=SiteForm.initial_for(site), prefix="site")
    section_form = SectionForm(prefix="new")
    section_error = ""
    url = reverse("bip-staff:site-edit", args=[request.municipality.slug, site.pk])
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "site":
            site_form = SiteForm(request.POST, prefix="site")
            if site_form.is_valid():
                try:
                    services.update_site(site, site_form.cleaned_data,
                                         acting_user=request.user)
                except BulletinError as error:
                    site_form.add_service_errors(error)
                else:
                    messages.success(request, _("The BIP's details are saved."))
                    return redirect(url)
            site_form.describe_errors()
        elif action == "add-section":
            section_form = SectionForm(request.POST, prefix="new")
            if section_form.is_valid():
                try:
                    services.add_section(site, title=section_form.cleaned_data["title"],
                                         is_register=section_form.cleaned_data["is_register"],
                                         acting_user=request.user)
                except BulletinError as error:
                    section_form.add_service_errors(error)
                else:
                    messages.success(request,
                                     _("The section is added at the end of the menu."))
                    return redirect(url)
            section_form.describe_errors()
        else:
            section = selectors.site_section(site, _posted_id(request, "section"))
            if section is None:
                raise Http404
            if action == "rename":
                title = request.POST.get("title", "").strip()
                if not title or len(title) > 200:
                    section_error = _("Give the section a title of at most 200 characters.")
                else:
                    try:
                        services.rename_section(section, title=title,
                                                acting_user=request.user)
                    except BulletinError as error:
                        section_error = error.message
                    else:
                        return redirect(url)
            elif action in ("up", "down"):
                services.move_section(section, step=-1 if action == "up" else 1,
                                      acting_user=request.user)
                return redirect(f"{url}#menu-title")
            elif action == "remove":
                try:
                    services.remove_section(section, acting_user=request.user)
                except BulletinError as error:
                    section_error = error.message
                else:
                    messages.success(request, _("The section is removed."))
                    return redirect(url)
            else:
                raise Http404
    return render(request, "bulletin/staff/site_edit.html", {
        "site": site, "site_form": site_form, "section_form": section_form,
        "sections": sections, "section_error": section_error,
        "public_url": public_site_url(site, request.municipality.slug)}, status=400 if (
            site_form.errors or section_form.errors or section_error) else 200)


# --- entries --------------------------------------------------------------------------------

def _save_entry(request, form: EntryForm, entry: Entry | None, publish: bool):
    """Create or change the entry with its files and (if asked) send it for publication,
    all or nothing. Returns (entry or None, file_errors); the other refusals go to the
    form."""
    files = [(upload.name, upload.read()) for upload in request.FILES.getlist("files")]
    try:
        saved = services.save_entry(
            entry, form.entry_data(), section=form.cleaned_data["section"], files=files,
            reason=form.cleaned_data.get("reason", ""), publish=publish,
            acting_user=request.user)
    except BulletinError as error:
        file_errors = [message for field, message in error.errors if field == "files"]
        others = [(field, message) for field, message in error.errors if field != "files"]
        if others:
            error.errors = others
            form.add_service_errors(error)
        return None, file_errors
    return saved, []


def _published_message(entry: Entry) -> str:
    if entry.state == EntryState.AWAITING:
        return _("The entry is sent for approval: another editor publishes it.")
    if entry.state == EntryState.PUBLISHED:
        if entry.publish_from and entry.publish_from > timezone.now():
            return _("The entry is published; it appears on %(when)s.") % {
                "when": date_format(timezone.localtime(entry.publish_from),
                                    "DATETIME_FORMAT")}
        return _("The entry is published.")
    return _("The draft is saved.")


@staff_required(Permission.EDIT_BIP)
@require_http_methods(["GET", "POST"])
def entry_new(request: HttpRequest, site_id: int) -> HttpResponse:
    site = _site_or_404(request, site_id)
    initial = {"produced_on": timezone.localdate(),
               "responsible": ", ".join(p for p in (request.user.get_full_name(),
                                                    getattr(request.user, "position", ""))
                                        if p)}
    section_id = request.GET.get("dzial", "")
    if section_id.isdigit():
        initial["section"] = int(section_id)
    form = EntryForm(initial=initial, site=site)
    file_errors: list[str] = []
    if request.method == "POST":
        form = EntryForm(request.POST, site=site)
        if form.is_valid():
            entry, file_errors = _save_entry(request, form, None,
                                             publish=request.POST.get("action") == "publish")
            if entry is not None:
                messages.success(request, _published_message(entry))
                return redirect("bip-staff:entry-edit", request.municipality.slug, entry.pk)
        else:
            form.describe_errors()
    return render(request, "bulletin/staff/entry_form.html", {
        "site": site, "form": form, "entry": None, "file_errors": file_errors,
        "has_errors": bool(form.errors or file_errors)},
        status=400 if form.errors or file_errors else 200)


@staff_required(Permission.EDIT_BIP)
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = _entry_or_404(request, entry_id)
    site = entry.site
    slug = request.municipality.slug
    published = entry.state == EntryState.PUBLISHED
    form = EntryForm(initial=EntryForm.initial_for(entry), site=site, published=published)
    withdraw_form = WithdrawForm(prefix="withdraw")
    file_errors: list[str] = []
    action_error = ""
    removal: dict = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "remove-attachment":
            removal = _remove_attachment(request, entry)
            if not removal:
                return redirect("bip-staff:entry-edit", slug, entry.pk)
        elif action in ("save", "publish"):
            if entry.state == EntryState.WITHDRAWN:
                raise Http404
            form = EntryForm(request.POST, site=site, published=published)
            if form.is_valid():
                saved, file_errors = _save_entry(request, form, entry,
                                                 publish=action == "publish")
                if saved is not None:
                    messages.success(request, _published_message(saved) if action == "publish"
                                     or saved.state != EntryState.PUBLISHED
                                     else _("The change is published as a new version."))
                    return redirect("bip-staff:entry-edit", slug, saved.pk)
            else:
                form.describe_errors()
        elif action == "approve":
            if not can_approve(request, site):
                return forbidden(request)  # an editor of this BIP, not its approver
            try:
                services.approve_entry(entry, acting_user=request.user)
            except BulletinError as error:
                action_error = error.message
            else:
                messages.success(request, _("The entry is approved and published."))
                return redirect("bip-staff:entry-edit", slug, entry.pk)
        elif action == "withdraw":
            withdraw_form = WithdrawForm(request.POST, prefix="withdraw")
            if withdraw_form.is_valid():
                try:
                    services.withdraw_entry(entry, acting_user=request.user,
                                            reason=withdraw_form.cleaned_data["reason"])
                except BulletinError as error:
                    withdraw_form.add_service_errors(error)
                else:
                    messages.success(request, _("The entry is withdrawn; it stays in the "
                                                "change register with the reason."))
                    return redirect("bip-staff:entry-edit", slug, entry.pk)
            else:
                withdraw_form.describe_errors()
        else:
            raise Http404
    failed = bool(form.errors or file_errors or withdraw_form.errors or action_error
                  or removal)
    return render(request, "bulletin/staff/entry_form.html", {
        "site": site, "form": form, "entry": entry, "file_errors": file_errors,
        "withdraw_form": withdraw_form, "action_error": action_error,
        "has_errors": failed, "can_approve": can_approve(request, site),
        "attachments": selectors.live_attachments(entry),
        "removed_attachments": selectors.removed_attachments(entry), "removal": removal,
        "image_upload_url": reverse("bip-staff:image-upload", args=[slug, entry.pk]),
        "versions": selectors.entry_versions(entry),
        "public": public_entry_urls(entry, slug) if entry.published_at else {},
    }, status=400 if failed else 200)


def _remove_attachment(request: HttpRequest, entry: Entry) -> dict:
    """Remove the posted attachment of the entry; returns {} when done, otherwise the
    attachment's id, the reason typed and the error to show next to it."""
    attachment_id = request.POST.get("attachment", "")
    attachment = next((a for a in selectors.live_attachments(entry)
                       if attachment_id.isdigit() and a.pk == int(attachment_id)), None)
    if attachment is None:
        raise Http404
    reason = request.POST.get("remove_reason", "")[:2000]
    try:
        services.remove_attachment(attachment, acting_user=request.user, reason=reason)
    except BulletinError as error:
        target = (f"remove-reason-{attachment.pk}" if error.field == "reason"
                  and entry.state == EntryState.PUBLISHED else f"attachment-{attachment.pk}")
        return {"attachment_id": attachment.pk, "reason": reason, "error": error.message,
                "target": target}
    name = services.shown_file_name(attachment.name)
    if entry.state == EntryState.PUBLISHED:
        messages.success(request, _("%(name)s is removed; the change is published as a new "
                                    "version.") % {"name": name})
    else:
        messages.success(request, _("%(name)s is removed.") % {"name": name})
    return {}


@staff_required(Permission.EDIT_BIP)
@require_http_methods(["POST"])
def image_upload(request: HttpRequest, entry_id: int) -> JsonResponse:
    """The editor's image button: store one image of the entry's text (multipart field
    `image`); answers JSON with its address and size, or the error to show."""
    entry = _entry_or_404(request, entry_id)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"error": _("Choose an image file (PNG, JPEG or WebP).")},
                            status=400)
    if upload.size > services.MAX_IMAGE_BYTES:
        return JsonResponse({"error": _("An image may have at most 10 MB.")}, status=400)
    try:
        stored = services.add_image(entry, name=upload.name, data=upload.read(),
                                    acting_user=request.user)
    except BulletinError as error:
        return JsonResponse({"error": error.message}, status=400)
    url = reverse("bip:image", args=[request.municipality.slug, stored.attachment.pk])
    return JsonResponse({"url": url, "width": stored.width, "height": stored.height,
                         "name": stored.attachment.name}, status=201)


# --- statistics -----------------------------------------------------------------------------

@staff_required(Permission.EDIT_BIP)
def stats(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    sites = list(selectors.editable_sites(municipality, _edit_scope(request)).order_by("path"))
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="bip-statystyki.csv"'
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(["bip", "dzial", "wpis", "numer", "miesiac", "wyswietlenia",
                         "pobrania"])
        for row in selectors.monthly_rows(municipality, sites):
            writer.writerow([row.entry.site.title, row.entry.section.title, row.entry.title,
                             row.entry.number, row.month.strftime("%Y-%m"), row.views,
                             row.downloads])
        return response
    return render(request, "bulletin/staff/stats.html",
                  selectors.editor_statistics(municipality, sites))
