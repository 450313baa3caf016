"""Distance on the map, on rows with `latitude` and `longitude` columns
(places, postcodes, initiatives): a bounding box the location indexes can
serve, and the squared distance to sort and bound by."""

import math

from django.db.models import ExpressionWrapper, F, FloatField, Q, Value

KM_PER_DEGREE = 111.32


def _cos_lat(latitude: float) -> float:
    return max(math.cos(math.radians(latitude)), 0.01)


def bounding_box(latitude: float, longitude: float, radius_km: float) -> Q:
    """The rows within a box around the point that holds the circle of
    `radius_km`: what the location index can find."""
    dlat = radius_km / KM_PER_DEGREE
    dlng = dlat / _cos_lat(latitude)
    return Q(
        latitude__range=(latitude - dlat, latitude + dlat),
        longitude__range=(longitude - dlng, longitude + dlng),
    )


def squared_distance(latitude: float, longitude: float) -> ExpressionWrapper:
    """The squared distance of each row from the point, in degrees of latitude:
    an equirectangular approximation, exact enough at the scale of a county
    and cheap enough to sort on."""
    dy = F("latitude") - Value(latitude)
    dx = (F("longitude") - Value(longitude)) * Value(_cos_lat(latitude))
    return ExpressionWrapper(dx * dx + dy * dy, output_field=FloatField())


def within_sq(radius_km: float) -> float:
    """The squared distance (as squared_distance gives it) of `radius_km`."""
    return (radius_km / KM_PER_DEGREE) ** 2
