"""Staff pages of the units' websites, under /g/<slug>/staff/bip/strony-www/<unit_id>/:
the unit's pages, news and events, edited with the BIP's editor; deleted (after a
confirmation page; only a POST deletes), published or taken off the website, and pages
moved up or down the menu. The right is the BIP editor's (EDIT_BIP), scoped to units like
the BIP: another unit's (or gmina's) items answer 404."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.bulletin import selectors, services
from ratusz.bulletin.forms_website import EventForm, NewsForm, PageForm
from ratusz.bulletin.models import WebPage
from ratusz.bulletin.scope import unit_scope
from ratusz.bulletin.services import BulletinError
from ratusz.core.models import Unit
from ratusz.core.selectors import access_unit_by_id

KINDS = {
    "page": {"form": PageForm, "create": services.create_page,
             "update": services.update_page, "url": "bip-staff:website-page",
             "id": "page_id",
             "new": gettext_lazy("New page"), "public": "website:page",
             "question": gettext_lazy("Do you want to delete the page “%(title)s”?")},
    "news": {"form": NewsForm, "create": services.create_news,
             "update": services.update_news, "url": "bip-staff:website-news",
             "id": "item_id",
             "new": gettext_lazy("New news item"), "public": "website:news-item",
             "question": gettext_lazy("Do you want to delete the news item “%(title)s”?")},
    "event": {"form": EventForm, "create": services.create_event,
              "update": services.update_event, "url": "bip-staff:website-event",
              "id": "event_id",
              "new": gettext_lazy("New event"), "public": "website:event",
              "question": gettext_lazy("Do you want to delete the event “%(title)s”?")},
}


def _unit_or_404(request: HttpRequest, unit_id: int) -> Unit:
    unit = access_unit_by_id(request.municipality, unit_id)
    if unit is None or not selectors.in_scope(unit_scope(request, Permission.EDIT_BIP),
                                              unit.pk):
        raise Http404
    return unit


def _item_or_404(unit: Unit, kind: str, item_id: int):
    item = selectors.website_item(unit.municipality, unit, kind, item_id)
    if item is None:
        raise Http404
    return item


def _item_view(kind: str, action: str, methods: list[str], *, new: bool = False):
    """Make the view `<kind>_<action>` from `handler(request, unit, kind, item)`:
    the editor's right, the unit in the editor's scope and (unless `new`) the unit's item
    named by the URL; anything else answers 404."""

    def decorate(handler):
        @staff_required(Permission.EDIT_BIP)
        @require_http_methods(methods)
        def view(request: HttpRequest, unit_id: int, **kwargs) -> HttpResponse:
            unit = _unit_or_404(request, unit_id)
            item = None if new else _item_or_404(unit, kind, kwargs[KINDS[kind]["id"]])
            return handler(request, unit, kind, item)

        view.__name__ = f"{kind}_{action}"
        return view

    return decorate


@staff_required(Permission.EDIT_BIP)
@require_http_methods(["GET"])
def dashboard(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit = _unit_or_404(request, unit_id)
    municipality = request.municipality
    return render(request, "bulletin/website/staff/dashboard.html", {
        "unit": unit, **selectors.website_items(municipality, unit),
        "public_url": reverse("website:home", args=[municipality.slug, unit.slug]),
    })


def _public_url(request: HttpRequest, kind: str, unit: Unit, item) -> str:
    if item is None:
        return ""
    published = item.is_published and (kind != "news" or item.published_at <= timezone.now())
    if not published:
        return ""
    key = item.slug if kind == "page" else item.pk
    return reverse(KINDS[kind]["public"], args=[request.municipality.slug, unit.slug, key])


def _dashboard_url(request: HttpRequest, unit: Unit) -> str:
    return reverse("bip-staff:website", args=[request.municipality.slug, unit.pk])


def _edit(request: HttpRequest, unit: Unit, kind: str, item) -> HttpResponse:
    spec = KINDS[kind]
    form_class = spec["form"]
    if request.method != "POST":
        form = form_class(initial=form_class.initial_for(item) if item else None)
    else:
        form = form_class(request.POST)
        if form.is_valid():
            try:
                if item is None:
                    item = spec["create"](unit, form.data_object(), acting_user=request.user)
                    messages.success(request, _("Saved."))
                else:
                    item = spec["update"](item, form.data_object(), acting_user=request.user)
                    messages.success(request, _("The changes are saved."))
                return redirect(spec["url"], request.municipality.slug, unit.pk, item.pk)
            except BulletinError as error:
                form.add_service_errors(error)
        else:
            form.describe_errors()
    return render(request, "bulletin/website/staff/item_form.html", {
        "unit": unit, "kind": kind, "item": item, "form": form,
        "delete_url": reverse(f"{spec['url']}-delete",
                              args=[request.municipality.slug, unit.pk, item.pk])
        if item else "",
        "heading": item.title if item else spec["new"],
        "public_url": _public_url(request, kind, unit, item),
        "has_errors": bool(form.errors)}, status=400 if form.errors else 200)


def _delete(request: HttpRequest, unit: Unit, kind: str, item) -> HttpResponse:
    spec = KINDS[kind]
    if request.method == "POST":
        try:
            services.delete_item(item, acting_user=request.user)
        except BulletinError:
            raise Http404 from None  # deleted meanwhile by someone else
        messages.success(request, _("Deleted: %(title)s.") % {"title": item.title})
        return redirect(_dashboard_url(request, unit))
    return render(request, "bulletin/website/staff/item_delete.html", {
        "unit": unit, "kind": kind, "item": item,
        "question": spec["question"] % {"title": item.title},
        "edit_url": reverse(spec["url"], args=[request.municipality.slug, unit.pk, item.pk]),
        "public_url": _public_url(request, kind, unit, item)})


def _publication(request: HttpRequest, unit: Unit, kind: str, item) -> HttpResponse:
    action = request.POST.get("action", "")
    if action not in ("publish", "unpublish"):
        messages.error(request, _("Choose whether to publish the item or to take it off "
                                  "the website."))
        return redirect(_dashboard_url(request, unit))
    try:
        services.set_published(item, action == "publish", acting_user=request.user)
    except BulletinError as error:
        messages.error(request, error.message)
    else:
        message = (_("Published: %(title)s.") if action == "publish"
                   else _("Taken off the website: %(title)s."))
        messages.success(request, message % {"title": item.title})
    return redirect(_dashboard_url(request, unit))


@_item_view("page", "move", ["POST"])
def page_move(request: HttpRequest, unit: Unit, kind: str, page: WebPage) -> HttpResponse:
    direction = request.POST.get("direction", "")
    try:
        services.move_page(page, direction, acting_user=request.user)
    except BulletinError as error:
        messages.error(request, error.message)
    else:
        message = (_("Moved up in the menu: %(title)s.") if direction == services.MoveDirection.UP
                   else _("Moved down in the menu: %(title)s."))
        messages.success(request, message % {"title": page.title})
    return redirect(_dashboard_url(request, unit))


page_new, news_new, event_new = (
    _item_view(kind, "new", ["GET", "POST"], new=True)(_edit) for kind in KINDS)
page_edit, news_edit, event_edit = (
    _item_view(kind, "edit", ["GET", "POST"])(_edit) for kind in KINDS)
page_delete, news_delete, event_delete = (
    _item_view(kind, "delete", ["GET", "POST"])(_delete) for kind in KINDS)
page_publication, news_publication, event_publication = (
    _item_view(kind, "publication", ["POST"])(_publication) for kind in KINDS)
