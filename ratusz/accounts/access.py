"""Gates for the HTML views: who may open a page of which gmina."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest

from ratusz.accounts.selectors import has_permission


def staff_required(permission: str):
    """The view needs a signed-in staff member of this gmina holding `permission`.

    Anonymous people are sent to sign in; everyone else without the permission (staff
    of another gmina, residents, staff lacking the role) gets the same 404, so a page of
    another gmina cannot be told apart from a missing one.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, municipality_slug: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            municipality = request.municipality
            if municipality is None or not has_permission(request.user, municipality,
                                                          permission):
                raise Http404
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorator


def resident_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_resident:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper
