"""The staff workspace through the test client: forms, errors in Polish, RODO records."""

import pytest

from ratusz.accounts import services
from ratusz.accounts.models import RoleAssignment, User
from ratusz.accounts.permissions import Role
from ratusz.core.models import AuditLog, Department, PersonalDataAccess, Unit


@pytest.fixture
def admin_client(client, admin_a):
    client.force_login(admin_a)
    return client


def test_sign_in_sends_staff_to_their_workspace(client, admin_a):
    response = client.post("/auth/login/", {"username": admin_a.username,
                                            "password": "correct-horse-battery-staple"})
    assert response.status_code == 302
    assert response["Location"] == "/g/alfa/staff/"


def test_sign_in_sends_residents_to_their_account(client, resident):
    response = client.post("/auth/login/", {"username": "mieszkaniec",
                                            "password": "correct-horse-battery-staple"})
    assert response["Location"] == "/account/"


def test_a_wrong_password_shows_a_polish_error_summary(client, admin_a):
    response = client.post("/auth/login/", {"username": admin_a.username, "password": "zle"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Wystąpił problem" in body or "There is a problem" in body
    assert 'role="alert"' in body


def test_admin_adds_a_staff_member_with_a_role(admin_client, department_a):
    response = admin_client.post("/g/alfa/staff/people/new/", {
        "username": "alfa.nowy", "first_name": "Olga", "last_name": "Nowa",
        "email": "olga@example.test", "position": "Referent", "password": "",
        "role": Role.CASE_OFFICER, "department": department_a.pk,
    })
    user = User.objects.get(username="alfa.nowy")
    assert response.status_code == 302
    assert response["Location"] == f"/g/alfa/staff/people/{user.pk}/"
    assert not user.has_usable_password()
    assert RoleAssignment.objects.get(user=user).department == department_a


def test_invalid_staff_form_says_what_is_wrong_and_saves_nothing(admin_client, admin_a):
    before = User.objects.count()
    response = admin_client.post("/g/alfa/staff/people/new/", {
        "username": admin_a.username, "first_name": "", "last_name": "X",
        "role": Role.HEAD, "email": "nie-email",
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) >= {"first_name", "email", "department"}
    assert User.objects.count() == before


def test_taken_username_is_reported_on_the_field(admin_client, admin_a):
    response = admin_client.post("/g/alfa/staff/people/new/", {
        "username": admin_a.username, "first_name": "A", "last_name": "B",
        "role": Role.SECRETARY,
    })
    assert response.status_code == 400
    assert "username" in response.context["form"].errors


def test_admin_grants_and_revokes_a_role(admin_client, make_staff, municipality_a):
    member = make_staff(municipality_a)
    admin_client.post(f"/g/alfa/staff/people/{member.pk}/roles/", {"role": Role.SECRETARY})
    assignment = RoleAssignment.objects.get(user=member)
    response = admin_client.post(
        f"/g/alfa/staff/people/{member.pk}/roles/{assignment.pk}/revoke/"
    )
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(user=member).exists()


def test_revoking_the_last_admin_role_is_refused_with_a_message(admin_client, admin_a):
    assignment = RoleAssignment.objects.get(user=admin_a)
    response = admin_client.post(
        f"/g/alfa/staff/people/{admin_a.pk}/roles/{assignment.pk}/revoke/", follow=True
    )
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    messages = [str(message) for message in response.context["messages"]]
    assert len(messages) == 1


def test_a_department_symbol_is_unique_in_the_gmina(admin_client, department_a, department_b):
    response = admin_client.post("/g/alfa/staff/departments/new/", {
        "symbol": "OR", "name": "Drugi", "unit": department_a.unit_id,
    })
    assert response.status_code == 400
    assert "symbol" in response.context["form"].errors
    assert Department.objects.filter(name="Drugi").count() == 0


def test_a_new_department_and_unit_are_saved(admin_client, department_a):
    response = admin_client.post("/g/alfa/staff/departments/new/", {
        "symbol": "gk", "name": "Referat Gospodarki Komunalnej", "unit": department_a.unit_id,
    })
    assert response.status_code == 302
    assert Department.objects.get(symbol="GK").municipality == department_a.municipality
    response = admin_client.post("/g/alfa/staff/units/new/", {
        "name": "Gminna Biblioteka Publiczna", "kind": "library", "postal_code": "24-22",
    })
    assert response.status_code == 400
    assert "postal_code" in response.context["form"].errors
    response = admin_client.post("/g/alfa/staff/units/new/", {
        "name": "Gminna Biblioteka Publiczna", "kind": "library", "postal_code": "24-220",
    })
    assert response.status_code == 302
    assert Unit.objects.filter(name="Gminna Biblioteka Publiczna").count() == 1


def test_the_department_symbol_cannot_be_changed(admin_client, department_a):
    admin_client.post(f"/g/alfa/staff/departments/{department_a.pk}/", {
        "symbol": "ZZ", "name": "Nowa nazwa", "unit": department_a.unit_id,
    })
    department_a.refresh_from_db()
    assert department_a.symbol == "OR"
    assert department_a.name == "Nowa nazwa"


def test_a_case_officer_cannot_manage_staff(client, make_staff, municipality_a):
    officer = make_staff(municipality_a, Role.CASE_OFFICER)
    client.force_login(officer)
    assert client.get("/g/alfa/staff/people/").status_code == 200
    assert client.get("/g/alfa/staff/people/new/").status_code == 403
    before = User.objects.count()
    client.post("/g/alfa/staff/people/new/", {"username": "x", "first_name": "x",
                                               "last_name": "x", "role": "admin"})
    assert User.objects.count() == before


def test_opening_a_residents_details_is_recorded(client, make_staff, municipality_a, resident):
    services.link_resident(municipality_a, resident)
    clerk = make_staff(municipality_a, Role.REGISTRY_CLERK)
    client.force_login(clerk)
    listing = client.get("/g/alfa/staff/residents/")
    assert "Mazur" in listing.content.decode()
    assert PersonalDataAccess.objects.count() == 0  # names only on the list
    response = client.get(f"/g/alfa/staff/residents/{resident.pk}/")
    assert response.status_code == 200
    assert resident.email in response.content.decode()
    record = PersonalDataAccess.objects.get()
    assert (record.staff, record.subject, record.context) == (clerk, resident,
                                                              "resident_profile")
    assert record.path == f"/g/alfa/staff/residents/{resident.pk}/"


def test_api_token_secret_is_shown_once(admin_client, municipality_a):
    response = admin_client.post("/g/alfa/staff/api-tokens/", {
        "name": "System podatkowy", "permissions": ["directory.view"],
    })
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("rtz_")
    again = admin_client.get("/g/alfa/staff/api-tokens/")
    assert secret not in again.content.decode()


def test_audit_page_shows_only_this_gminas_entries(admin_client, admin_b, department_a,
                                                    department_b):
    from ratusz.core import services as core_services

    core_services.update_department(department_a, acting_user=None, name="Zmiana w Alfie")
    core_services.update_department(department_b, acting_user=None, name="Zmiana w Becie")
    body = admin_client.get("/g/alfa/staff/audit/").content.decode()
    assert "Zmiana w Alfie" in body
    assert "Zmiana w Becie" not in body
    assert AuditLog.objects.count() >= 2


def test_staff_session_ends_after_inactivity(client, admin_a, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 60
    client.force_login(admin_a)
    assert client.get("/g/alfa/staff/").status_code == 200
    session = client.session
    session["ratusz_last_seen"] -= 61
    session.save()
    response = client.get("/g/alfa/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/login/")
    assert client.get("/g/alfa/staff/").status_code == 302


def test_signing_out_needs_a_post(client, admin_a):
    client.force_login(admin_a)
    assert client.get("/auth/logout/").status_code == 405
    assert client.post("/auth/logout/").status_code == 302
    assert client.get("/g/alfa/staff/").status_code == 302


def test_the_sign_in_page_names_the_gmina_it_was_reached_from(client, municipality_a):
    reached = client.get("/auth/login/?next=/g/alfa/e-urzad/uslugi/pismo/formularz/")
    page = reached.content.decode()
    assert reached.status_code == 200
    assert f"<title>Zaloguj się – {municipality_a.official_name} – Ratusz</title>" in page
    assert 'id="sign-in-gmina"' in page and municipality_a.official_name in page
    plain = client.get("/auth/login/").content.decode()
    assert 'id="sign-in-gmina"' not in plain
    elsewhere = client.get("/auth/login/?next=https://example.org/g/alfa/").content.decode()
    assert 'id="sign-in-gmina"' not in elsewhere  # an unsafe next names nothing
    unknown = client.get("/auth/login/?next=/g/nie-ma-takiej/").content.decode()
    assert 'id="sign-in-gmina"' not in unknown
