"""People sign up and sign in with their email address, and confirm it."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-password-42"


def sign_up(client, email="sam@example.org", password=PASSWORD):
    return client.post(
        "/account/signup/", {"email": email, "password1": password, "password2": password}
    )


def confirmation_link(message):
    return re.search(r"https?://[^/\s]+(/account/confirm-email/[^\s]+/)", message.body).group(1)


def test_a_person_signs_up_confirms_their_email_and_is_signed_in(committing_client):
    client = committing_client
    response = sign_up(client)
    assert response.status_code == 302
    assert response.url == "/account/confirm-email/"
    user = get_user_model().objects.get(email="sam@example.org")
    assert not user.emailaddress_set.get().verified
    assert len(mail.outbox) == 1 and "sam@example.org" in mail.outbox[0].to
    link = confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200  # a page with a button, not a GET that acts
    response = client.post(link)
    assert response.status_code == 302
    assert user.emailaddress_set.get().verified
    assert client.get("/account/email/").status_code == 200


def test_a_person_cannot_sign_in_before_confirming_their_email(committing_client):
    client = committing_client
    sign_up(client)
    client.logout()
    response = client.post("/account/login/", {"login": "sam@example.org", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/account/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_a_confirmed_person_signs_in_whatever_the_case_of_their_email(committing_client):
    client = committing_client
    sign_up(client)
    client.post(confirmation_link(mail.outbox[0]))
    client.logout()
    response = client.post("/account/login/", {"login": "Sam@Example.ORG", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"].email == "sam@example.org"


def test_sign_up_errors_are_listed_at_the_top_and_beside_each_field(client):
    response = client.post(
        "/account/signup/", {"email": "not-an-email", "password1": "a", "password2": "b"}
    )
    assert response.status_code == 200
    page = response.text
    assert "There is a problem" in page
    assert 'href="#id_email"' in page
    assert 'aria-invalid="true"' in page
    assert not get_user_model().objects.exists()


def test_signing_up_with_an_email_in_use_reveals_nothing_and_tells_its_owner(committing_client):
    client = committing_client
    # Whether an address has an account is private: the page says what it
    # says for a new one, and the owner hears of the attempt by email.
    get_user_model().objects.create_user("sam@example.org", PASSWORD)
    response = sign_up(client, email="SAM@example.org")
    assert response.status_code == 302 and response.url == "/account/confirm-email/"
    assert get_user_model().objects.count() == 1
    assert mail.outbox[0].to == ["sam@example.org"]
    assert "already" in mail.outbox[0].body


def test_a_forgotten_password_can_be_reset_by_email(committing_client):
    client = committing_client
    get_user_model().objects.create_user("sam@example.org", PASSWORD)
    response = client.post("/account/password/reset/", {"email": "sam@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/account/password/reset/key/" in mail.outbox[0].body


def test_the_header_offers_sign_in_or_the_account(client, resident):
    assert 'href="/account/login/"' in client.get("/").text
    client.force_login(resident)
    page = client.get("/").text
    assert 'href="/account/submissions/"' in page and 'href="/account/logout/"' in page
