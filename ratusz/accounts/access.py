"""Gates for the HTML views: who may open a page of which gmina."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import permissions_of


def staff_required(permission: str, *alternatives: str):
    """The view needs a signed-in staff member of this gmina holding `permission` (or one
    of the `alternatives`).

    Anonymous people are sent to sign in. Staff of this gmina without the permission are
    told so in the workspace's own layout (403), as is a 404 of the view (a missing
    object) to staff of this gmina. Everyone else (staff of another gmina,
    residents) gets 404, so a page of another gmina cannot be told apart from a missing
    one.
    """
    accepted = (permission, *alternatives)

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, municipality_slug: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            municipality = request.municipality
            if municipality is None:
                raise Http404
            held = permissions_of(request.user, municipality)
            if not held.intersection(accepted):
                if Permission.VIEW_WORKSPACE in held:
                    return forbidden(request)
                raise Http404
            try:
                return view(request, *args, **kwargs)
            except Http404:
                if Permission.VIEW_WORKSPACE in held:
                    return not_found(request)
                raise

        wrapper.required_permission = permission
        wrapper.required_permissions = frozenset(accepted)
        return wrapper

    return decorator


def forbidden(request: HttpRequest) -> HttpResponse:
    """The workspace's answer to its own staff for a page their roles do not open."""
    return render(request, "accounts/staff/forbidden.html", status=403)


def not_found(request: HttpRequest) -> HttpResponse:
    """The workspace's answer to its own staff for a thing that does not exist here (a
    case, a document, a page of another gmina): 404 in the workspace's layout, with the
    way back, rather than the public site's page."""
    return render(request, "accounts/staff/not_found.html", status=404)


def resident_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_resident:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
