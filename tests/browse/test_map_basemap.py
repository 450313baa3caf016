"""Every map is drawn on the outline of the UK and Ireland, and on top of it
the tiles MAP_BASEMAP names: OpenStreetMap's (the default), a self-hosted
PMTiles file, or none. The settings are read in a fresh interpreter, as the
environment would give them, and the pages are then served with them."""

import json
import re

import pytest
from django.contrib.staticfiles import finders

from initiatives.browse.maps import OUTLINE
from tests.factories import make_initiative
from tests.ops.test_scaling import python_with, settings_with
from tests.submission_forms import verified_user

pytestmark = pytest.mark.django_db

OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
MAP_SETTINGS = (
    "MAP_BASEMAP",
    "MAP_TILE_URL",
    "MAP_TILE_ATTRIBUTION",
    "MAP_PMTILES_URL",
    "MAP_PMTILES_ATTRIBUTION",
)
PMTILES_SCRIPT = "/static/vendor/protomaps-leaflet-5.1.0/protomaps-leaflet.js"


def settings_from(env):
    """The map's settings and the Content Security Policy that `env` makes."""
    names = ", ".join(f"{name!r}: s.{name}" for name in MAP_SETTINGS)
    return settings_with(
        env,
        f"{{{names}, 'SECURE_CSP': {{k: [str(x) for x in v] for k, v in s.SECURE_CSP.items()}}}}",
    )


@pytest.fixture
def basemap(settings):
    """Serve the site with the map settings that an environment makes."""

    def configure(**env):
        for name, value in settings_from(env).items():
            setattr(settings, name, value)

    return configure


def map_config(response, script_id="map-config"):
    match = re.search(
        rf'<script id="{script_id}" type="application/json">(.*?)</script>', response.text, re.S
    )
    assert match, f"no {script_id}"
    return json.loads(match.group(1))


def csp(response):
    return {
        part.split()[0]: part.split()[1:]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    }


# The outline.


def test_the_outline_is_a_small_geojson_file_of_the_uk_and_ireland():
    path = finders.find(OUTLINE)
    assert path, "the outline is not among the static files"
    with open(path, "rb") as f:
        raw = f.read()
    assert len(raw) < 60_000
    data = json.loads(raw)
    assert data["type"] == "FeatureCollection"
    by_id = {feature["id"]: feature for feature in data["features"]}
    uk, ireland = by_id[826], by_id[372]
    assert uk["properties"] == {"name": "United Kingdom", "role": "uk"}
    assert ireland["properties"]["role"] == "context"
    assert uk["geometry"]["type"] == "MultiPolygon"
    points = [p for polygon in uk["geometry"]["coordinates"] for ring in polygon for p in ring]
    # From Northern Ireland to Lowestoft, and from Cornwall to Shetland.
    longitudes = [lng for lng, _ in points]
    latitudes = [lat for _, lat in points]
    assert min(longitudes) < -7.5 and max(longitudes) > 1.7
    assert min(latitudes) < 50.1 and max(latitudes) > 60.5
    # Every ring is closed.
    for polygon in uk["geometry"]["coordinates"]:
        for ring in polygon:
            assert ring[0] == ring[-1] and len(ring) >= 4


def test_the_outline_is_served_from_the_sites_own_static_files(client, settings):
    # WhiteNoise as under `runserver`: from the static folders, not STATIC_ROOT.
    settings.WHITENOISE_USE_FINDERS = True
    response = client.get("/static/" + OUTLINE)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert json.loads(body)["type"] == "FeatureCollection"


def test_the_outline_comes_from_the_site_even_when_static_files_are_on_a_cdn():
    url = python_with(
        {"STATIC_URL": "https://cdn.example.org/static/"},
        "import django; django.setup(); from initiatives.browse.maps import basemap_config;"
        " print(repr(basemap_config()['outlineUrl']))",
    )
    # connect-src is 'self' alone: map.js could not fetch it from the CDN.
    assert url == "/static/" + OUTLINE


# The three kinds of base.


def test_by_default_the_map_has_openstreetmaps_tiles_over_the_outline(client, basemap):
    basemap()
    response = client.get("/map/")
    config = map_config(response)
    assert config["basemap"] == "tiles"
    assert config["tileUrl"] == OSM
    assert "OpenStreetMap" in config["attribution"]
    assert config["outlineUrl"] == "/static/" + OUTLINE
    assert "pmtilesUrl" not in config
    assert PMTILES_SCRIPT not in config["scripts"]
    assert "/static/js/basemap.js" in config["scripts"]
    assert "https://tile.openstreetmap.org" in csp(response)["img-src"]


