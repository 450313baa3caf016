"""What the maps' script (static/js/map.js) is handed: Leaflet's files,
the base layer (the outline, then tiles as MAP_BASEMAP says) and where to
start."""

from urllib.parse import urlsplit

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

MAP_STYLES = (
    "vendor/leaflet-1.9.4/leaflet.css",
    "vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
    "css/map.css",
)
MAP_SCRIPTS = (
    "vendor/leaflet-1.9.4/leaflet.js",
    "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
)
# The UK and Ireland, drawn under every map (scripts/uk-outline.mjs made it).
OUTLINE = "vendor/world-atlas-2.0.2/uk.geojson"
PMTILES_SCRIPT = "vendor/protomaps-leaflet-5.1.0/protomaps-leaflet.js"
# Draws the outline and the tiles: shared by map.js and submit.js.
BASEMAP_SCRIPT = "js/basemap.js"


def basemap_config() -> dict:
    """The base layer's part of a map's config, for map.js and submit.js:
    the outline always, and the tiles or the PMTiles file as MAP_BASEMAP
    says. Only MAP_BASEMAP=pmtiles loads protomaps-leaflet."""
    config = {
        "basemap": settings.MAP_BASEMAP,
        # From this site even when STATIC_URL names a CDN (WhiteNoise serves
        # the same path here): map.js fetches it, and connect-src is 'self'.
        "outlineUrl": urlsplit(static(OUTLINE)).path,
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION if settings.MAP_TILE_URL else "",
        "basemapScripts": [static(BASEMAP_SCRIPT)],
    }
    if settings.MAP_BASEMAP == "pmtiles":
        config["pmtilesUrl"] = settings.MAP_PMTILES_URL
        config["attribution"] = settings.MAP_PMTILES_ATTRIBUTION
        config["basemapScripts"].insert(0, static(PMTILES_SCRIPT))
    return config


def map_config(**extra) -> dict:
    """What map.js needs, handed over through json_script. Leaflet's files
    are in it too: map.js loads them after the page is drawn."""
    base = basemap_config()
    return {
        "styles": [static(path) for path in MAP_STYLES],
        "scripts": [static(path) for path in MAP_SCRIPTS] + base.pop("basemapScripts"),
        **base,
        "geojsonUrl": reverse("initiatives:geojson"),
        "center": [54.0, -2.5],
        "zoom": 5,
        **extra,
    }
