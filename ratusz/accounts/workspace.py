"""The frame of the staff workspace: its menu and what waits for the person.

The menu is defined once, here: every entry names the page it opens and the permission
that page needs, so the sidebar shows a person only what they may open (a test holds each
entry against its view's `required_permission`). Apps whose pages are not in `MENU` yet
add theirs with `register_menu_entry` from their AppConfig.ready().

What waits for a person (new correspondence, letters to approve, deadlines, e-office
submissions) comes from the apps that own that work: each registers a source with
`register_waiting_work` in its AppConfig.ready(); the dashboard lists it and the menu
shows the counts as badges, as the national EZD does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ratusz.accounts.permissions import Permission, Role


@dataclass(frozen=True)
class MenuTarget:
    """A page an entry may open and the permission that page needs (None: any staff
    member of the gmina)."""

    url_name: str
    permission: str | None = Permission.VIEW_WORKSPACE


@dataclass(frozen=True)
class MenuEntry:
    key: str
    label: str
    #: The first target the person may open is linked; none: the entry is not shown.
    targets: tuple[MenuTarget, ...]
    #: URL names ("ezd:inbox") or namespaces ("bip-staff:") that mark the entry current.
    current: tuple[str, ...] = ()
    #: Keys of waiting work whose counts make the entry's badge.
    badges: tuple[str, ...] = ()


def _entry(key, label, *targets, current=(), badges=()) -> MenuEntry:
    return MenuEntry(key, label, tuple(MenuTarget(*target) for target in targets),
                     current=tuple(current), badges=tuple(badges))


#: A badge that sums every registered source of waiting work (the dashboard's: the header's
#: "Waiting for you" counts what every app says waits, education and BIP approvals too).
EVERY_SOURCE = "*"

MENU: list[MenuEntry] = [
    _entry("dashboard", _("Dashboard"), ("staff:dashboard",), current=["staff:dashboard"],
           badges=[EVERY_SOURCE]),
    _entry("my-work", _("My work"), ("ezd:inbox",), current=["ezd:inbox"]),
    _entry("register-item", _("Register an item"),
           ("ezd:incoming-new", Permission.REGISTER_CORRESPONDENCE),
           current=["ezd:incoming-new"]),
    _entry("cases", _("Cases"), ("ezd:case-list", Permission.VIEW_REGISTERS),
           current=["ezd:case-list", "ezd:case-detail", "ezd:case-new", "ezd:letter-new",
                    "ezd:letter-edit", "ezd:incoming-detail"]),
    _entry("registers", _("Registers"), ("ezd:incoming-register", Permission.VIEW_REGISTERS),
           current=["ezd:incoming-register", "ezd:outgoing-register"]),
    _entry("reports", _("Case lists and reports"),
           ("ezd:spis-spraw", Permission.VIEW_REGISTERS), current=["ezd:spis-spraw",
                                                                   "ezd:overdue"]),
    _entry("archive", _("Archive"), ("ezd:archive", Permission.HANDLE_CASES),
           current=["ezd:archive", "ezd:disposal-detail"]),
    _entry("eservices", _("E-services"),
           ("eservices-staff:submissions", Permission.VIEW_REGISTERS),
           ("eservices-staff:service-list", Permission.MANAGE_SERVICES),
           current=["eservices-staff:"], badges=["submissions"]),
    _entry("notifications", _("Notifications"),
           ("notifications-staff:dashboard", Permission.COMPOSE_ALERTS),
           ("notifications-staff:templates", Permission.MANAGE_TEMPLATES),
           current=["notifications-staff:"]),
    _entry("bip", _("BIP"), ("bip-staff:dashboard", Permission.EDIT_BIP),
           current=["bip-staff:"]),
    _entry("routing-rules", _("Assignment rules"),
           ("ezd:routing-rules", Permission.ASSIGN_CASES), current=["ezd:routing-rules"]),
    _entry("staff", _("Staff"), ("staff:staff-list", Permission.VIEW_DIRECTORY),
           current=["staff:staff-list", "staff:staff-detail", "staff:staff-create"]),
    _entry("departments", _("Units and departments"),
           ("staff:departments", Permission.VIEW_DIRECTORY),
           current=["staff:departments", "staff:department-edit", "staff:department-create",
                    "staff:unit-create"]),
    _entry("residents", _("Residents"), ("staff:residents", Permission.VIEW_RESIDENTS),
           current=["staff:residents", "staff:resident-detail"]),
    _entry("erasure", _("Erasure of personal data"),
           ("staff:erasure", Permission.ERASE_RESIDENTS), current=["staff:erasure"]),
    _entry("audit", _("Audit log"), ("staff:audit", Permission.VIEW_AUDIT),
           current=["staff:audit"]),
    _entry("api-tokens", _("API tokens"), ("staff:api-tokens", Permission.MANAGE_API_TOKENS),
           current=["staff:api-tokens"]),
    _entry("my-api-tokens", _("My API tokens"), ("staff:my-api-tokens",),
           current=["staff:my-api-tokens"]),
    _entry("public-pages", _("Public pages"), ("gmina:municipality-home", None)),
]


def register_menu_entry(entry: MenuEntry, *, before: str = "public-pages") -> None:
    """Add an app's entry to the menu (once), before the entry `before`."""
    if any(existing.key == entry.key for existing in MENU):
        return
    position = next((index for index, existing in enumerate(MENU) if existing.key == before),
                    len(MENU))
    MENU.insert(position, entry)


