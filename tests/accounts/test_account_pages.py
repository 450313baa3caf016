"""allauth's pages speak in the site's voice, in its layout, and its emails
name the site and link to the address it is served on."""

import re

import pytest
from allauth.account.models import EmailConfirmationHMAC
from django.contrib.auth import get_user_model
from django.core import mail

from tests.submission_forms import verified_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-password-42"
SERVED_ON = "https://map.example.org"


@pytest.fixture(autouse=True)
def _served_elsewhere(settings):
    # The requests come by the test client's host (testserver); the emails
    # must name the address the site is served on.
    settings.SITE_URL = SERVED_ON
    settings.SITE_NAME = "Bristol Power Map"


def in_site_layout(page):
    return 'class="site-header"' in page and 'id="main"' in page and "Bristol Power Map" in page


ANONYMOUS_PAGES = {
    "/account/login/": "Sign in",
    "/account/signup/": "Create an account",
    "/account/password/reset/": "Reset your password",
    "/account/password/reset/done/": "Check your email",
    "/account/confirm-email/": "Check your email",
    "/account/confirm-email/no-such-key/": "This link does not work",
    "/account/password/reset/key/1-no-such-key/": "This link does not work",
    "/account/password/reset/key/done/": "Your password has been changed",
}


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_each_page_before_signing_in_is_in_the_sites_layout_and_words(client, path):
    response = client.get(path, follow=True)
    page = response.text
    assert response.status_code == 200
    assert in_site_layout(page)
    assert f"<h1>{ANONYMOUS_PAGES[path]}</h1>" in page


SIGNED_IN_PAGES = {
    "/account/email/": "Your email address",
    "/account/password/change/": "Change your password",
    "/account/logout/": "Sign out",
    "/account/2fa/": "Two-step sign-in",
}


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_each_page_of_ones_account_is_in_the_sites_layout_and_words(client, path):
    client.force_login(verified_user("sam@example.org", PASSWORD))
    response = client.get(path)
    assert response.status_code == 200
    assert in_site_layout(response.text)
    assert f"<h1>{SIGNED_IN_PAGES[path]}</h1>" in response.text


def test_the_sign_up_form_lists_its_errors_at_the_top_and_titles_the_page_an_error(client):
    response = client.post(
        "/account/signup/", {"email": "not-an-email", "password1": "a", "password2": "b"}
    )
    page = response.text
    assert "<title>Error: Create an account" in page
    assert "There is a problem" in page and 'href="#id_email"' in page


def test_a_wrong_password_is_told_plainly(client):
    verified_user("sam@example.org", PASSWORD)
    response = client.post("/account/login/", {"login": "sam@example.org", "password": "wrong"})
    assert "The email address or password is not right" in response.text
    assert "There is a problem" in response.text


def test_the_sign_in_page_offers_the_password_reset_once_and_says_what_remember_does(client):
    page = client.get("/account/login/").text
    assert page.count('href="/account/password/reset/"') == 1
    assert "Keep me signed in on this device" in page
    assert "Remember Me" not in page


def links(text):
    return re.findall(r"https?://[^\s\"'<>]+", text)


def parts(message):
    html = next(content for content, kind in message.alternatives if kind == "text/html")
    return message.body, html


def test_the_confirmation_email_names_the_site_and_links_to_its_address(committing_client):
    committing_client.post(
        "/account/signup/",
        {"email": "sam@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    (message,) = mail.outbox
    text, html = parts(message)
    assert message.subject == "Confirm your email address for Bristol Power Map"
    assert text.startswith("Hello from Bristol Power Map,")
    assert "Hello from Bristol Power Map," in html
    # The key is signed with the second it was made: read it from the link.
    (link,) = [url for url in links(text) if "/confirm-email/" in url]
    assert link.startswith(f"{SERVED_ON}/account/confirm-email/") and link in links(html)
    key = link.rstrip("/").rsplit("/", 1)[1]
    assert EmailConfirmationHMAC.from_key(key).email_address.email == "sam@example.org"
    assert "testserver" not in text + html


def test_the_password_reset_email_names_the_site_and_links_to_its_address(committing_client):
    verified_user("sam@example.org", PASSWORD)
    committing_client.post("/account/password/reset/", {"email": "sam@example.org"})
    (message,) = mail.outbox
    text, html = parts(message)
    assert message.subject == "Reset your password for Bristol Power Map"
    assert "Hello from Bristol Power Map," in text and "Hello from Bristol Power Map," in html
    reset = [url for url in links(text) if "/account/password/reset/key/" in url]
    assert reset and reset[0].startswith(f"{SERVED_ON}/account/password/reset/key/")
    assert reset[0] in links(html)
    assert "testserver" not in text + html
    # And the link works.
    path = reset[0].removeprefix(SERVED_ON)
    page = committing_client.get(path, follow=True).text
    assert "<h1>Choose a new password</h1>" in page


def test_the_emails_for_an_address_in_use_or_without_an_account_link_to_the_site_too(
    committing_client,
):
    get_user_model().objects.create_user("sam@example.org", PASSWORD)
    committing_client.post(
        "/account/signup/",
        {"email": "sam@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    committing_client.post("/account/password/reset/", {"email": "nobody@example.org"})
    already, unknown = mail.outbox
    assert already.subject == "You already have an account on Bristol Power Map"
    assert unknown.subject == "No account on Bristol Power Map uses this address"
    for message in (already, unknown):
        text, html = parts(message)
        assert links(text) and all(url.startswith(SERVED_ON) for url in links(text))
        assert "testserver" not in text + html
