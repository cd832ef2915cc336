"""Staff sessions end after a period without activity."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

_LAST_SEEN = "ratusz_last_seen"


class StaffSessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "is_staff_member", False):
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN, now)
            if now - last_seen > settings.STAFF_SESSION_IDLE_SECONDS:
                logout(request)
                messages.info(request, _("Your session ended after a period without activity. "
                                         "Please sign in again."))
                return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            request.session[_LAST_SEEN] = now
        return self.get_response(request)


class OperatorAdminMiddleware:
    """The platform operator's admin pages see every gmina (the database wall is opened
    for them only)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = "/" + settings.ADMIN_URL

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (request.path_info.startswith(self.prefix) and user is not None
                and user.is_authenticated and getattr(user, "is_platform_operator", False)):
            from ratusz.core.middleware import enter_database_tenant
            from ratusz.core.tenancy import ALL_MUNICIPALITIES

            enter_database_tenant(request, ALL_MUNICIPALITIES)
        return self.get_response(request)
