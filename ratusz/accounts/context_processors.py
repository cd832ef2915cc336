from ratusz.accounts.selectors import permissions_of


def permissions_here(request):
    """The signed-in user's capabilities in the current gmina (`perms_here`), for the
    layouts' menus."""
    municipality = getattr(request, "municipality", None)
    user = getattr(request, "user", None)
    if municipality is None or user is None or not user.is_authenticated:
        return {"perms_here": frozenset()}
    return {"perms_here": permissions_of(user, municipality)}
