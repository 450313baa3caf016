"""What the maps' script (static/js/map.js) is handed: Leaflet's files, the
tiles and where to start."""

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


def map_config(**extra) -> dict:
    """What map.js needs, handed over through json_script. Leaflet's files
    are in it too: map.js loads them after the page is drawn."""
    return {
        "styles": [static(path) for path in MAP_STYLES],
        "scripts": [static(path) for path in MAP_SCRIPTS],
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "geojsonUrl": reverse("initiatives:geojson"),
        "center": [54.0, -2.5],
        "zoom": 5,
        **extra,
    }
