"""Browser tests: Debian's Chromium, driven by Playwright, against the live
test server with the demo data.

Nothing leaves this machine: every request to another host (map tiles above
all) is refused, as it would be on a closed network, and pages must work
regardless. A page that raises a JavaScript error or breaks the Content
Security Policy fails its test.
"""

import os
import shutil
import time
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import sync_playwright
from pytest_django.live_server_helper import LiveServer

# Playwright's synchronous API runs an event loop in the test's thread;
# the ORM calls the tests make there are synchronous all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# The flags a closed network needs: no background requests, no updates.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SOLAR = "Lawrence Weston community solar farm"
WIDTHS = (375, 1280)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite, the live server gets a test database in a file, not in
    memory: each of its threads then has a connection of its own, which
    commits as on PostgreSQL (and runs on-commit work such as emails),
    instead of all threads sharing one connection, which concurrent
    requests can find locked. The tests' own transactions start deferred,
    so that a test that only reads never holds the write lock the server
    needs."""

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        database.setdefault("TEST", {})["NAME"] = str(ROOT / "var" / "test-browser.sqlite3")
        database.setdefault("OPTIONS", {})["transaction_mode"] = "DEFERRED"


def pytest_collection_modifyitems(items):
    # Every browser test uses the test database (through the live server):
    # the marker makes pytest-django create it even when only these run.
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def browser():

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="package")
def site(django_db_setup, django_db_blocker):
    """The address of a live server holding the demo data.

    The browser tests only read, so the data is loaded once for all of them
    (not flushed and reloaded around each test, as pytest-django's own
    live_server fixture would), and flushed when they are done.
    """

    with django_db_blocker.unblock():
        call_command("load_demo_data", verbosity=0)
        _make_staff()
        server = LiveServer("localhost")
        try:
            yield server.url
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            # Leave no session open on the test database, so that it can be dropped.
            connections.close_all()


STAFF_PASSWORD = "a-long-staff-password-42"
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
MODERATOR = "moderator@example.org"
CURATOR = "curator@example.org"


def _make_staff():
    """A moderator and a curator, who sign in through the pages."""

    for email, group in ((MODERATOR, "Moderators"), (CURATOR, "Curators")):
        # Hashed as the tests' settings hash passwords (MD5, for speed).
        user = get_user_model().objects.create_user(email, is_staff=True)
        user.password = MD5PasswordHasher().encode(STAFF_PASSWORD, "staffsalt")
        user.save()
        user.groups.add(Group.objects.get(name=group))
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        # Staff sign in with two factors: an authenticator app whose secret
        # the tests know, so that sign_in can give its current code.
        TOTP.activate(user, STAFF_TOTP_SECRET)


def sign_in(page, email, password=STAFF_PASSWORD):
    page.goto("/account/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if "/account/2fa/authenticate/" in page.url:
        # A code is accepted once: the tests sign the same person in more
        # often than every 30 seconds, so the record of used codes goes.
        cache.clear()
        page.locator("#id_code").fill(fresh_totp_code(STAFF_TOTP_SECRET))
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state()
    assert "/account/login/" not in page.url, page.locator("main").inner_text()
    assert "/account/2fa/" not in page.url, page.locator("main").inner_text()


def fresh_totp_code(secret):
    """The current code once it has a few seconds left: one read at the end
    of its period would reach the server in the next, and be refused."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 5:
        time.sleep(left + 0.1)
    return totp_code(secret)


def totp_code(secret):
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counter))


class PageProblems(list):
    def check(self):
        assert not self, "The page reported problems:\n" + "\n".join(self)


def open_context(browser, site, **options):
    context = browser.new_context(base_url=site, **options)
    context.set_default_timeout(10_000)
    # Refuse every request that is not for the site itself.
    context.route(lambda url: not url.startswith(site), lambda route: route.abort())
    return context


def watch(page, site):
    """Collect JavaScript errors and console errors (CSP violations among
    them), except the refused requests to other hosts."""
    problems = PageProblems()
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))

    def on_console(message):
        if message.type != "error":
            return
        source = (message.location or {}).get("url", "")
        if "ERR_FAILED" in message.text and not source.startswith(site):
            return  # a refused request to another host
        if "responded with a status of 4" in message.text and source == page.url:
            return  # a page that answers 400 or 404 on purpose
        problems.append(f"Console error: {message.text} ({source})")

    page.on("console", on_console)
    return problems


@pytest.fixture
def make_page(browser, site):
    """Open pages at a given width (and with or without JavaScript)."""
    contexts = []
    watched = []

    def make(width=1280, height=900, javascript=True):
        context = open_context(
            browser,
            site,
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
        )
        contexts.append(context)
        page = context.new_page()
        watched.append(watch(page, site))
        return page

    yield make
    for context in contexts:
        context.close()
    for problems in watched:
        problems.check()


@pytest.fixture
def page(make_page):
    return make_page()
