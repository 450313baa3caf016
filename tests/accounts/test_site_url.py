"""Links in emails use the address the site is served on (SITE_URL), which
production must set: a system check stops start-up without it."""

import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.checks import run_checks
from django.template.loader import render_to_string

from accounts.checks import site_url_check
from accounts.models import OutgoingEmail
from tests.submission_forms import verified_user

ROOT = Path(__file__).resolve().parents[2]
SERVED = "https://map.example.org"
LINK = re.compile(r"""https?://[^\s"'<>]+""")


@pytest.mark.parametrize("value", ["", "map.example.org", "/relative", "ftp://map.example.org"])
def test_production_refuses_to_start_without_a_full_site_url(settings, value):
    settings.DEBUG = False
    settings.SITE_URL = value
    [error] = site_url_check()
    assert error.id == "accounts.E001" and "SITE_URL" in error.msg
    assert "accounts.E001" in {e.id for e in run_checks()}


@pytest.mark.parametrize("value", ["https://map.example.org", "http://127.0.0.1:8792"])
def test_a_full_address_passes(settings, value):
    settings.DEBUG = False
    settings.SITE_URL = value
    assert site_url_check() == []


def test_development_needs_none(settings):
    settings.DEBUG = True
    settings.SITE_URL = ""
    assert site_url_check() == []


class Sample(str):
    """Any value a template asks for: every attribute, item and call gives
    another sample, so each template renders whatever it reaches into."""

    def __new__(cls, text="Sample"):
        return super().__new__(cls, text)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Sample()

    def __getitem__(self, key):
        return Sample()

    def __call__(self, *args, **kwargs):
        return Sample()

    def __iter__(self):
        return iter([Sample()])


def email_templates():
    folders = [ROOT / "templates" / "emails", ROOT / "templates" / "account" / "email"]
    return sorted(
        str(path.relative_to(ROOT / "templates"))
        for folder in folders
        for path in folder.glob("*")
        if path.suffix in (".txt", ".html") and path.is_file()
    )


@pytest.mark.parametrize("name", email_templates())
def test_every_link_in_every_email_template_starts_with_site_url(settings, name):
    settings.SITE_URL = SERVED
    context = {
        "SITE_URL": SERVED,
        "SITE_NAME": "Community Power Map",
        **{key: Sample(f"/{key}/") for key in ("item_path", "settings_path", "review_path")},
        "count": 2,  # the digests' plurals
        "more": 1,
    }

    class Everything(dict):
        def __missing__(self, key):
            return Sample()

    rendered = render_to_string(name, Everything(context))
    links = LINK.findall(rendered)
    wrong = [link for link in links if not link.startswith(SERVED)]
    assert wrong == [], f"{name} links elsewhere: {wrong}"
    assert "127.0.0.1:8000" not in rendered


@pytest.mark.django_db
def test_the_emails_sign_up_and_password_reset_send_link_to_site_url(client, settings):
    """allauth's emails, sent through the site's flows (the request's own
    host is testserver, never in a link)."""
    settings.SITE_URL = SERVED
    client.post(
        "/account/signup/",
        {
            "email": "new@example.org",
            "password1": "a-long-password-1",
            "password2": "a-long-password-1",
        },
    )
    user = verified_user("known@example.org")
    EmailAddress.objects.filter(user=user).update(verified=True)
    client.post("/account/password/reset/", {"email": "known@example.org"})
    emails = list(OutgoingEmail.objects.all())
    assert len(emails) >= 2
    for email in emails:
        links = LINK.findall(email.body) + LINK.findall(email.html)
        assert links, email.subject
        assert [link for link in links if not link.startswith(SERVED)] == [], email.subject
