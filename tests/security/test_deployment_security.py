"""Deploying safely: production settings pass `check --deploy`; every page
answers with the security headers and a Content Security Policy that no
inline code needs; no form is taken without its CSRF token; sign-in attempts
are throttled; and the admin answers only where ADMIN_URL says."""

import functools
import importlib
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.management import call_command
from django.http import HttpResponseForbidden
from django.test import Client, override_settings
from django.urls import URLResolver, clear_url_caches, get_resolver, reverse

import config.urls
from communities.models import PlaceBoundary
from initiatives.models import Alert, Collection, CollectionItem
from initiatives.opendata import openreferral
from tests.factories import make_initiative, make_organisation
from tests.submission_forms import verified_user

ROOT = Path(__file__).resolve().parents[2]
YEAR = 365 * 24 * 60 * 60
PASSWORD = "a-long-password-1"  # tests.submission_forms.verified_user's

# What a production server sets (README, .env.example); everything else keeps
# its default. The mail server belongs here: `check --deploy` rightly refuses
# the console mailer of a fresh clone.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "map.example.org",
    # Required in production (accounts/checks.py): links in emails use it.
    "SITE_URL": "https://map.example.org",
    "EMAIL_URL": "smtp+tls://mailer:password@smtp.example.org:587",
}


def in_production(*args, **env):
    """Run Python from the project root with production's environment, and
    nothing of this test run's (DEBUG=true above all)."""
    kept = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**kept, **PRODUCTION, **env},
        capture_output=True,
        text=True,
        check=False,
    )


# The settings behind the headers and cookies, which the `production` fixture
# gives a test.
SECURITY_SETTINGS = (
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_CSP",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
)


@functools.cache
def production_settings(**env) -> dict:
    """The security settings as production reads them, with `env` on top."""
    names = (*SECURITY_SETTINGS, "ADMIN_URL", "ALLAUTH_TRUSTED_PROXY_COUNT")
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )
    result = in_production("-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def production(settings):
    """This test runs with production's security settings, except that plain
    http is not redirected: the requests here ask for https themselves."""
    values = production_settings()
    for name in SECURITY_SETTINGS:
        value = values[name]
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)
    settings.SECURE_SSL_REDIRECT = False
    return settings


def test_production_settings_pass_check_deploy_without_a_single_warning():
    result = in_production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# The URLconf, walked.


