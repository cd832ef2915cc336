from django.utils.functional import SimpleLazyObject

from ratusz.accounts import workspace
from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import permissions_of


def permissions_here(request):
    """The signed-in user's capabilities in the current gmina (`perms_here`), and for the
    staff workspace's layout its menu with the waiting work's counts (`workspace_menu`,
    `waiting_counts`), worked out only when a page shows them."""
    municipality = getattr(request, "municipality", None)
    user = getattr(request, "user", None)
    if municipality is None or user is None or not user.is_authenticated:
        return {"perms_here": frozenset()}
    permissions = permissions_of(user, municipality)
    if Permission.VIEW_WORKSPACE not in permissions:
        return {"perms_here": permissions}

    def counts():
        return {work.key: work for work in workspace.waiting_work(user, municipality)}

    waiting = SimpleLazyObject(counts)

    def menu():
        match = getattr(request, "resolver_match", None)
        return workspace.menu_for(permissions, municipality_slug=municipality.slug,
                                  view_name=match.view_name if match else "",
                                  counts=waiting)

    return {"perms_here": permissions, "workspace_menu": SimpleLazyObject(menu),
            "waiting_counts": waiting}
