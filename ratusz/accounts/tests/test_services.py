"""Staff, roles, residents and API tokens: the rules of accounts."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ratusz.accounts import selectors, services
from ratusz.accounts.models import RoleAssignment, User, UserKind
from ratusz.accounts.permissions import Permission, Role
from ratusz.core.models import AuditAction, AuditLog


def test_a_staff_member_is_created_with_roles_and_audited(admin_a, municipality_a, department_a):
    user = services.create_staff_member(
        municipality_a, acting_user=admin_a, username=" Alfa.Referent ", first_name="Ola",
        last_name="Nowicka", position="Referent", password="dlugie-i-bezpieczne-haslo",
        roles=[(Role.CASE_OFFICER, department_a)],
    )
    assert user.username == "alfa.referent"
    assert user.kind == UserKind.STAFF and user.municipality == municipality_a
    assert user.check_password("dlugie-i-bezpieczne-haslo")
    assert selectors.roles_of(user, municipality_a) == {Role.CASE_OFFICER}
    assert AuditLog.objects.filter(action=AuditAction.CREATED, object_id=str(user.pk)).count() == 1
    assert AuditLog.objects.filter(action=AuditAction.ROLE_GRANTED, object_id=str(user.pk)
                                   ).count() == 1


def test_a_taken_username_is_refused_and_nothing_is_left(admin_a, municipality_a):
    before = User.objects.count()
    with pytest.raises(services.AccountError, match="username_taken"):
        services.create_staff_member(municipality_a, acting_user=admin_a,
                                     username=admin_a.username, first_name="X", last_name="Y")
    assert User.objects.count() == before


def test_a_weak_password_is_refused_and_nothing_is_left(admin_a, municipality_a):
    before = User.objects.count()
    with pytest.raises(ValidationError):
        services.create_staff_member(municipality_a, acting_user=admin_a, username="nowy",
                                     first_name="X", last_name="Y", password="password123")
    assert User.objects.count() == before


def test_a_head_needs_a_department_and_a_failed_grant_rolls_back_the_user(admin_a,
                                                                         municipality_a):
    before = User.objects.count()
    with pytest.raises(services.AccountError, match="head_needs_department"):
        services.create_staff_member(municipality_a, acting_user=admin_a, username="kier",
                                     first_name="X", last_name="Y", roles=[(Role.HEAD, None)])
    assert User.objects.count() == before


def test_a_role_cannot_name_a_department_of_another_gmina(admin_a, make_staff, municipality_a,
                                                          department_b):
    user = make_staff(municipality_a)
    with pytest.raises(services.AccountError, match="department_of_other_municipality"):
        services.grant_role(user, acting_user=admin_a, role=Role.HEAD, department=department_b)
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_granting_the_same_role_twice_keeps_one(admin_a, make_staff, municipality_a):
    user = make_staff(municipality_a)
    services.grant_role(user, acting_user=admin_a, role=Role.SECRETARY)
    services.grant_role(user, acting_user=admin_a, role=Role.SECRETARY)
    assert RoleAssignment.objects.filter(user=user, role=Role.SECRETARY).count() == 1


def test_the_database_refuses_a_duplicate_gmina_wide_role(make_staff, municipality_a):
    user = make_staff(municipality_a, Role.SECRETARY)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(municipality=municipality_a, user=user,
                                      role=Role.SECRETARY)


def test_the_last_administrator_keeps_the_role(admin_a, make_staff, municipality_a):
    assignment = RoleAssignment.objects.get(user=admin_a, role=Role.ADMIN)
    with pytest.raises(services.AccountError, match="last_admin"):
        services.revoke_role(assignment, acting_user=admin_a)
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()
    make_staff(municipality_a, Role.ADMIN)
    services.revoke_role(assignment, acting_user=admin_a)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditLog.objects.filter(action=AuditAction.ROLE_REVOKED).count() == 1


def test_permissions_follow_roles_and_stop_at_the_gmina_border(make_staff, municipality_a,
                                                               municipality_b, resident):
    clerk = make_staff(municipality_a, Role.REGISTRY_CLERK)
    assert selectors.has_permission(clerk, municipality_a, Permission.REGISTER_CORRESPONDENCE)
    assert not selectors.has_permission(clerk, municipality_a, Permission.MANAGE_STAFF)
    assert selectors.permissions_of(clerk, municipality_b) == frozenset()
    assert selectors.permissions_of(resident, municipality_a) == {Permission.RESIDENT_SELF}


def test_a_disabled_staff_member_has_no_permissions(admin_a, make_staff, municipality_a):
    user = make_staff(municipality_a, Role.SECRETARY)
    services.update_staff_member(user, acting_user=admin_a, is_active=False)
    user.refresh_from_db()
    assert selectors.permissions_of(user, municipality_a) == frozenset()


def test_an_administrator_cannot_disable_themselves(admin_a):
    with pytest.raises(services.AccountError, match="cannot_deactivate_self"):
        services.update_staff_member(admin_a, acting_user=admin_a, is_active=False)
    admin_a.refresh_from_db()
    assert admin_a.is_active


def test_staff_must_belong_to_exactly_one_gmina_in_the_database(municipality_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="bez-gminy", kind=UserKind.STAFF, municipality=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="mieszkaniec-z-gmina", kind=UserKind.RESIDENT,
                            municipality=municipality_a)


def test_a_token_authenticates_once_issued_and_never_after_revocation(admin_a, municipality_a):
    token, secret = services.issue_api_token(municipality_a, acting_user=admin_a, name="System",
                                             permissions=[Permission.VIEW_DIRECTORY])
    assert secret.startswith("rtz_") and token.key_hash != secret
    assert secret not in str(AuditLog.objects.filter(object_id=str(token.pk)).values())
    assert selectors.authenticate_api_token(secret) == token
    assert selectors.authenticate_api_token(secret + "x") is None
    assert selectors.authenticate_api_token("rtz_" + token.prefix + "_wrong") is None
    services.revoke_api_token(token, acting_user=admin_a)
    services.revoke_api_token(token, acting_user=admin_a)
    assert selectors.authenticate_api_token(secret) is None
    assert AuditLog.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1


def test_an_expired_token_is_refused(admin_a, municipality_a):
    _token, secret = services.issue_api_token(
        municipality_a, acting_user=admin_a, name="Stary", permissions=[],
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert selectors.authenticate_api_token(secret) is None


def test_a_token_never_gives_more_than_its_user_may(admin_a, make_staff, municipality_a):
    officer = make_staff(municipality_a, Role.CASE_OFFICER)
    token, _ = services.issue_api_token(
        municipality_a, acting_user=None, name="Za dużo", user=officer,
        permissions=[Permission.HANDLE_CASES, Permission.MANAGE_STAFF],
    )
    assert selectors.token_permissions(token) == {Permission.HANDLE_CASES}


def test_unknown_permissions_are_refused(admin_a, municipality_a):
    with pytest.raises(services.AccountError, match="unknown_permission"):
        services.issue_api_token(municipality_a, acting_user=admin_a, name="X",
                                 permissions=["everything"])


def test_a_resident_registers_without_a_gmina_and_is_linked_once(municipality_a):
    resident = services.register_resident(username="Ewa.Kowal", email="ewa@example.test",
                                          password="bardzo-dlugie-haslo-ewy")
    assert resident.kind == UserKind.RESIDENT and resident.municipality is None
    services.link_resident(municipality_a, resident)
    services.link_resident(municipality_a, resident)
    assert list(selectors.list_residents(municipality_a)) == [resident]


def test_createsuperuser_makes_a_platform_operator(db):
    operator = User.objects.create_superuser("root", "root@example.test", "bardzo-dlugie-haslo")
    assert operator.kind == UserKind.OPERATOR and operator.municipality is None
    assert operator.is_platform_operator