def test_with_the_outline_alone_no_page_names_a_tile_server(client, basemap):
    basemap(MAP_BASEMAP="outline")
    response = client.get("/map/")
    config = map_config(response)
    assert config["basemap"] == "outline"
    assert config["tileUrl"] == "" and config["attribution"] == ""
    assert config["outlineUrl"] == "/static/" + OUTLINE
    assert PMTILES_SCRIPT not in config["scripts"]
    # Everything the map loads comes from this site.
    for url in [*config["scripts"], *config["styles"], config["outlineUrl"]]:
        assert url.startswith("/"), url
    assert "openstreetmap" not in response.text.lower()
    policy = csp(response)
    for directive in ("img-src", "connect-src", "default-src", "script-src"):
        assert not [s for s in policy[directive] if "://" in s], (directive, policy[directive])


def test_an_empty_tile_url_means_the_outline_alone(basemap, settings):
    basemap(MAP_TILE_URL="")
    assert settings.MAP_BASEMAP == "outline"
    assert settings.SECURE_CSP["img-src"] == ["'self'", "data:"]


def test_a_self_hosted_pmtiles_file_loads_protomaps_leaflet_and_no_tile_server(client, basemap):
    basemap(MAP_BASEMAP="pmtiles", MAP_PMTILES_URL="/basemap/uk.pmtiles")
    response = client.get("/map/")
    config = map_config(response)
    assert config["basemap"] == "pmtiles"
    assert config["pmtilesUrl"] == "/basemap/uk.pmtiles"
    assert config["tileUrl"] == ""
    assert "Protomaps" in config["attribution"] and "OpenStreetMap" in config["attribution"]
    # After Leaflet, before the script that draws the base.
    scripts = config["scripts"]
    assert scripts.index(PMTILES_SCRIPT) > scripts.index("/static/vendor/leaflet-1.9.4/leaflet.js")
    assert scripts.index(PMTILES_SCRIPT) < scripts.index("/static/js/basemap.js")
    assert finders.find(PMTILES_SCRIPT.removeprefix("/static/"))
    policy = csp(response)
    assert not [s for s in policy["img-src"] + policy["connect-src"] if "://" in s]


def test_a_pmtiles_file_on_the_councils_server_is_allowed_to_be_fetched(basemap, settings):
    basemap(MAP_BASEMAP="pmtiles", MAP_PMTILES_URL="https://maps.council.example/uk.pmtiles")
    # Read with fetch (Range requests) and drawn on a canvas.
    assert "https://maps.council.example" in settings.SECURE_CSP["connect-src"]
    assert not [s for s in settings.SECURE_CSP["img-src"] if "://" in s]


@pytest.mark.parametrize(
    "env, message",
    [
        ({"MAP_BASEMAP": "satellite"}, "MAP_BASEMAP is one of tiles, pmtiles or outline"),
        ({"MAP_BASEMAP": "pmtiles"}, "MAP_BASEMAP=pmtiles needs MAP_PMTILES_URL"),
    ],
)
def test_a_basemap_setting_that_cannot_work_stops_the_site(env, message):
    with pytest.raises(AssertionError, match=message):
        settings_from(env)


# Every map on the site.


def test_every_map_on_the_site_draws_the_outline(client, basemap, published, england, theme):
    basemap(MAP_BASEMAP="outline")
    pages = [
        "/map/",
        "/embed/map/",
        england.get_absolute_url(),
        theme.get_absolute_url(),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        config = map_config(response)
        assert config["outlineUrl"] == "/static/" + OUTLINE, page
        assert config["basemap"] == "outline", page


def test_the_submission_pin_map_draws_the_outline_too(client, basemap):
    basemap(MAP_BASEMAP="pmtiles", MAP_PMTILES_URL="/basemap/uk.pmtiles")
    client.force_login(verified_user())
    response = client.get("/initiatives/submit/")
    assert response.status_code == 200
    config = map_config(response, "pin-config")
    assert config["outlineUrl"] == "/static/" + OUTLINE
    assert config["pmtilesUrl"] == "/basemap/uk.pmtiles"
    assert PMTILES_SCRIPT in config["scripts"]


def test_an_initiatives_page_map_has_the_outline(client, basemap, england, theme):
    basemap()
    initiative = make_initiative(
        "Solar roofs", places=[england], themes=[theme], latitude=51.5, longitude=-2.6
    )
    response = client.get(initiative.get_absolute_url())
    assert response.status_code == 200
    assert map_config(response)["outlineUrl"] == "/static/" + OUTLINE
