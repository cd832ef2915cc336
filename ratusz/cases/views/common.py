"""What the pages of the EZD workspace share: the access gates that answer 404 and the
POST-only case action that turns a refusal into a message."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ratusz.accounts.access import forbidden, staff_required
from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.cases import selectors, services


class CappedPaginator(Paginator):
    """Counts at most `selectors.COUNT_CAP` rows; pages beyond stay reachable by number."""

    @property
    def count(self) -> int:
        if not hasattr(self, "_capped"):
            self._capped = selectors.capped_count(self.object_list)
        return self._capped[0]

    @property
    def is_capped(self) -> bool:
        self.count  # noqa: B018 - fills the cache
        return self._capped[1]


def case_or_404(request, case_id):
    case = selectors.access_case_by_id(request.user, request.municipality, case_id)
    if case is None:
        raise Http404
    return case


def entry_or_404(request, entry_id):
    entry = selectors.access_incoming_by_id(request.municipality, entry_id)
    if entry is None:
        raise Http404
    return entry


def letter_or_404(case, letter_id):
    letter = selectors.letter_of_case(case, letter_id)
    if letter is None:
        raise Http404
    return letter


def may_open_cases(request) -> bool:
    return any(has_permission(request.user, request.municipality, permission)
               for permission in (Permission.HANDLE_CASES, Permission.REGISTER_CORRESPONDENCE))


def form_errors_to_messages(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def case_action(view):
    """POST-only action on a case the user may handle; refusals become messages."""

    @require_POST
    @staff_required(Permission.HANDLE_CASES)
    @wraps(view)
    def wrapper(request, case_id, *args, **kwargs):
        case = case_or_404(request, case_id)
        if not selectors.can_handle(request.user, case):
            return forbidden(request)  # they see the case, but may not act on it
        try:
            result = view(request, case, *args, **kwargs)
        except services.EzdError as error:
            messages.error(request, error.message)
            result = None
        if result is not None:
            return result
        return redirect("ezd:case-detail", request.municipality.slug, case.pk)

    return wrapper
