from django.conf import settings


def platform(request):
    """What every layout needs: the current gmina and the user's capabilities there."""
    municipality = getattr(request, "municipality", None)
    permissions = frozenset()
    user = getattr(request, "user", None)
    if municipality is not None and user is not None and user.is_authenticated:
        from ratusz.accounts.selectors import permissions_of

        permissions = permissions_of(user, municipality)
    return {
        "municipality": municipality,
        "perms_here": permissions,
        "languages": settings.LANGUAGES,
    }