@dataclass
class MenuLink:
    label: str
    url: str
    is_current: bool
    badge: int = 0
    badge_is_urgent: bool = False


def _is_current(entry: MenuEntry, view_name: str) -> bool:
    return any(view_name == name or (name.endswith(":") and view_name.startswith(name))
               for name in entry.current)


def menu_for(permissions: Iterable[str], *, municipality_slug: str, view_name: str = "",
             counts: dict[str, WaitingWork] | None = None) -> list[MenuLink]:
    """The entries this person may open, each linked to the first page they may open."""
    held = frozenset(permissions)
    counts = counts or {}
    links = []
    for entry in MENU:
        target = next((target for target in entry.targets
                       if target.permission is None or target.permission in held), None)
        if target is None:
            continue
        try:
            url = reverse(target.url_name, args=[municipality_slug])
        except NoReverseMatch:
            continue
        keys = counts.keys() if EVERY_SOURCE in entry.badges else entry.badges
        waiting = [counts[key] for key in keys if key in counts]
        links.append(MenuLink(
            label=entry.label, url=url, is_current=_is_current(entry, view_name),
            badge=sum(work.count for work in waiting),
            badge_is_urgent=any(work.is_urgent and work.count for work in waiting)))
    return links


# --- What waits for the person ------------------------------------------------------------

@dataclass(frozen=True)
class WaitingItem:
    """One thing on the dashboard's list: what, a detail (a date, a mark) and its page."""

    label: str
    url: str
    detail: str = ""
    is_urgent: bool = False


@dataclass(frozen=True)
class WaitingWork:
    """A kind of work waiting for the person, counted; `items` only when asked for."""

    key: str
    title: str
    count: int
    url: str
    items: tuple[WaitingItem, ...] = field(default=())
    is_urgent: bool = False
    empty_text: str = ""


#: source(user, municipality, *, detailed) -> the kinds of work it owns, for this person.
WaitingSource = Callable[..., list[WaitingWork]]
_SOURCES: dict[str, WaitingSource] = {}


def register_waiting_work(key: str, source: WaitingSource) -> None:
    """Let the dashboard and the menu's badges ask `source` what waits for a person."""
    _SOURCES[key] = source


def waiting_work(user, municipality, *, detailed: bool = False) -> list[WaitingWork]:
    """Everything registered sources say waits for this staff member, in their order."""
    work: list[WaitingWork] = []
    for source in _SOURCES.values():
        work.extend(source(user, municipality, detailed=detailed))
    return work


# --- People as they are named in pickers ---------------------------------------------------

#: Short names of the roles after a person's name: "Marta Zielińska, kierownik GK".
ROLE_SHORT_NAMES = {
    Role.HEAD: pgettext_lazy("role after a name", "head"),
    Role.SECRETARY: pgettext_lazy("role after a name", "secretary"),
    Role.CASE_OFFICER: pgettext_lazy("role after a name", "case officer"),
    Role.REGISTRY_CLERK: pgettext_lazy("role after a name", "registry"),
    Role.ADMIN: pgettext_lazy("role after a name", "administrator"),
    Role.FINANCE: pgettext_lazy("role after a name", "finance"),
    Role.EDUCATION: pgettext_lazy("role after a name", "education"),
}
#: Which role names a person when they hold several.
ROLE_ORDER = [Role.SECRETARY, Role.HEAD, Role.CASE_OFFICER, Role.REGISTRY_CLERK,
              Role.FINANCE, Role.EDUCATION, Role.ADMIN]


def staff_label(user) -> str:
    """"Marta Zielińska, kierownik GK": the name and the person's main role with its
    department (from `role_assignments`, prefetched by `selectors.list_staff`)."""
    name = user.get_full_name() or user.username
    assignments = list(user.role_assignments.all())
    if not assignments:
        return name
    assignments.sort(key=lambda assignment: (
        ROLE_ORDER.index(assignment.role) if assignment.role in ROLE_ORDER else 99,
        assignment.department_id is None))
    main = assignments[0]
    role = str(ROLE_SHORT_NAMES.get(main.role, main.get_role_display()))
    department = main.department.symbol if main.department_id else ""
    return f"{name}, {role} {department}".strip()
