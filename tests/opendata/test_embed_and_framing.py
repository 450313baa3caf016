"""Putting the map on another site: the embed page is the only one that may be
framed; place, theme and organisation pages give the code for it; and the
open data page, feeds and GeoJSON name the licence."""

import html
import json
import re
from xml.etree import ElementTree

import pytest

from initiatives.browse import geo
from initiatives.models import Collection, CollectionItem, Initiative
from tests.factories import make_initiative, make_organisation, publish_in_order

pytestmark = pytest.mark.django_db

LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(places, theme):
    trust = make_organisation("Bristol Energy Trust", kind="charity")
    solar = make_initiative(
        "Lawrence Weston solar farm",
        places=[places["lawrence-weston"]],
        themes=[theme],
        organisations=[(trust, "lead")],
    )
    bath = make_initiative("Bath repair cafe", places=[places["bath"]], themes=[theme])
    publish_in_order(bath, solar)
    hidden = make_initiative(
        "Secret pending scheme",
        places=[places["lawrence-weston"]],
        themes=[theme],
        organisations=[(trust, "partner")],
        state="pending",
    )
    collection = Collection.objects.create(title="Energy", slug="energy")
    CollectionItem.objects.create(collection=collection, initiative=solar)
    return {"solar": solar, "bath": bath, "hidden": hidden, "trust": trust}


def csp_directives(response):
    """{directive: [sources]} of the response's Content-Security-Policy."""
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def map_config(response):
    match = re.search(
        r'<script id="map-config" type="application/json">(.*?)</script>', response.text, re.S
    )
    assert match, "no map-config"
    return json.loads(match.group(1))


def noscript_titles(response):
    [noscript] = re.findall(r"<noscript>(.*?)</noscript>", response.text, re.S)
    return re.findall(r"<a href=\"[^\"]+\" rel=\"noopener\">([^<]+)</a>", noscript)


# The embed page.


@pytest.mark.parametrize("query", ["", "?place=bristol", "?theme=community-energy"])
def test_the_embed_page_may_be_framed_by_any_site(client, world, query):
    response = client.get(f"/embed/map/{query}")
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    directives = csp_directives(response)
    assert "frame-ancestors" not in directives
    # Otherwise the site's own strict policy.
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]


def test_the_embed_map_starts_on_the_place_with_its_filter(client, world, places):
    response = client.get("/embed/map/", {"place": "bristol"})
    config = map_config(response)
    bristol = places["bristol"]
    assert config["center"] == [bristol.latitude, bristol.longitude]
    assert config["zoom"] == geo.zoom_for_kind("local_authority")
    assert config["query"] == "place=bristol"
    assert config["geojsonUrl"] == "/api/initiatives.geojson"
    assert config["linkTarget"] == "_blank"


def test_the_embed_map_without_a_place_shows_the_whole_map(client, world):
    config = map_config(client.get("/embed/map/", {"theme": "community-energy"}))
    assert config["center"] == [54.0, -2.5] and config["zoom"] == 5
    assert config["query"] == "theme=community-energy"


def test_links_in_the_embed_open_the_site_in_a_new_tab(client, world):
    response = client.get("/embed/map/", {"place": "bristol"})
    assert '<base target="_blank">' in response.text
    assert 'href="http://testserver/initiatives/?place=bristol"' in response.text
    assert "1 initiative on" in response.text
    assert f'href="{LICENCE_URL}" rel="license noopener"' in response.text


def test_without_javascript_the_embed_lists_only_published_initiatives(client, world):
    response = client.get("/embed/map/", {"place": "south-west"})
    assert noscript_titles(response) == ["Lawrence Weston solar farm", "Bath repair cafe"]
    assert "Secret" not in response.text
    assert (
        'href="http://testserver/initiatives/lawrence-weston-solar-farm/" rel="noopener"'
        in response.text
    )
    assert noscript_titles(client.get("/embed/map/", {"place": "lawrence-weston"})) == [
        "Lawrence Weston solar farm"
    ]


def test_an_embed_with_a_bad_filter_is_a_400_that_says_so(client, world):
    response = client.get("/embed/map/", {"place": "atlantis"})
    assert response.status_code == 400
    assert "This map's address has a problem:" in response.text
    assert "There is no place with that name." in response.text
    assert 'id="map-config"' not in response.text
    # It is still the embed: it may be framed.
    assert "X-Frame-Options" not in response
    assert "frame-ancestors" not in response["Content-Security-Policy"]


# Every other page refuses to be framed.

OTHER_PAGES = [
    "/",
    "/initiatives/",
    "/initiatives/?place=bristol",
    "/initiatives/lawrence-weston-solar-farm/",
    "/map/",
    "/places/",
    "/places/bristol/",
    "/themes/",
    "/themes/community-energy/",
    "/organisations/",
    "/organisations/bristol-energy-trust/",
    "/open-data/",
    "/collections/",
    "/collections/energy/",
    "/feeds/initiatives.atom",
    "/feeds/initiatives.rss",
    "/places/bristol/feed.atom",
    "/api/",
    "/api/initiatives/",
    "/api/initiatives/lawrence-weston-solar-farm/",
    "/api/docs/",
    "/api/schema/",
    "/api/initiatives.geojson",
    "/initiatives/export.csv",
    "/accessibility/",
    "/sitemap.xml",
]


