"""The error pages are in the site's layout, with its header and
navigation, and each offers a way on."""

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.test import Client
from django.urls import path

from config import urls as site_urls
from tests.submission_forms import verified_user

pytestmark = pytest.mark.django_db


def broken_view(request):
    raise RuntimeError("something went wrong")


def refused_view(request):
    raise PermissionDenied


urlpatterns = [
    path("broken/", broken_view),
    path("refused/", refused_view),
    *site_urls.urlpatterns,
]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler500 = site_urls.handler500


@pytest.fixture
def browser(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def assert_in_layout(response, status, heading):
    assert response.status_code == status
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert 'class="site-header"' in page and 'class="site-nav"' in page
    assert 'href="/initiatives/"' in page  # the navigation
    assert "Community Power Map" in page  # SITE_NAME, in the header
    assert "Traceback" not in page
    return page


def test_a_resident_refused_a_staff_page_is_told_who_they_are_and_given_a_way_back(browser):
    browser.force_login(verified_user("sam@example.org"))
    response = browser.get("/moderation/")
    page = assert_in_layout(response, 403, "You cannot open this page")
    assert "You are signed in as sam@example.org" in page
    assert 'href="/"' in page  # home


def test_a_refusal_reached_from_an_initiative_offers_the_way_back_to_it(browser, published):
    browser.force_login(verified_user("sam@example.org"))
    response = browser.get(
        "/moderation/", headers={"referer": f"http://testserver/initiatives/{published.slug}/"}
    )
    page = assert_in_layout(response, 403, "You cannot open this page")
    assert f'href="/initiatives/{published.slug}/">Go back to the initiative' in page


def test_a_refusal_gives_no_way_back_to_another_site(browser):
    browser.force_login(verified_user("sam@example.org"))
    response = browser.get("/moderation/", headers={"referer": "https://evil.example/x/"})
    assert "evil.example" not in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_visitor_refused_is_offered_to_sign_in_as_a_moderator(browser):
    # The staff pages send visitors to sign in themselves; a refusal that
    # reaches one all the same offers it, and to come back here.
    response = browser.get("/refused/")
    page = assert_in_layout(response, 403, "You cannot open this page")
    assert 'href="/account/login/?next=/refused/">Sign in as a moderator' in page


def test_an_unknown_initiative_offers_search_and_the_list(browser):
    response = browser.get("/initiatives/no-such-initiative/")
    page = assert_in_layout(response, 404, "Page not found")
    assert 'role="search"' in page
    assert 'href="/initiatives/">See every initiative' in page


def test_a_request_that_cannot_be_read_answers_400_in_the_sites_layout(browser, settings):
    # More fields than Django reads in one form: it refuses the request.
    fields = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = browser.post("/account/login/", fields)
    assert_in_layout(response, 400, "Sorry, we could not read what your browser sent")


@pytest.mark.urls(__name__)
def test_a_failing_view_answers_500_in_the_sites_layout(browser):
    response = browser.get("/broken/")
    page = assert_in_layout(response, 500, "Sorry, there is a problem with the service")
    assert "it was not saved" in page


@pytest.mark.urls(__name__)
def test_the_500_page_needs_neither_the_database_nor_the_session(browser, resident):
    browser.force_login(resident)
    with mock.patch(
        "django.contrib.auth.context_processors.auth", side_effect=OperationalError("gone")
    ):
        response = browser.get("/broken/")
    assert_in_layout(response, 500, "Sorry, there is a problem with the service")


def test_the_outage_page_answers_503_in_the_sites_layout(browser):
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore._get_session_from_db",
        side_effect=OperationalError("could not connect to server"),
    ):
        browser.cookies["sessionid"] = "whatever"
        response = browser.get("/initiatives/")
    page = assert_in_layout(response, 503, "Sorry, the map is unavailable for a moment")
    assert response["Retry-After"]
    assert 'href="/"' in page
