"""Feeds of new initiatives, the sitemap and robots.txt: only what is
published, as valid XML, and linked from the pages they follow."""

from xml.etree import ElementTree

import pytest

from communities.models import Place
from initiatives.models import Initiative
from tests.factories import make_initiative, make_organisation, publish_in_order

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def initiatives(places, theme):
    trust = make_organisation("Bristol Energy Network")
    solar = make_initiative(
        "Lawrence Weston solar farm",
        places=[places["lawrence-weston"]],
        themes=[theme],
        organisations=[(trust, "partner")],
    )
    bath = make_initiative("Bath repair cafe", places=[places["bath"]], themes=[theme])
    hidden = make_initiative(
        "Secret pending thing",
        places=[places["lawrence-weston"]],
        themes=[theme],
        state=Initiative.State.PENDING,
        contact_email="private@example.org",
    )
    publish_in_order(bath, solar)
    return {"solar": solar, "bath": bath, "hidden": hidden, "trust": trust}


def atom_titles(response):
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    return [entry.find(f"{ATOM}title").text for entry in root.iter(f"{ATOM}entry")]


def rss_titles(response):
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    return [item.find("title").text for item in root.iter("item")]


def test_the_site_feeds_list_published_initiatives_newest_first(client, initiatives):
    expected = ["Lawrence Weston solar farm", "Bath repair cafe"]
    assert atom_titles(client.get("/feeds/initiatives.atom")) == expected
    assert rss_titles(client.get("/feeds/initiatives.rss")) == expected


def test_a_place_feed_includes_the_places_underneath(client, initiatives, places):

    bristol = Place.objects.get(slug="bristol")
    assert atom_titles(client.get(f"/places/{bristol.slug}/feed.atom")) == [
        "Lawrence Weston solar farm"
    ]
    assert rss_titles(client.get("/places/south-west/feed.rss")) == [
        "Lawrence Weston solar farm",
        "Bath repair cafe",
    ]


def test_theme_and_organisation_feeds(client, initiatives, theme):
    assert len(atom_titles(client.get(f"/themes/{theme.slug}/feed.atom"))) == 2
    trust = initiatives["trust"]
    assert rss_titles(client.get(f"/organisations/{trust.slug}/feed.rss")) == [
        "Lawrence Weston solar farm"
    ]
    assert client.get("/themes/no-such-theme/feed.atom").status_code == 404


def test_feeds_hold_nothing_unpublished_or_private(client, initiatives, places):
    for url in (
        "/feeds/initiatives.atom",
        "/feeds/initiatives.rss",
        "/places/lawrence-weston/feed.atom",
    ):
        body = client.get(url).text
        assert "Secret pending thing" not in body
        assert "private@example.org" not in body


def test_pages_link_to_their_feeds(client, initiatives):
    page = client.get("/places/bristol/").text
    assert 'href="/places/bristol/feed.atom"' in page and 'href="/places/bristol/feed.rss"' in page
    assert 'rel="alternate" type="application/atom+xml"' in page
    assert 'href="/feeds/initiatives.atom"' in client.get("/").text


def test_the_sitemap_lists_public_pages_only(client, initiatives):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    locations = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert any(loc.endswith(initiatives["solar"].get_absolute_url()) for loc in locations)
    assert not any(initiatives["hidden"].slug in loc for loc in locations)
    assert any(loc.endswith("/places/bristol/") for loc in locations)


def test_robots_txt_points_to_the_sitemap_and_keeps_private_pages_out(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.text
    for path in ("/account/", "/moderation/", "/curation/"):
        assert f"Disallow: {path}" in response.text


def test_a_feed_costs_the_same_queries_whatever_its_length(
    client, places, theme, django_assert_max_num_queries
):
    for n in range(30):
        make_initiative(f"Initiative {n}", places=[places["bristol"]], themes=[theme])
    with django_assert_max_num_queries(4):
        client.get("/places/bristol/feed.atom")