@pytest.mark.parametrize("url", OTHER_PAGES)
def test_every_other_page_may_not_be_framed(client, world, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert csp_directives(response)["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("url", ["/initiatives/?place=atlantis", "/no-such-page/"])
def test_error_pages_may_not_be_framed_either(client, world, url):
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert response["X-Frame-Options"] == "DENY"
    assert csp_directives(response)["frame-ancestors"] == ["'none'"]


# The code to copy.


def embed_snippet(response):
    """The iframe in the page's "Put this map on your website" box."""
    assert "Put this map on your website" in response.text
    [code] = re.findall(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', response.text, re.S)
    return html.unescape(code)


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("/places/bristol/", "place=bristol"),
        ("/themes/community-energy/", "theme=community-energy"),
        ("/organisations/bristol-energy-trust/", "organisation=bristol-energy-trust"),
    ],
)
def test_subject_pages_give_the_code_of_their_own_map_and_their_downloads(
    client, world, page, query
):
    response = client.get(page)
    assert response.status_code == 200
    snippet = embed_snippet(response)
    embed_url = f"http://testserver/embed/map/?{query}"
    assert re.fullmatch(
        rf'<iframe src="{re.escape(embed_url)}" title="[^"]+" [^>]*></iframe>', snippet
    )
    assert 'loading="lazy"' in snippet
    assert f'<a href="{embed_url}">' in response.text
    for download in (
        f"/initiatives/export.csv?{query}",
        f"/api/initiatives.geojson?{query}",
        f"/api/initiatives/?{query}",
        f"/openreferral/services?{query}",
    ):
        assert f'href="{download}"' in response.text, download
    # What the snippet shows answers.
    assert client.get(embed_url).status_code == 200


def test_the_snippet_names_the_map_for_screen_readers(client, world):
    snippet = embed_snippet(client.get("/places/bristol/"))
    assert 'title="Map of initiatives in Bristol"' in snippet


# The open data page.


def test_the_open_data_page_names_the_licence_and_each_regions_downloads(client, world):
    response = client.get("/open-data/")
    assert response.status_code == 200
    text = response.text
    assert f'<a href="{LICENCE_URL}" rel="license">Creative Commons Attribution 4.0</a>' in text
    for region in ("south-west", "west-midlands"):
        for download in (
            f"/initiatives/export.csv?place={region}",
            f"/api/initiatives.geojson?place={region}",
            f"/api/initiatives/?place={region}",
            f"/openreferral/services?place={region}",
            f"/places/{region}/feed.atom",
        ):
            assert f'href="{download}"' in text, download
    # Regions only: not the countries above them or the towns below.
    assert "export.csv?place=england" not in text
    assert "export.csv?place=bristol" not in text
    assert 'href="/api/docs/"' in text


def test_each_regions_downloads_answer(client, world):
    for url in (
        "/initiatives/export.csv?place=south-west",
        "/api/initiatives.geojson?place=south-west",
        "/api/initiatives/?place=south-west",
    ):
        assert client.get(url).status_code == 200, url


# Feeds and GeoJSON carry the licence.


def test_the_atom_feed_carries_the_licence_in_its_rights(client, world):
    response = client.get("/feeds/initiatives.atom")
    root = ElementTree.fromstring(response.content)
    rights = root.find(f"{ATOM}rights").text
    assert "Creative Commons Attribution 4.0" in rights and LICENCE_URL in rights
    assert "Community Power Map contributors" in rights
    entries = [e.find(f"{ATOM}title").text for e in root.iter(f"{ATOM}entry")]
    assert entries == ["Lawrence Weston solar farm", "Bath repair cafe"]


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/initiatives.rss",
        "/places/bristol/feed.rss",
        "/themes/community-energy/feed.rss",
        "/organisations/bristol-energy-trust/feed.rss",
    ],
)
def test_rss_feeds_carry_the_licence_in_their_copyright(client, world, url):
    root = ElementTree.fromstring(client.get(url).content)
    copyright_ = root.find("channel/copyright").text
    assert "Creative Commons Attribution 4.0" in copyright_ and LICENCE_URL in copyright_


def test_the_geojson_names_its_licence_and_links_absolutely(client, world, settings):
    response = client.get("/api/initiatives.geojson")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Link"] == f'<{LICENCE_URL}>; rel="license"'
    data = response.json()
    assert data["licence"] == {
        "name": settings.DATA_LICENCE_NAME,
        "short_name": settings.DATA_LICENCE_SHORT,
        "url": settings.DATA_LICENCE_URL,
        "attribution": settings.DATA_ATTRIBUTION,
    }
    assert sorted(f["properties"]["url"] for f in data["features"]) == [
        "http://testserver/initiatives/bath-repair-cafe/",
        "http://testserver/initiatives/lawrence-weston-solar-farm/",
    ]


def test_a_geojson_error_is_open_too(client, world):
    response = client.get("/api/initiatives.geojson", {"place": "atlantis"})
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Link"] == f'<{LICENCE_URL}>; rel="license"'


def test_the_hidden_initiative_is_in_no_feed_or_geojson(client, world):
    hidden = world["hidden"]
    assert hidden.moderation_state == Initiative.State.PENDING
    for url in ("/feeds/initiatives.atom", "/api/initiatives.geojson", "/places/bristol/feed.rss"):
        assert hidden.title not in client.get(url).content.decode()
