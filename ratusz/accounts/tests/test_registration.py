"""A resident's e-mail account works only once its address is confirmed; one account per
address; a forgotten password is set again by e-mail (issue 15, finding 9)."""

import re

import pytest
from django.core import mail

from ratusz.accounts import services
from ratusz.accounts.models import ResidentProfile, User, UserKind

pytestmark = pytest.mark.django_db
PASSWORD = "zielony rower nad Wieprzem"
FORM = {"first_name": "Ewa", "last_name": "Nowak", "email": "Ewa.Nowak@example.org",
        "password": PASSWORD, "password2": PASSWORD}


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_registering_signs_nobody_in_until_the_address_is_confirmed(
        client, django_capture_on_commit_callbacks, settings):
    settings.RATUSZ_PUBLIC_URL = "https://ratusz.example"
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/auth/register/", FORM)
    assert answer.status_code == 200
    assert "Ewa.Nowak@example.org" in answer.content.decode()
    user = User.objects.get(username="ewa.nowak@example.org")
    assert not user.is_active
    assert "_auth_user_id" not in client.session
    assert client.post("/auth/login/", {"username": user.username,
                                        "password": PASSWORD}).status_code == 200  # refused
    # The link in the message (absolute, on the public address): a GET changes nothing …
    [message] = mail.outbox
    link = _link(message)
    assert link.startswith("https://ratusz.example/auth/register/confirm/")
    path = link.removeprefix("https://ratusz.example")
    assert client.get(path).status_code == 200
    user.refresh_from_db()
    assert not user.is_active
    # … the button confirms and signs in.
    done = client.post(path)
    assert done.status_code == 302 and done["Location"] == "/account/"
    user.refresh_from_db()
    assert user.is_active
    assert ResidentProfile.objects.get(user=user).email_confirmed_at is not None
    assert client.post(path).status_code == 400  # used once


def test_one_resident_account_per_address_whatever_the_letter_case(client, resident):
    User.objects.filter(pk=resident.pk).update(email="ewa.nowak@example.org")
    answer = client.post("/auth/register/", {**FORM, "email": "EWA.NOWAK@example.org"})
    assert answer.status_code == 400
    assert User.objects.filter(email__iexact="ewa.nowak@example.org").count() == 1
    with pytest.raises(services.AccountError, match="email_taken"):
        services.register_resident(username="inna", email="Ewa.Nowak@Example.org",
                                   password=PASSWORD)


def test_the_database_refuses_a_second_resident_with_the_same_address(resident):
    from django.db import IntegrityError, transaction

    User.objects.filter(pk=resident.pk).update(email="a@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="druga", email="A@EXAMPLE.ORG", kind=UserKind.RESIDENT)


def test_registering_again_before_confirming_sends_the_link_again(
        client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/auth/register/", FORM)
    again = client.post("/auth/register/", FORM)
    assert again.status_code == 200
    assert len(mail.outbox) == 2 and User.objects.filter(kind=UserKind.RESIDENT).count() == 1
    for _ in range(3):
        client.post("/auth/register/resend/", {"email": FORM["email"]})
    assert len(mail.outbox) == 4  # the first, then at most three more an hour
    assert all("/auth/register/confirm/" in _link(message) for message in mail.outbox)


def test_a_forgotten_password_is_set_again_by_e_mail(client, resident, settings):
    settings.RATUSZ_PUBLIC_URL = "https://ratusz.example"
    User.objects.filter(pk=resident.pk).update(email="ewa@example.org")
    sent = client.post("/auth/password-reset/", {"email": "EWA@example.org"})
    assert sent.status_code == 302 and sent["Location"] == "/auth/password-reset/sent/"
    [message] = mail.outbox
    link = _link(message)
    assert link.startswith("https://ratusz.example/auth/password-reset/")
    form = client.get(link.removeprefix("https://ratusz.example"), follow=True)
    assert form.status_code == 200
    new = "nowe hasło do konta ewy 2026"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new,
                                                    "new_password2": new})
    assert done.status_code == 302 and done["Location"] == "/auth/password-reset/done/"
    resident.refresh_from_db()
    assert resident.check_password(new)


def test_staff_and_unknown_addresses_get_no_message_and_the_same_answer(client, admin_a):
    for email in (admin_a.email, "nikt@example.org"):
        answer = client.post("/auth/password-reset/", {"email": email})
        assert answer.status_code == 302
    assert mail.outbox == []
