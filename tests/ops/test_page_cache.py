"""Anonymous public pages come from the cache, and change the moment public
data does; nobody signed in is ever served or stores a cached page."""

import io

import pytest

from initiatives.curation import services as curation
from initiatives.moderation import decisions, importing
from tests.factories import make_initiative

pytestmark = pytest.mark.django_db

PAGES = ["/", "/initiatives/", "/places/bristol/", "/api/initiatives/", "/api/initiatives.geojson"]


@pytest.fixture
def solar(places, theme):
    return make_initiative("Solar farm", places=[places["bristol"]], themes=[theme])


def test_a_second_anonymous_visit_is_served_from_the_cache(client, solar):
    for path in PAGES:
        first = client.get(path)
        second = client.get(path)
        assert first["X-Cache"] == "miss", path
        assert second["X-Cache"] == "hit", path
        assert second.content == first.content, path
        # The security headers are there on a cached page too.
        assert second["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in second["Content-Security-Policy"], path


def test_the_embed_page_stays_frameable_from_the_cache(client, solar):
    client.get("/embed/map/?place=bristol")
    cached = client.get("/embed/map/?place=bristol")
    assert cached["X-Cache"] == "hit"
    assert "X-Frame-Options" not in cached
    assert "frame-ancestors" not in cached["Content-Security-Policy"]


def test_publishing_shows_at_once_on_every_cached_page(client, places, theme, moderator, solar):
    for path in PAGES:
        client.get(path)
    waiting = make_initiative(
        "Community fridge", places=[places["bristol"]], themes=[theme], state="pending"
    )
    for path in PAGES:
        assert "Community fridge" not in client.get(path).content.decode(), path
    decisions.decide(waiting, moderator=moderator, action="approve", seen_state="pending")
    for path in PAGES:
        response = client.get(path)
        assert response["X-Cache"] == "miss", path
        assert "Community fridge" in response.content.decode(), path


def test_archiving_an_edit_and_featuring_change_the_cached_pages(client, moderator, solar):
    assert "Solar farm" in client.get("/initiatives/").content.decode()
    curation.feature(solar, featured=True)
    home = client.get("/")
    assert home["X-Cache"] == "miss"
    solar.title = "Community solar farm"
    solar.save()
    assert "Community solar farm" in client.get("/initiatives/").content.decode()
    decisions.decide(solar, moderator=moderator, action="archive", seen_state="published")
    assert "Community solar farm" not in client.get("/initiatives/").content.decode()
    assert client.get(f"/initiatives/{solar.slug}/").status_code == 404


def test_a_signed_in_person_is_never_served_nor_stores_a_cached_page(client, resident, solar):
    anonymous = client.get("/initiatives/")
    assert anonymous["X-Cache"] == "miss"
    client.force_login(resident)
    signed_in = client.get("/initiatives/")
    assert "X-Cache" not in signed_in
    assert "Sign out" in signed_in.content.decode()
    client.logout()
    again = client.get("/initiatives/")
    assert again["X-Cache"] == "hit"
    assert "Sign out" not in again.content.decode()


def test_private_pages_and_answers_that_set_cookies_are_not_stored(client, solar):
    for path in ("/account/login/", f"/initiatives/{solar.slug}/report/", "/moderation/"):
        client.get(path)
        assert "X-Cache" not in client.get(path), path


def test_the_cache_can_be_turned_off(client, settings, solar):
    settings.PAGE_CACHE = False
    client.get("/initiatives/")
    assert "X-Cache" not in client.get("/initiatives/")


def test_a_bulk_import_changes_the_cached_pages(client, places, theme, moderator, solar):

    assert client.get("/initiatives/")["X-Cache"] == "miss"
    rows = (
        "external_id,title,summary,description,themes,places\r\n"
        f"x-1,Imported repair cafe,A summary.,A description.,{theme.slug},bristol\r\n"
    )
    report = importing.import_initiatives(
        io.BytesIO(rows.encode()), state="published", dry_run=False, user=moderator
    )
    assert report.created_count == 1
    assert "Imported repair cafe" in client.get("/initiatives/").content.decode()
