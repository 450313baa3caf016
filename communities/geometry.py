"""Shapes on the map, with shapely and no Django: a boundary fitted for the
web, and the checks an area drawn by a person must pass.

Coordinates are GeoJSON's (RFC 7946): longitude, then latitude, in WGS 84.
"""

import json
import math

import shapely
from shapely.geometry import Point, mapping, shape

from communities.distance import KM_PER_DEGREE

# Roughly the UK with its islands (Scilly, the Channel Islands left out,
# Shetland in): (min_lat, min_lng, max_lat, max_lng).
UK_BOUNDS = (49.8, -8.7, 60.9, 1.8)

# Five decimals is about a metre: more than a boundary drawn at a few KB can use.
BOUNDARY_DECIMALS = 5
# An area a person drew or pasted keeps six (about 10 cm, as RFC 7946 says).
AREA_DECIMALS = 6

POLYGONAL = ("Polygon", "MultiPolygon")


# What is wrong with an area, by code: initiatives.validation shows each in
# the person's language; these are for everything else (the command line).
MESSAGES = {
    "not_polygon": "The area must be a GeoJSON Polygon or MultiPolygon.",
    "collection": "Paste one area: a Polygon or MultiPolygon, not a collection.",
    "no_coordinates": "The area has no coordinates.",
    "no_ring": "Each polygon of the area needs at least one ring of points.",
    "bad_point": "Each point of the area must be [longitude, latitude], two numbers.",
    "short_ring": "Each ring of the area needs at least four points, the last the same as "
    "the first.",
    "open_ring": "The area's outline is not closed: its last point must be the same as its first.",
    "too_many_points": "The area has {points} points: at most {max_points}.",
    "outside": "The area goes outside the UK: the point {lat}, {lng} is not in it.",
    "swapped": "The area goes outside the UK: the point {lat}, {lng} is not in it. GeoJSON "
    "gives longitude first, then latitude.",
    "crossing": "The area's edges cross each other near {lat}, {lng}: redraw its outline.",
    "invalid": "The area is not a valid shape: {reason}.",
    "flat": "The area has no size: its points are all on one line.",
    "unreadable": "Its coordinates cannot be read: {reason}.",
}


class GeometryError(ValueError):
    """A shape that cannot be used: `code` (a key of MESSAGES) and its `params`."""

    def __init__(self, code: str, **params):
        self.code, self.params = code, params
        super().__init__(MESSAGES[code].format(**params))


def compact(data) -> str:
    return json.dumps(data, separators=(",", ":"))


def _rounded(coordinates, decimals):
    if coordinates and isinstance(coordinates[0], (int, float)):
        return [round(float(c), decimals) for c in coordinates[:2]]
    return [_rounded(c, decimals) for c in coordinates]


def as_geojson(geometry, decimals: int) -> dict:
    """A shapely geometry as a GeoJSON geometry dict, its coordinates rounded."""
    data = mapping(geometry)
    return {"type": data["type"], "coordinates": _rounded(data["coordinates"], decimals)}


def first_position(coordinates):
    while coordinates and isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    return coordinates


def looks_projected(geometry: dict) -> bool:
    """Whether the coordinates are metres on a grid (British National Grid's
    eastings and northings, say) rather than longitude and latitude."""
    position = first_position(geometry.get("coordinates") or [])
    if len(position) < 2:
        return False
    x, y = position[0], position[1]
    return abs(x) > 180 or abs(y) > 90


def bounds(geometry) -> tuple[float, float, float, float]:
    """(min_lat, min_lng, max_lat, max_lng) of a shapely geometry."""
    min_lng, min_lat, max_lng, max_lat = geometry.bounds
    return min_lat, min_lng, max_lat, max_lng


def area_km2(geometry) -> float:
    """Roughly, in square kilometres: good enough to tell a ward from its council."""
    min_lat, _min_lng, max_lat, _max_lng = bounds(geometry)
    squeeze = math.cos(math.radians((min_lat + max_lat) / 2))
    return geometry.area * KM_PER_DEGREE**2 * squeeze


