"""Who may issue an API token for whom (issue 15, finding 2 of the outside review): an
administrator could issue a token acting as the secretary with every permission, and the
case record then named the secretary for what the administrator did."""

import pytest

from ratusz.accounts import selectors, services
from ratusz.accounts.permissions import ROLE_PERMISSIONS, Permission, Role
from ratusz.accounts.selectors import authenticate_api_token
from ratusz.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(make_staff, municipality_a):
    return make_staff(municipality_a, Role.SECRETARY, username="alfa.sekretarz",
                      first_name="Maria", last_name="Zielińska")


def test_a_token_for_another_person_waits_for_that_persons_confirmation(
        admin_a, secretary, municipality_a):
    wanted = sorted(ROLE_PERMISSIONS[Role.SECRETARY])
    token, secret = services.issue_api_token(municipality_a, acting_user=admin_a,
                                             name="System podatkowy", user=secretary,
                                             permissions=wanted)
    # The administrator gets no secret, and nothing works yet.
    assert secret is None and token.is_pending and token.key_hash == ""
    assert token.issued_by == admin_a
    with pytest.raises(services.AccountError, match="not_your_token"):
        services.confirm_api_token(token, acting_user=admin_a)

    secret = services.confirm_api_token(token, acting_user=secretary)
    assert authenticate_api_token(secret) == token
    assert selectors.token_permissions(token) == frozenset(wanted)
    assert AuditLog.objects.filter(action=AuditAction.TOKEN_CONFIRMED, actor=secretary,
                                   object_id=str(token.pk)).count() == 1
    with pytest.raises(services.AccountError, match="token_not_pending"):
        services.confirm_api_token(token, acting_user=secretary)


def test_a_token_for_a_person_carries_no_more_than_the_person_holds(
        admin_a, secretary, municipality_a):
    with pytest.raises(services.AccountError, match="permission_not_held"):
        services.issue_api_token(municipality_a, acting_user=admin_a, name="Za dużo",
                                 user=secretary, permissions=[Permission.MANAGE_STAFF])
    assert not selectors.list_api_tokens(municipality_a).exists()


def test_a_system_token_carries_no_more_than_the_administrator_role(admin_a, municipality_a):
    with pytest.raises(services.AccountError, match="permission_not_held"):
        services.issue_api_token(municipality_a, acting_user=admin_a, name="Kancelaria",
                                 permissions=[Permission.REGISTER_CORRESPONDENCE])
    token, secret = services.issue_api_token(municipality_a, acting_user=admin_a,
                                             name="Katalog", permissions=[
                                                 Permission.VIEW_DIRECTORY])
    assert secret and authenticate_api_token(secret) == token


def test_a_system_token_carries_no_more_than_its_issuer_holds(make_staff, municipality_a):
    # A secretary (no staff management) may not hand out a token that manages staff.
    secretary = make_staff(municipality_a, Role.SECRETARY, Role.ADMIN)
    narrow = make_staff(municipality_a, Role.REGISTRY_CLERK)
    with pytest.raises(services.AccountError, match="permission_not_held"):
        services.issue_api_token(municipality_a, acting_user=narrow, name="X",
                                 permissions=[Permission.MANAGE_STAFF])
    token, _secret = services.issue_api_token(municipality_a, acting_user=secretary,
                                              name="Y", permissions=[Permission.MANAGE_STAFF])
    assert token.confirmed_at is not None


def test_a_person_issuing_for_themselves_gets_the_secret_at_once(secretary, municipality_a):
    token, secret = services.issue_api_token(municipality_a, acting_user=secretary,
                                             name="Mój skrypt", user=secretary,
                                             permissions=[Permission.HANDLE_CASES])
    assert authenticate_api_token(secret) == token


def test_the_pages_show_the_secret_only_to_the_person(client, admin_a, secretary,
                                                      municipality_a):
    client.force_login(admin_a)
    answer = client.post(f"/g/{municipality_a.slug}/staff/api-tokens/", {
        "name": "System podatkowy", "user": secretary.pk,
        "permissions": [Permission.HANDLE_CASES, Permission.REGISTER_CORRESPONDENCE]},
        follow=True)
    page = answer.content.decode()
    assert "rtz_" not in page and "Maria Zielińska" in page
    token = selectors.list_api_tokens(municipality_a).get()
    assert token.is_pending

    client.force_login(secretary)
    listing = client.get(f"/g/{municipality_a.slug}/staff/my-api-tokens/")
    assert "System podatkowy" in listing.content.decode()
    shown = client.post(f"/g/{municipality_a.slug}/staff/my-api-tokens/{token.pk}/confirm/")
    assert shown.status_code == 200
    text = shown.content.decode()
    secret = text.split('<code class="secret">')[1].split("</code>")[0]
    assert authenticate_api_token(secret) == token
    # Another person's token is not there to confirm.
    client.force_login(admin_a)
    assert client.post(f"/g/{municipality_a.slug}/staff/my-api-tokens/{token.pk}/revoke/"
                       ).status_code == 404


def test_an_administrator_asking_for_too_much_gets_a_clear_error(client, admin_a,
                                                                 municipality_a):
    client.force_login(admin_a)
    answer = client.post(f"/g/{municipality_a.slug}/staff/api-tokens/", {
        "name": "Kancelaria", "permissions": [Permission.REGISTER_CORRESPONDENCE]})
    assert answer.status_code == 400
    assert "administrator role" in answer.content.decode() or \
        "administratora" in answer.content.decode()
    assert not selectors.list_api_tokens(municipality_a).exists()
