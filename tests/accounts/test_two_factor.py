"""Staff sign in with two factors: a moderator, curator or admin without an
authenticator app is sent to set one up before any staff page opens;
everyone else may turn it on and is never made to."""

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings

from initiatives.permissions import needs_second_factor
from tests.submission_forms import verified_user

pytestmark = pytest.mark.django_db

SETUP = "/account/2fa/totp/activate/"
PASSWORD = "a-long-password-1"


def without_second_factor(user):
    user.authenticator_set.all().delete()
    return user


def sign_in_afresh(client, user):
    """Signed in, and the password given again: allauth asks for it before
    a second factor is added or changed."""
    client.force_login(user)
    client.post("/account/reauthenticate/", {"password": PASSWORD})


def current_code(secret):
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


@pytest.mark.parametrize(
    "path", ["/moderation/", "/moderation/dashboard/", f"/{settings.ADMIN_URL}"]
)
def test_a_moderator_without_a_second_factor_is_sent_to_set_one_up(client, moderator, path):
    client.force_login(without_second_factor(moderator))
    response = client.get(path)
    assert response.status_code == 302 and response.url == SETUP
    assert client.session["second_factor_next"] == path


def test_a_curator_without_one_is_sent_too(client, curator):
    client.force_login(without_second_factor(curator))
    assert client.get("/curation/").url == SETUP


def test_with_an_authenticator_app_the_staff_pages_open(client, moderator):
    without_second_factor(moderator)
    TOTP.activate(moderator, generate_totp_secret())
    client.force_login(moderator)
    assert client.get("/moderation/").status_code == 200
    assert client.get(f"/{settings.ADMIN_URL}").status_code == 200


def test_a_resident_is_never_made_to_set_one_up(client):
    resident = verified_user("sam@example.org")
    assert not needs_second_factor(resident)
    client.force_login(resident)
    assert client.get("/account/submissions/").status_code == 200
    assert client.get("/moderation/").status_code == 403  # refused, not sent to set one up


def test_a_moderator_sets_up_the_app_and_goes_on_to_the_staff_page(client, moderator):
    client.force_login(without_second_factor(moderator))
    assert client.get("/moderation/").url == SETUP
    # Adding a second factor asks for the password again first.
    asked = client.get(SETUP)
    assert asked.url.startswith("/account/reauthenticate/")
    again = client.get(asked.url)
    assert "<h1>Enter your password again</h1>" in again.text
    client.post(asked.url, {"password": PASSWORD})
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "<h1>Set up two-step sign-in</h1>" in page.text
    assert 'class="site-header"' in page.text
    assert "Staff pages need two-step sign-in" in page.text
    secret = page.context["form"].secret

    wrong = client.post(SETUP, {"code": "000000" if current_code(secret) != "000000" else "111111"})
    assert "There is a problem" in wrong.text

    done = client.post(SETUP, {"code": current_code(secret)}, follow=True)
    assert "<h1>Your recovery codes</h1>" in done.text
    assert 'href="/moderation/"' in done.text  # the way on
    assert not needs_second_factor(moderator)
    assert client.get("/moderation/").status_code == 200


def test_signing_in_with_an_authenticator_asks_for_its_code(client, moderator):
    without_second_factor(moderator)
    secret = generate_totp_secret()
    TOTP.activate(moderator, secret)
    response = client.post(
        "/account/login/", {"login": moderator.email, "password": PASSWORD}, follow=True
    )
    assert "<h1>Enter the code from your app</h1>" in response.text
    assert 'class="site-header"' in response.text
    client.post("/account/2fa/authenticate/", {"code": current_code(secret)})
    assert client.get("/moderation/").status_code == 200


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/account/2fa/", "Two-step sign-in"),
        ("/account/2fa/totp/deactivate/", "Turn off two-step sign-in"),
        ("/account/2fa/recovery-codes/", "Your recovery codes"),
        ("/account/2fa/recovery-codes/generate/", "Make new recovery codes"),
    ],
)
def test_the_two_step_pages_are_in_the_sites_layout(client, moderator, path, heading):
    sign_in_afresh(client, without_second_factor(moderator))
    # Set up through the page, as a person does: recovery codes come with it.
    secret = client.get(SETUP).context["form"].secret
    client.post(SETUP, {"code": current_code(secret)})
    response = client.get(path)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.text
    assert 'class="site-header"' in response.text