def web_boundary(geometry: dict, *, max_bytes: int = 8000) -> tuple[dict, object]:
    """A boundary (a GeoJSON Polygon or MultiPolygon) simplified until its
    GeoJSON takes at most `max_bytes`, coordinates to five decimals:
    (the GeoJSON dict, its shapely geometry). The outline keeps its shape
    (preserve_topology), and the tolerance doubles from about a metre until
    it fits."""
    if geometry.get("type") not in POLYGONAL:
        raise GeometryError("not_polygon")
    try:
        original = shape(geometry)
    except (ValueError, TypeError, AttributeError) as error:
        raise GeometryError("unreadable", reason=str(error)) from error
    if not original.is_valid:
        original = shapely.make_valid(original)
    grid = 10**-BOUNDARY_DECIMALS
    tolerance = 0.0
    while True:
        simple = shapely.simplify(original, tolerance, preserve_topology=True)
        simple = shapely.set_precision(simple, grid)
        if simple.geom_type not in POLYGONAL:
            # make_valid or the grid may leave a collection: keep its areas.
            parts = [g for g in getattr(simple, "geoms", []) if g.geom_type in POLYGONAL]
            simple = shapely.union_all(parts) if parts else simple
        data = as_geojson(simple, BOUNDARY_DECIMALS)
        if len(compact(data)) <= max_bytes or tolerance > 1:
            return data, simple
        tolerance = tolerance * 2 if tolerance else grid


def smallest_covering(candidates, latitude: float, longitude: float):
    """The first of `candidates`, (item, GeoJSON geometry) pairs from the
    smallest up, whose area covers the point (its edge included), or None."""
    point = Point(longitude, latitude)
    for item, geometry in candidates:
        try:
            if shape(geometry).covers(point):
                return item
        except (ValueError, TypeError, AttributeError, KeyError):
            continue  # a stored shape that does not read names nothing
    return None


# An area that a person drew or pasted.


def _unwrap(data):
    """A pasted Feature, or a FeatureCollection of one Feature, stands for its geometry."""
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise GeometryError("collection")
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    return data


def _polygons(data) -> list:
    """The polygons of a GeoJSON Polygon or MultiPolygon, checked for shape:
    each a list of rings, each ring a list of [longitude, latitude]."""
    if not isinstance(data, dict) or data.get("type") not in POLYGONAL:
        raise GeometryError("not_polygon")
    coordinates = data.get("coordinates")
    polygons = [coordinates] if data["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise GeometryError("no_coordinates")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise GeometryError("no_ring")
        for ring in polygon:
            if not isinstance(ring, list) or not all(
                isinstance(p, list)
                and len(p) in (2, 3)
                and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in p)
                and all(math.isfinite(c) for c in p)
                for p in ring
            ):
                raise GeometryError("bad_point")
    return polygons


def checked_area(data, *, max_points: int, within=UK_BOUNDS) -> dict:
    """An area drawn or pasted by a person, checked: a Polygon or
    MultiPolygon (a Feature holding one will do) whose rings are closed,
    whose edges do not cross, inside `within` (min_lat, min_lng, max_lat,
    max_lng) and of at most `max_points` points. Returns it as a plain
    geometry with coordinates to six decimals; raises GeometryError."""
    data = _unwrap(data)
    polygons = _polygons(data)
    points = 0
    for polygon in polygons:
        for ring in polygon:
            points += len(ring)
            if len(ring) < 4:
                raise GeometryError("short_ring")
            if ring[0][:2] != ring[-1][:2]:
                raise GeometryError("open_ring")
    if points > max_points:
        raise GeometryError("too_many_points", points=points, max_points=max_points)
    min_lat, min_lng, max_lat, max_lng = within
    for polygon in polygons:
        for ring in polygon:
            for lng, lat, *_rest in ring:
                if not (min_lat <= lat <= max_lat and min_lng <= lng <= max_lng):
                    swapped = min_lat <= lng <= max_lat and min_lng <= lat <= max_lng
                    raise GeometryError("swapped" if swapped else "outside", lat=lat, lng=lng)
    geometry = shape({"type": data["type"], "coordinates": data["coordinates"]})
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        where = reason[reason.find("[") + 1 : reason.find("]")].split() if "[" in reason else []
        if "Self-intersection" in reason and len(where) >= 2:
            lng, lat = (round(float(c), 5) for c in where[:2])
            raise GeometryError("crossing", lat=lat, lng=lng)
        raise GeometryError("invalid", reason=reason)
    if geometry.area == 0:
        raise GeometryError("flat")
    return as_geojson(geometry, AREA_DECIMALS)