def routes(patterns=None, prefix="", namespace=""):
    """(route, name) of every pattern in the URLconf, with its includes'
    prefixes and namespaces; an unnamed pattern is named by its route."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, (namespace, pattern.namespace)))
            yield from routes(pattern.url_patterns, route, inner)
        elif pattern.name:
            yield route, ":".join(filter(None, (namespace, pattern.name)))
        else:
            yield route, route


# <slug:slug>, (?P<slug>[^/]+) or an unnamed group (simple_history's admin).
PLACEHOLDER = re.compile(r"<(?:\w+:)?(?P<path>\w+)>|\(\?P<(?P<regex>\w+)>[^)]*\)|\([^)]*\)")


def url_of(route, value):
    """The URL of `route`, each placeholder filled by value(name, route before it)."""

    def fill(match):
        name = match["path"] or match["regex"]
        return str(value(name, route[: match.start()])) if name else "1"

    return "/" + re.sub(r"[\^$\\]", "", PLACEHOLDER.sub(fill, route))


@pytest.fixture
def world(places, theme, resident):
    """A published initiative with its place, theme, organisation, collection
    and a follower: something for every kind of URL to name. Returns the
    value(name, route before it) that url_of() asks for."""
    trust = make_organisation("Bristol Energy Trust", kind="charity")
    solar = make_initiative(
        "Lawrence Weston solar farm",
        places=[places["lawrence-weston"]],
        themes=[theme],
        organisations=[(trust, "lead")],
        served_area={
            "type": "Polygon",
            "coordinates": [[[-2.69, 51.5], [-2.66, 51.5], [-2.66, 51.51], [-2.69, 51.5]]],
        },
    )
    PlaceBoundary.objects.create(
        place=places["bristol"],
        geometry={
            "type": "Polygon",
            "coordinates": [[[-2.7, 51.4], [-2.5, 51.4], [-2.6, 51.55], [-2.7, 51.4]]],
        },
        min_lat=51.4,
        min_lng=-2.7,
        max_lat=51.55,
        max_lng=-2.5,
        area_km2=110.0,
        imported_at=solar.created_at,
    )
    collection = Collection.objects.create(title="Energy", slug="energy")
    CollectionItem.objects.create(collection=collection, initiative=solar)
    alert = Alert.objects.create(email="follower@example.org", place=places["bristol"])
    # By the segment of the route before the placeholder.
    named_by_segment = {
        "slug": {
            "initiatives": solar.slug,
            "places": places["bristol"].slug,
            "themes": theme.slug,
            "organisations": trust.slug,
            "collections": collection.slug,
        },
        "id": {
            "services": solar.uuid,
            "service_at_locations": openreferral.flip_service_at_location_id(solar.uuid),
            "organizations": trust.uuid,
            "taxonomies": openreferral.TAXONOMY_ID,
            "taxonomy_terms": theme.uuid,
            "user": resident.pk,
        },
    }
    named = {
        "pk": solar.pk,
        "kind": "place",
        "token": alert.token,
        # allauth's links from emails, stale.
        "key": "no-such-key",
        "uidb36": "1",
        # The admin's.
        "object_id": solar.pk,
        "content_type_id": 1,
        "parent_id": places["england"].pk,
        "app_label": "initiatives",
        "url": "no-such-page/",
        # Uploaded files.
        "path": "no-such-photo.jpg",
    }

    def value(name, before):
        segment = before.replace("^", "").rstrip("/").rsplit("/", 1)[-1]
        if segment in named_by_segment.get(name, {}):
            return named_by_segment[name][segment]
        if name in named:
            return named[name]
        pytest.fail(f"Nothing to put in <{name}> of {before!r}: add it to the world.")

    return value


# Headers.


def csp_directives(response):
    """{directive: [sources]} of the response's Content-Security-Policy."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def header_problems(response, *, frameable):
    """What is missing or wrong in `response`'s security headers."""
    problems = []
    hsts = response.get("Strict-Transport-Security", "")
    max_age = re.search(r"max-age=(\d+)", hsts)
    if not max_age or int(max_age[1]) < YEAR or "includeSubDomains" not in hsts:
        problems.append(f"Strict-Transport-Security: {hsts!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if response.get("Referrer-Policy") not in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ):
        problems.append(f"Referrer-Policy: {response.get('Referrer-Policy')!r}")
    if "Content-Security-Policy" not in response:
        return [*problems, "no Content-Security-Policy"]
    csp = csp_directives(response)
    for directive in ("script-src", "style-src"):
        sources = csp.get(directive, csp.get("default-src"))
        if not sources or {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(sources):
            problems.append(f"{directive}: {sources}")
    if csp.get("object-src") != ["'none'"] or not csp.get("base-uri"):
        problems.append(f"object-src {csp.get('object-src')}, base-uri {csp.get('base-uri')}")
    if frameable:
        if "frame-ancestors" in csp or "X-Frame-Options" in response:
            problems.append("the embed refuses to be framed")
    elif csp.get("frame-ancestors") != ["'none'"] or response.get("X-Frame-Options") != "DENY":
        problems.append(
            f"frame-ancestors {csp.get('frame-ancestors')}, "
            f"X-Frame-Options {response.get('X-Frame-Options')!r}"
        )
    return problems


TAG = re.compile(r"<[a-zA-Z][^>]*>")
INLINE_ATTRIBUTE = re.compile(r"\s(on[a-z]+|style)\s*=", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
# Data for scripts (json_script, JSON-LD): a browser never runs it.
DATA_BLOCK = re.compile(r"""type=["']application/(ld\+)?json["']""")


def inline_code(html):
    """What in `html` a policy without 'unsafe-inline' would block."""
    found = [
        f"<script{attributes}>"
        for attributes in SCRIPT.findall(html)
        if "src=" not in attributes and not DATA_BLOCK.search(attributes)
    ]
    found += [tag for tag in TAG.findall(html) if INLINE_ATTRIBUTE.search(tag)]
    found += re.findall(r"<style\b[^>]*>", html, re.IGNORECASE)
    found += re.findall(r"[\"']javascript:[^\"']*", html, re.IGNORECASE)
    return found


# Emails are read in mail programs, which need inline styles and run no
# scripts: a Content Security Policy does not reach them.
PAGE_TEMPLATES = sorted(
    path
    for path in (ROOT / "templates").rglob("*.html")
    # Emails are not pages: theirs are the styles mail programs need inline
    # (the site's in emails/, allauth's in account/email/ and mfa/email/).
    if path.relative_to(ROOT / "templates").parts[0] != "emails" and path.parent.name != "email"
)


def test_no_page_template_has_inline_scripts_event_handlers_or_styles():
    found = {
        str(path.relative_to(ROOT)): code
        for path in PAGE_TEMPLATES
        if (code := inline_code(path.read_text()))
    }
    assert len(PAGE_TEMPLATES) > 50
    assert found == {}


def test_every_page_answers_with_the_security_headers_and_no_inline_code(client, world, production):
    problems = {}
    status = {}
    for route, name in routes():
        url = url_of(route, world)
        # Twice: the second answer comes from the page cache if it was stored.
        for visit in ("", " (again)"):
            response = client.get(url, secure=True)
            status.setdefault(url, response.status_code)
            found = header_problems(response, frameable=name == "initiatives:embed-map")
            if response.get("Content-Type", "").startswith("text/html"):
                found += inline_code(response.text)
            if found:
                problems[url + visit] = found
    assert problems == {}
    # The walk reached the pages themselves: every object a URL names exists,
    # and the public pages (most of them; the rest ask to sign in) answered.
    # (Which place holds a pin is a bad request without the pin.)
    assert [url for url, code in status.items() if code >= 400] == [
        "/places/containing.json",
        "/media/no-such-photo.jpg",
    ]
    # (A quarter: the admin's pages and the account's, two-step sign-in's
    # among them, send visitors to sign in.)
    assert sum(code == 200 for code in status.values()) > len(status) / 4


def test_plain_http_is_sent_to_https_and_https_through_the_proxy_is_recognised(
    client, db, production
):
    production.SECURE_SSL_REDIRECT = production_settings()["SECURE_SSL_REDIRECT"]
    production.ALLOWED_HOSTS = ["map.example.org"]
    response = client.get("/places/?page=2", HTTP_HOST="map.example.org")
    assert response.status_code == 301
    assert response["Location"] == "https://map.example.org/places/?page=2"
    # The proxy in front ends TLS and says so in X-Forwarded-Proto.
    proxied = client.get("/places/", HTTP_HOST="map.example.org", HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
    assert header_problems(proxied, frameable=False) == []


# Cookies.


def test_every_cookie_is_https_only_and_the_session_is_hidden_from_scripts(client, db, production):
    user = verified_user()
    form = client.get("/account/login/", secure=True)
    assert form.cookies[production.CSRF_COOKIE_NAME]["secure"]
    response = client.post(
        "/account/login/", {"login": user.email, "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies[production.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["samesite"] == "Lax"
    # The session, the new CSRF token and the "signed in" message alike.
    assert set(response.cookies) == {
        production.SESSION_COOKIE_NAME,
        production.CSRF_COOKIE_NAME,
        "messages",
    }
    assert [name for name, cookie in response.cookies.items() if not cookie["secure"]] == []


# CSRF.

# Views that take a POST without a CSRF token, and why that is safe. Every
# other view refuses one, and a new view that takes one fails the test below
# until it is listed here with its reason.
TAKE_POST_WITHOUT_CSRF_TOKEN = {
    "initiatives:alert-follow": (
        "The follow form is on public pages that every visitor gets from the page cache; a "
        "token would tie each page to one visitor. A forged POST can only ask for a "
        "confirmation email (double opt-in), behind a honeypot, a signed time and hourly "
        "limits per network and per address (initiatives/alerts/views.py)."
    ),
    "initiatives:alert-unsubscribe": (
        "One-click unsubscribe (RFC 8058): mail programs POST List-Unsubscribe=One-Click "
        "themselves, without our token. The secret token in the URL is the authority, as it "
        "is for the GET."
    ),
}


def csrf_failure(request, reason=""):
    """Stands in for Django's CSRF failure page, so that a refusal for want of
    a token is told apart from any other 403."""
    return HttpResponseForbidden(reason, headers={"X-CSRF-Failure": reason or "refused"})


@pytest.mark.parametrize("persona", ["anonymous", "verified"])
def test_every_view_refuses_a_post_without_its_csrf_token(settings, world, persona):
    settings.CSRF_FAILURE_VIEW = f"{__name__}.csrf_failure"
    client = Client(enforce_csrf_checks=True)
    # The browser holds a CSRF cookie, as a visitor's does; a forged form
    # cannot know the token that goes with it.
    client.get("/account/login/")
    assert client.cookies[settings.CSRF_COOKIE_NAME].value
    if persona == "verified":
        client.force_login(verified_user())
    taken = {}
    refused = 0
    for route, name in routes():
        response = client.post(url_of(route, world), {"title": "Forged"})
        if "X-CSRF-Failure" in response:
            refused += 1
        elif response.status_code != 405:  # 405: takes no POST at all (the API)
            taken[name] = response.status_code
    unlisted = {
        name: code for name, code in taken.items() if name not in TAKE_POST_WITHOUT_CSRF_TOKEN
    }
    assert unlisted == {}, "These take a POST without a CSRF token"
    # And the list names no view that has stopped taking one.
    assert set(taken) == set(TAKE_POST_WITHOUT_CSRF_TOKEN)
    assert refused > 150


# Sign-in throttling (allauth's rate limits).

ATTACKER = "203.0.113.66"
SOMEONE_ELSE = "198.51.100.7"
TOO_MANY = "Too many failed login attempts"


def sign_in(client, email, password, ip, **headers):
    return client.post(
        "/account/login/", {"login": email, "password": password}, REMOTE_ADDR=ip, **headers
    )


def is_signed_in(client):
    return "_auth_user_id" in client.session


def test_after_five_wrong_passwords_an_account_refuses_even_the_right_one(client, db):
    user = verified_user()
    for n in range(5):
        # From a new address each time: it is the account that is counted.
        response = sign_in(client, user.email, f"wrong-{n}", ip=f"192.0.2.{n}")
        assert response.status_code == 200
        assert TOO_MANY not in response.text
    response = sign_in(client, user.email, PASSWORD, ip=SOMEONE_ELSE)
    assert TOO_MANY in response.text
    assert not is_signed_in(client)
    # Only that account: another signs in from the same addresses.
    other = verified_user("other@example.org")
    assert sign_in(client, other.email, PASSWORD, ip="192.0.2.0").status_code == 302
    assert is_signed_in(client)


def test_after_ten_failed_sign_ins_from_one_address_it_may_sign_in_to_no_account(client, db):
    user = verified_user()
    for n in range(10):
        response = sign_in(client, f"guess-{n}@example.org", "wrong", ip=ATTACKER)
        assert TOO_MANY not in response.text
    response = sign_in(client, user.email, PASSWORD, ip=ATTACKER)
    assert TOO_MANY in response.text
    assert not is_signed_in(client)
    # The account is not locked: its owner, elsewhere, signs in.
    assert sign_in(client, user.email, PASSWORD, ip=SOMEONE_ELSE).status_code == 302
    assert is_signed_in(client)


def test_more_than_thirty_sign_in_attempts_a_minute_from_one_address_get_429(client, db):
    for n in range(30):
        assert sign_in(client, f"guess-{n}@example.org", "wrong", ip=ATTACKER).status_code == 200
    assert sign_in(client, "guess-30@example.org", "wrong", ip=ATTACKER).status_code == 429
    assert sign_in(client, "guess-30@example.org", "wrong", ip=SOMEONE_ELSE).status_code == 200


def test_behind_a_proxy_the_limits_count_each_client_not_the_proxy(client, settings, db):
    behind_one_proxy = production_settings(NUM_PROXIES="1")
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = behind_one_proxy["ALLAUTH_TRUSTED_PROXY_COUNT"]
    proxy = "10.0.0.2"
    user = verified_user()
    for n in range(10):
        # Whatever the guesser puts in X-Forwarded-For, the proxy adds the
        # address it saw last.
        forged = f"192.0.2.{n}, {ATTACKER}"
        sign_in(client, f"guess-{n}@example.org", "wrong", ip=proxy, HTTP_X_FORWARDED_FOR=forged)
    response = sign_in(
        client, user.email, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER}"
    )
    assert TOO_MANY in response.text
    response = sign_in(client, user.email, PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR=SOMEONE_ELSE)
    assert response.status_code == 302
    assert is_signed_in(client)


# The admin's address.


@pytest.fixture
def admin_url():
    """Set ADMIN_URL for one test, with the URLconf read again under it."""

    try:
        with override_settings(ADMIN_URL="staff-area/"):
            importlib.reload(config.urls)
            clear_url_caches()
            yield "/staff-area/"
    finally:
        importlib.reload(config.urls)
        clear_url_caches()
        assert reverse("admin:index") == "/admin/"


@pytest.mark.parametrize("value", ["staff-area/", "staff-area", "/staff-area/"])
def test_admin_url_comes_from_the_environment_with_or_without_slashes(value):
    assert production_settings(ADMIN_URL=value)["ADMIN_URL"] == "staff-area/"


def test_an_empty_admin_url_stops_the_site_from_starting():
    result = in_production("manage.py", "check", ADMIN_URL="")
    assert result.returncode != 0
    assert "ADMIN_URL names a path" in result.stderr


def test_the_admin_answers_at_admin_url_and_not_at_admin(client, staff, admin_url):
    assert reverse("admin:index") == admin_url
    response = client.get(admin_url)
    assert response.status_code == 302
    assert response["Location"] == f"{admin_url}login/?next={admin_url}"
    # Its sign-in is the site's own, throttled one.
    response = client.get(f"{admin_url}login/?next={admin_url}")
    assert response.status_code == 302
    assert response["Location"] == f"/account/login/?next={quote(admin_url, safe='')}"
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404
    client.force_login(staff)
    assert client.get(admin_url).status_code == 200
    assert client.get("/admin/").status_code == 404


def test_the_admins_own_sign_in_form_checks_no_password(client, staff):
    """A password sent to the admin's form is never checked there: the
    admin sends everyone to the site's sign-in page, which is throttled."""
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": staff.email, "password": "a-long-password-1", "next": "/admin/"},
    )
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    assert client.get("/admin/").status_code == 302  # still not signed in
    password = client.post(
        "/account/login/?next=/admin/", {"login": staff.email, "password": "a-long-password-1"}
    )
    # Staff sign in with two factors: the password, then the app's code.
    assert password.status_code == 302 and password["Location"] == "/account/2fa/authenticate/"
    assert client.get("/admin/").status_code == 302  # not yet
    secret = staff.authenticator_set.get().data["secret"]
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    signed_in = client.post("/account/2fa/authenticate/", {"code": code})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_createsuperuser_gives_staff_a_confirmed_address(db, monkeypatch):

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-1")
    call_command("createsuperuser", interactive=False, email="chief@example.org", verbosity=0)
    address = EmailAddress.objects.get(email="chief@example.org")
    assert address.verified and address.primary and address.user.is_superuser
