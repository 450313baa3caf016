"""Where initiatives are: the map's GeoJSON, its query-string parameters, the
home page's dot map and a few distance helpers.

Coordinates are WGS84 degrees. GeoJSON (RFC 7946) puts longitude first,
Leaflet and our models put latitude first: the swap happens only here.
"""

import math
from collections.abc import Iterable

from django.conf import settings
from django.db.models import (
    Avg,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Floor
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from communities.distance import squared_distance
from communities.models import Place
from initiatives import public
from initiatives.browse import tallies
from initiatives.models import Initiative

# West, south, east, north, in degrees.
type BBox = tuple[float, float, float, float]

DEFAULT_ZOOM = 6
MIN_ZOOM, MAX_ZOOM = 0, 20
# However many initiatives are in view, a response never holds more features
# than this: browsers draw a few thousand markers comfortably, not 100,000.
MAX_FEATURES = 2000
# Clusters come from a grid of roughly 64 px cells: a 256 px tile spans
# 360 / 2**zoom degrees of longitude, so a quarter of it.
CELLS_PER_TILE = 4

WORLD = (-180.0, -90.0, 180.0, 90.0)

# The columns a map point needs, and no more.
POINT_FIELDS = ("pk", "slug", "title", "summary", "latitude", "longitude")

ZOOM_FOR_KIND = {
    Place.Kind.COUNTRY: 5,
    Place.Kind.REGION: 7,
    Place.Kind.COUNTY: 8,
    Place.Kind.LOCAL_AUTHORITY: 9,
    Place.Kind.TOWN: 12,
    Place.Kind.NEIGHBOURHOOD: 13,
    Place.Kind.OTHER: 8,
}

# The home page's dot map covers the British Isles.
TEASER_BOX = (-8.7, 49.8, 1.9, 60.9)
TEASER_LEVEL = 11  # the finest grid it draws: cells of about 0.18 degrees
TEASER_WIDTH = 300
TEASER_MAX_CIRCLES = 600
# At 54°N a degree of longitude is cos(54°) of a degree of latitude; scaling
# longitudes by it keeps Scotland from looking squashed.
TEASER_COS_LAT = math.cos(math.radians(54))


# Query-string parameters.


def parse_bbox(text: str | None) -> BBox | None:
    """`"west,south,east,north"` as four floats, or None when not given.

    Raises ValueError with a message fit to show to the caller.
    """
    if text is None or not text.strip():
        return None
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError(_("bbox must be four numbers: west,south,east,north."))
    try:
        west, south, east, north = (float(part) for part in parts)
    except ValueError:
        raise ValueError(_("bbox must be four numbers: west,south,east,north.")) from None
    if not all(math.isfinite(n) for n in (west, south, east, north)):
        raise ValueError(_("bbox must be four finite numbers: west,south,east,north."))
    if not (-90 <= south <= 90 and -90 <= north <= 90):
        raise ValueError(_("bbox latitudes (south and north) must be between -90 and 90."))
    if not (-180 <= west <= 180 and -180 <= east <= 180):
        raise ValueError(_("bbox longitudes (west and east) must be between -180 and 180."))
    if south > north:
        raise ValueError(_("bbox south must not be greater than north."))
    if west > east:
        # A box across the antimeridian would need two ranges; nothing we map
        # is near it, so the caller splits the box instead.
        raise ValueError(
            _("bbox west must not be greater than east: split a box across the 180° meridian.")
        )
    return west, south, east, north


def parse_zoom(text: str | None) -> int:
    """The map's zoom level: 6 when not given, else a whole number from 0 to 20."""
    if text is None or not text.strip():
        return DEFAULT_ZOOM
    try:
        zoom = int(text)
    except ValueError:
        zoom = None
    if zoom is None or not MIN_ZOOM <= zoom <= MAX_ZOOM:
        raise ValueError(
            _("zoom must be a whole number from %(min)d to %(max)d.")
            % {"min": MIN_ZOOM, "max": MAX_ZOOM}
        )
    return zoom


def zoom_for_kind(kind: str) -> int:
    """A first zoom level that shows the whole of a place of this kind."""
    return ZOOM_FOR_KIND.get(kind, ZOOM_FOR_KIND[Place.Kind.OTHER])


# GeoJSON.


def _collection(features, **members):
    return {"type": "FeatureCollection", "features": features, **members}


def _point(latitude, longitude):
    # Six decimals is about 10 cm: as precise as RFC 7946 recommends.
    return {"type": "Point", "coordinates": [round(longitude, 6), round(latitude, 6)]}


def detail_url_maker(site=""):
    """slug -> the initiative's URL (its get_absolute_url, after `site` if
    given), reversing once rather than once per point, which counts when
    there are 2000 of them."""
    marker = "__slug__"
    before, after = reverse("initiatives:detail", args=[marker]).split(marker)
    before = site + before
    return lambda slug: f"{before}{slug}{after}"


def area_url_maker(site=""):
    """slug -> the URL of the initiative's served area, as detail_url_maker."""
    marker = "__slug__"
    before, after = reverse("initiatives:area-geojson", args=[marker]).split(marker)
    before = site + before
    return lambda slug: f"{before}{slug}{after}"


def _point_feature(*, slug, latitude, longitude, area_url=None, **values):
    """A point, with the properties of public.GEOJSON_PROPERTIES from `values`,
    and the link to its served area when it has one."""
    values["place"] = values.get("place") or ""
    properties = {name: values[name] for name in public.GEOJSON_PROPERTIES}
    if area_url:
        properties[public.GEOJSON_AREA_PROPERTY] = area_url
    return {
        "type": "Feature",
        "id": slug,
        "geometry": _point(latitude, longitude),
        "properties": properties,
    }


def feature_collection(
    queryset: QuerySet, *, bbox: BBox | None, zoom: int, site: str = "", unfiltered: bool = False
) -> dict:
    """The initiatives of `queryset` (already filtered and published) as an
    RFC 7946 FeatureCollection, limited to `bbox` when given.

    Up to settings.MAP_CLUSTER_THRESHOLD initiatives in view come as points;
    beyond that, as clusters on a grid fitted to `zoom`. Either way it takes
    two queries and sends at most MAX_FEATURES features. The foreign members
    `total` (initiatives in view) and `clustered` say which it is.

    `unfiltered` says that `queryset` is every published initiative: its
    clusters then come from the kept counts (tallies.map_cells) rather than
    from every row in view.
    """
    located = queryset.order_by().filter(latitude__isnull=False, longitude__isnull=False)
    if bbox is not None:
        west, south, east, north = bbox
        located = located.filter(latitude__range=(south, north), longitude__range=(west, east))
    located = located.order_by()

    limit = min(settings.MAP_CLUSTER_THRESHOLD, MAX_FEATURES)
    if _beyond(located, limit, bbox or WORLD, zoom, kept=unfiltered):
        return _clusters(located, bbox or WORLD, zoom, kept=unfiltered)

    url_for, area_url_for = detail_url_maker(site), area_url_maker(site)
    # Whether it has an area, not the area: the polygons stay out of the payload.
    rows = (
        located.with_primary_place()
        .annotate(
            has_area=ExpressionWrapper(Q(served_area__isnull=False), output_field=BooleanField())
        )
        .order_by("pk")
    )
    features = [
        _point_feature(
            slug=row["slug"],
            title=row["title"],
            summary=row["summary"],
            url=url_for(row["slug"]),
            place=row["primary_place_name"],
            latitude=row["latitude"],
            longitude=row["longitude"],
            area_url=area_url_for(row["slug"]) if row["has_area"] else None,
        )
        for row in rows.values(*POINT_FIELDS, "primary_place_name", "has_area")[:limit]
    ]
    return _collection(features, total=len(features), clustered=False)


def _beyond(located, limit: int, bbox: BBox, zoom: int, *, kept: bool) -> bool:
    """Whether more than `limit` initiatives are in view. With `kept`, the
    kept map cells touching the view answer (tallies.count_in_view), cells
    four times finer than the clusters': a view with a few more on its
    edges than in it may get clusters a little early."""
    if kept:
        level = min(_level(cluster_cell_size(bbox, zoom)) + 2, max(tallies.GRID_LEVELS))
        return tallies.count_in_view(level, bbox) > limit
    # Counting stops one past the limit: all we need to know is which side
    # of it we are, and an exact count of 100,000 rows is not free.
    return located.values("pk")[: limit + 1].count() > limit


def _level(cell: float) -> int:
    """The grid level of a cell of 360 / 2**level degrees."""
    return round(math.log2(360 / cell))


def cluster_cell_size(bbox: BBox, zoom: int) -> float:
    """The grid's cell in degrees: about 64 px at `zoom`, doubled until the
    box holds at most MAX_FEATURES cells, so that there are never more
    clusters than that."""
    west, south, east, north = bbox
    cell = 360 / 2**zoom / CELLS_PER_TILE
    while True:
        columns = math.floor(east / cell) - math.floor(west / cell) + 1
        rows = math.floor(north / cell) - math.floor(south / cell) + 1
        if columns * rows <= MAX_FEATURES:
            return cell
        cell *= 2


def _clusters(located, bbox, zoom, *, kept=False):
    """A feature per occupied cell of the grid, at the members' mean position,
    with the cell's bounds (where a click on it zooms to). With `kept`, the
    cells come from the kept counts, where a cell on the edge of the view
    counts its members out of view too."""
    cell = cluster_cell_size(bbox, zoom)
    level = _level(cell)
    if kept and level in tallies.GRID_LEVELS:
        cells = tallies.map_cells(level, bbox)
    else:
        # One aggregate query: a row per occupied cell.
        cells = (
            located.annotate(
                cell_y=Floor(F("latitude") / Value(cell)),
                cell_x=Floor(F("longitude") / Value(cell)),
            )
            .values_list("cell_y", "cell_x")
            .annotate(count=Count("pk"), mean_lat=Avg("latitude"), mean_lng=Avg("longitude"))
            .order_by("cell_y", "cell_x")
        )
    features = [
        {
            "type": "Feature",
            "geometry": _point(mean_lat, mean_lng),
            "properties": {
                "cluster": True,
                "count": count,
                "bounds": [x * cell, y * cell, (x + 1) * cell, (y + 1) * cell],
            },
        }
        for y, x, count, mean_lat, mean_lng in cells
    ]
    total = sum(f["properties"]["count"] for f in features)
    return _collection(features, total=total, clustered=True)


def feature_collection_for(initiatives: Iterable[Initiative]) -> dict:
    """A FeatureCollection of initiatives already loaded (a detail page's map)."""
    url_for = detail_url_maker()
    features = []
    for initiative in initiatives:
        if not initiative.has_location:
            continue
        place = getattr(initiative, "primary_place_name", None)
        if place is None:
            primary = initiative.primary_place
            place = primary.name if primary else ""
        features.append(
            _point_feature(
                slug=initiative.slug,
                title=initiative.title,
                summary=initiative.summary,
                url=url_for(initiative.slug),
                place=place,
                latitude=initiative.latitude,
                longitude=initiative.longitude,
            )
        )
    return _collection(features, total=len(features), clustered=False)


# Distances.


def nearest_first(queryset: QuerySet, latitude: float, longitude: float) -> QuerySet:
    """`queryset` annotated with `distance_sq` from the point and ordered
    nearest first; rows without coordinates come last."""
    return queryset.annotate(distance_sq=squared_distance(latitude, longitude)).order_by(
        F("distance_sq").asc(nulls_last=True), "pk"
    )


# The home page's dot map.


def teaser_svg() -> SafeString:
    """A small SVG dot map of where the published initiatives are in the
    British Isles, drawn on the server: no tiles, no JavaScript.

    Each occupied cell of the kept map grid (tallies.map_cells) becomes a
    circle whose area grows with its count: the finest grid that needs at
    most TEASER_MAX_CIRCLES circles. There is no coastline (we hold no such
    data): the dots draw the islands well enough.
    """
    west, south, east, north = TEASER_BOX
    for level in range(TEASER_LEVEL, -1, -1):
        # The cells that overlap the box (on its edge, a cell may also hold
        # a few initiatives just outside it).
        cells = [(y, x, n) for y, x, n, _lat, _lng in tallies.map_cells(level, TEASER_BOX)]
        if len(cells) <= TEASER_MAX_CIRCLES:
            break
    size = tallies.cell_size(level)
    total = sum(n for _y, _x, n in cells)

    px_per_degree = TEASER_WIDTH / ((east - west) * TEASER_COS_LAT)
    width = TEASER_WIDTH
    height = round((north - south) * px_per_degree)
    cell_px = size * px_per_degree
    max_radius = max(cell_px * 0.75, 5.0)

    circles = []
    for y, x, n in cells:
        # The centre of the cell: a tidy grid reads better than exact means.
        lat = (y + 0.5) * size
        lng = (x + 0.5) * size
        cx = (lng - west) * TEASER_COS_LAT * px_per_degree
        cy = (north - lat) * px_per_degree
        radius = min(2.5 + 1.5 * math.sqrt(n), max_radius)
        circles.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius:.1f}"/>')

    title = _("Where the initiatives are")
    label = ngettext(
        "Map of %(count)d initiative across the UK",
        "Map of %(count)d initiatives across the UK",
        total,
    ) % {"count": total}
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="teaser-map" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}">'
        f"<title>{escape(title)}</title>"
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="4" '
        f'fill="#f3f2f1" stroke="#d8d6d3" stroke-width="1"/>'
        f'<g fill="#0b5e55" fill-opacity="0.75">{"".join(circles)}</g>'
        f"</svg>"
    )
    # Safe: every number is formatted above and the only text is escaped.
    return mark_safe(svg)
