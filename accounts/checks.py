"""System checks run at start-up (manage.py migrate, runserver, check)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error


def site_url_check(app_configs=None, **kwargs):
    """Outside development the site must know the address it is served on:
    every link in an email is built from SITE_URL, and a guess (127.0.0.1)
    would send people nowhere."""
    if settings.DEBUG:
        return []
    url = settings.SITE_URL
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc and not parts.query:
        return []
    return [
        Error(
            f"SITE_URL is {'missing' if not url else f'not a full address ({url!r})'}.",
            hint="Set SITE_URL to the address people reach the site on, "
            "such as https://example.org (links in emails are built from it).",
            id="accounts.E001",
        )
    ]
