"""The staff workspace's frame: one menu built from the person's permissions, held against
every page's required permission; a page one may not open says so in the workspace's
layout (403) while other gminy still answer 404; people named as in pickers."""

from __future__ import annotations

import re

import pytest
from django.urls import resolve, reverse

from ratusz.accounts import workspace
from ratusz.accounts.permissions import ROLE_PERMISSIONS, Permission, Role
from ratusz.core.tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db

SIDEBAR_LINK = re.compile(r'<nav class="sidebar".*?</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')


def _view_permissions(url: str) -> frozenset[str] | None:
    view = resolve(url).func
    while not hasattr(view, "required_permissions") and hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    return getattr(view, "required_permissions", None)


def test_every_menu_entry_asks_at_least_what_its_page_needs():
    """A role that sees an entry may open the page it links to: one definition, checked
    against each view's `required_permission`."""
    for entry in workspace.MENU:
        for target in entry.targets:
            url = reverse(target.url_name, args=["alfa"])
            needed = _view_permissions(url)
            if target.permission is None:
                assert needed is None, (entry.key, "a public page needs no permission")
                continue
            assert needed is not None, (entry.key, target.url_name)
            for role, held in ROLE_PERMISSIONS.items():
                if target.permission in held:
                    assert held & needed, (entry.key, target.url_name, role)


def _sidebar_links(response) -> list[str]:
    nav = SIDEBAR_LINK.search(response.content.decode())
    assert nav, "the page has the workspace's menu"
    return HREF.findall(nav.group(0))


@pytest.mark.parametrize("role", list(Role))
def test_every_link_of_the_menu_opens_for_the_person_who_sees_it(client, make_staff,
                                                                  municipality_a, department_a,
                                                                  role):
    person = make_staff(municipality_a, role, department=department_a)
    client.force_login(person)
    links = _sidebar_links(client.get("/g/alfa/staff/"))
    assert links[0] == "/g/alfa/staff/"
    for url in links:
        assert client.get(url).status_code == 200, (role, url)


def test_the_registry_clerk_sees_no_archive(client, make_staff, municipality_a, department_a):
    clerk = make_staff(municipality_a, Role.REGISTRY_CLERK, department=department_a)
    client.force_login(clerk)
    links = _sidebar_links(client.get("/g/alfa/staff/"))
    assert "/g/alfa/staff/ezd/archive/" not in links
    assert "/g/alfa/staff/ezd/incoming/new/" in links


def test_a_page_the_person_may_not_open_says_so_in_the_workspace(client, make_staff,
                                                                 municipality_a, department_a):
    clerk = make_staff(municipality_a, Role.REGISTRY_CLERK, department=department_a)
    client.force_login(clerk)

    response = client.get("/g/alfa/staff/ezd/archive/")

    assert response.status_code == 403
    page = response.content.decode()
    assert 'class="sidebar"' in page  # the workspace's own layout, not the public 404
    assert "accounts/staff/forbidden.html" in [t.name for t in response.templates]


def test_a_missing_case_is_told_in_the_workspace_not_the_public_404(
        client, make_staff, municipality_a, department_a):
    clerk = make_staff(municipality_a, Role.CASE_OFFICER, department=department_a)
    client.force_login(clerk)

    response = client.get("/g/alfa/staff/ezd/cases/987654321/")

    assert response.status_code == 404
    assert 'class="sidebar"' in response.content.decode()
    assert "accounts/staff/not_found.html" in [t.name for t in response.templates]


def test_other_gminy_and_residents_still_get_404(client, make_staff, municipality_a,
                                                 municipality_b, department_a, resident):
    client.force_login(make_staff(municipality_b, Role.SECRETARY))
    assert client.get("/g/alfa/staff/ezd/archive/").status_code == 404
    client.force_login(resident)
    assert client.get("/g/alfa/staff/").status_code == 404


def test_the_menu_marks_the_current_page(client, make_staff, municipality_a, department_a):
    client.force_login(make_staff(municipality_a, Role.HEAD, department=department_a))
    page = client.get("/g/alfa/staff/ezd/archive/").content.decode()
    assert re.search(r'href="/g/alfa/staff/ezd/archive/" aria-current="page"', page)


def test_an_app_adds_its_entry_once(monkeypatch):
    monkeypatch.setattr(workspace, "MENU", list(workspace.MENU))
    entry = workspace.MenuEntry("payments", "Finanse", (workspace.MenuTarget(
        "staff:dashboard", Permission.VIEW_PAYMENTS),))
    workspace.register_menu_entry(entry)
    workspace.register_menu_entry(entry)
    keys = [item.key for item in workspace.MENU]
    assert keys.count("payments") == 1
    assert keys.index("payments") == keys.index("public-pages") - 1
    links = workspace.menu_for({Permission.VIEW_WORKSPACE}, municipality_slug="alfa")
    assert "Finanse" not in [link.label for link in links]


def test_people_are_named_with_their_role_and_department(make_staff, municipality_a,
                                                         department_a):
    from ratusz.accounts.selectors import list_staff

    surveying = DepartmentFactory(municipality=municipality_a, unit=department_a.unit,
                                  symbol="GK", name="Referat Gospodarki Komunalnej")
    make_staff(municipality_a, Role.CASE_OFFICER, Role.HEAD, department=surveying,
               first_name="Marta", last_name="Zielińska", username="alfa.kierownik")
    make_staff(municipality_a, first_name="", last_name="", username="alfa.nikt")

    labels = [workspace.staff_label(user) for user in list_staff(municipality_a)]

    # "kierownik" in Polish (the msgid is "head", context "role after a name").
    assert f"Marta Zielińska, {workspace.ROLE_SHORT_NAMES[Role.HEAD]} GK" in labels
    assert "alfa.nikt" in labels


def test_the_dashboards_badge_sums_every_source_of_waiting_work():
    """The header's "Waiting for you" counts what every app says waits (issue 23, item 12):
    the EZD's work, and education's or the BIP's approvals registered by those apps."""
    counts = {key: workspace.WaitingWork(key=key, title=key, count=count, url="/",
                                         is_urgent=key == "deadlines")
              for key, count in (("incoming", 2), ("deadlines", 1),
                                 ("education-verify", 3), ("bip-approvals", 4))}
    links = workspace.menu_for({Permission.VIEW_WORKSPACE}, municipality_slug="alfa",
                               counts=counts)
    dashboard = links[0]
    assert (dashboard.badge, dashboard.badge_is_urgent) == (10, True)
