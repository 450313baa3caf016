"""Place boundaries: reading the ONS boundary files (local authorities,
wards, parishes: any generalised "BGC"/"BUC" GeoJSON from the Open Geography
Portal), storing each simplified with its bounding box, and finding the
smallest place that contains a point."""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from communities import geometry
from communities.models import Place, PlaceBoundary
from communities.services import place_create

# A boundary as the site serves it: small enough to draw on a phone.
MAX_BOUNDARY_BYTES = 8000

# The ONS codes' fields: LAD24CD and LAD24NM, WD24CD and WD24NM, PAR24CD...
CODE_FIELD = re.compile(r"^[A-Z]+\d{2}CD$")
NAME_FIELD = re.compile(r"^[A-Z]+\d{2}NM$")

# The kind of a place created from a boundary, by its GSS code's entity.
KIND_BY_ENTITY = {
    **dict.fromkeys(("E92", "W92", "S92", "N92"), Place.Kind.COUNTRY),
    "E12": Place.Kind.REGION,
    **dict.fromkeys(("E10", "E11"), Place.Kind.COUNTY),
    **dict.fromkeys(("E06", "E07", "E08", "E09", "W06", "S12", "N09"), Place.Kind.LOCAL_AUTHORITY),
    **dict.fromkeys(("E05", "W05", "S13", "N08"), Place.Kind.NEIGHBOURHOOD),
}

PROJECTED = (
    "{path}: the coordinates are eastings and northings (British National Grid, "
    "EPSG:27700), not longitude and latitude. Download the GeoJSON in WGS 84 (EPSG:4326), "
    "as the Open Geography Portal offers it."
)


class BoundaryFileError(ValueError):
    """The file cannot be imported; nothing was written."""


@dataclass
class ImportResult:
    matched: int = 0
    created: int = 0
    unmatched: list[str] = field(default_factory=list)
    # Features with no polygon, or that --create could place under nothing.
    skipped: list[str] = field(default_factory=list)
    largest_bytes: int = 0


def read_features(path: Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection in longitude and latitude."""
    try:
        with open(path, encoding="utf-8-sig") as file:
            data = json.load(file)
    except OSError as error:
        raise BoundaryFileError(f"{path} cannot be read: {error.strerror}.") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BoundaryFileError(f"{path} is not GeoJSON: it does not read as JSON.") from error
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileError(f"{path} is not a GeoJSON FeatureCollection.")
    features = data.get("features")
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise BoundaryFileError(f"{path} is not a GeoJSON FeatureCollection: no features.")
    crs = json.dumps(data.get("crs") or "")
    if "27700" in crs:
        raise BoundaryFileError(PROJECTED.format(path=path))
    for feature in features:
        shape = feature.get("geometry")
        if isinstance(shape, dict) and shape.get("coordinates"):
            if geometry.looks_projected(shape):
                raise BoundaryFileError(PROJECTED.format(path=path))
            break
    return features


def field_names(features: list[dict], code_field: str | None, name_field: str | None):
    """The properties that hold each feature's GSS code and name: those
    given, checked, or else the one ONS-style field of each kind."""
    keys = list((features[0].get("properties") or {}) if features else {})
    chosen = []
    for given, pattern, option in (
        (code_field, CODE_FIELD, "--code-field"),
        (name_field, NAME_FIELD, "--name-field"),
    ):
        if given is None:
            found = [k for k in keys if pattern.match(k)]
            if len(found) != 1:
                raise BoundaryFileError(
                    f"Say which property to read with {option}: the features have "
                    f"{', '.join(keys) or 'no properties'}."
                )
            given = found[0]
        elif features and given not in keys:
            raise BoundaryFileError(
                f"The features have no property {given} (for {option}): they have "
                f"{', '.join(keys) or 'no properties'}."
            )
        chosen.append(given)
    return chosen


def kind_for(code: str) -> str:
    return KIND_BY_ENTITY.get(code[:3], Place.Kind.OTHER)


def smallest_containing(latitude: float, longitude: float, *, exclude=()) -> Place | None:
    """The smallest place (by area) whose boundary covers the point. The
    bounding boxes pick the candidates in one query; shapely tests those."""
    candidates = (
        PlaceBoundary.objects.might_contain(latitude, longitude)
        .exclude(place__in=exclude)
        .select_related("place")
    )
    found = geometry.smallest_covering(
        ((b.place, b.geometry) for b in candidates), latitude, longitude
    )
    return found


@transaction.atomic
def import_boundaries(
    path: Path,
    *,
    code_field: str | None = None,
    name_field: str | None = None,
    create: bool = False,
    kind: str | None = None,
    parent: Place | None = None,
    max_bytes: int = MAX_BOUNDARY_BYTES,
) -> ImportResult:
    """Give each place whose GSS code is in the file its boundary (again:
    an import replaces what an earlier one stored). With `create`, a code no
    place has becomes a place, under `parent` or else under the smallest
    place whose boundary contains it."""
    path = Path(path)
    features = read_features(path)
    code_field, name_field = field_names(features, code_field, name_field)
    codes = [str((f.get("properties") or {}).get(code_field) or "").strip() for f in features]
    places = {p.gss_code: p for p in Place.objects.filter(gss_code__in=[c for c in codes if c])}
    result = ImportResult()
    now = timezone.now()
    for feature, code in zip(features, codes, strict=True):
        name = str((feature.get("properties") or {}).get(name_field) or code).strip()
        shape = feature.get("geometry")
        try:
            data, simple = geometry.web_boundary(shape or {}, max_bytes=max_bytes)
        except geometry.GeometryError:
            result.skipped.append(code or name)
            continue
        place = places.get(code) if code else None
        if place is None:
            if not (create and code):
                result.unmatched.append(code or name)
                continue
            place = _create_place(code, name, simple, kind=kind, parent=parent)
            if place is None:
                result.skipped.append(code)
                continue
            places[code] = place
            result.created += 1
        else:
            result.matched += 1
        min_lat, min_lng, max_lat, max_lng = geometry.bounds(simple)
        # One save a place (not a bulk write), so that the cached pages hear of it.
        PlaceBoundary.objects.update_or_create(
            place=place,
            defaults={
                "geometry": data,
                "min_lat": min_lat,
                "min_lng": min_lng,
                "max_lat": max_lat,
                "max_lng": max_lng,
                "area_km2": geometry.area_km2(simple),
                "source": path.name[:200],
                "imported_at": now,
            },
        )
        result.largest_bytes = max(result.largest_bytes, len(geometry.compact(data)))
    return result


def _create_place(code, name, simple, *, kind, parent) -> Place | None:
    if len(code) > Place._meta.get_field("gss_code").max_length:
        return None
    if parent is None:
        inside = simple.representative_point()
        parent = smallest_containing(inside.y, inside.x)
    if parent is None:
        return None
    centre = simple.representative_point()
    return place_create(
        name=name[:200],
        kind=kind or kind_for(code),
        parent=parent,
        gss_code=code,
        latitude=round(centre.y, 6),
        longitude=round(centre.x, 6),
    )
