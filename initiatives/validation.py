"""A service's ValidationError shown on the form that sent it, and the
checks of what people type that more than one form shares."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.utils.translation import gettext_lazy

from communities import geometry


def add_errors(form: forms.Form, error: ValidationError, *, unplaced: list | None = None) -> None:
    """Each error joins the field it names, or the form's own errors when it
    names no field of the form. Errors that name no field at all go to
    `unplaced` instead when it is given (a page that lists them apart)."""
    if not hasattr(error, "error_dict"):
        if unplaced is not None:
            unplaced += error.messages
        else:
            form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        for e in errors:
            form.add_error(field if field in form.fields else None, e)


def slug_or_blank(value) -> str:
    """A slug sent in a query or a form, or "" for what cannot be one (which
    names nothing, and may hold a NUL that PostgreSQL refuses)."""
    return value if value and slug_re.match(value) else ""


# The area an initiative serves, drawn or pasted on the submission form.

# Enough for a neighbourhood drawn by hand or a simplified council outline.
MAX_AREA_POINTS = 500
# The pasted text, before it is read: 500 points take about 15,000 characters.
MAX_AREA_CHARACTERS = 40_000

AREA_MESSAGES = {
    "not_polygon": gettext_lazy("The area must be a GeoJSON Polygon or MultiPolygon."),
    "collection": gettext_lazy("Paste one area: a Polygon or MultiPolygon, not a collection."),
    "no_coordinates": gettext_lazy("The area has no coordinates."),
    "no_ring": gettext_lazy("Each polygon of the area needs at least one ring of points."),
    "bad_point": gettext_lazy("Each point of the area must be [longitude, latitude]: two numbers."),
    "short_ring": gettext_lazy(
        "Each ring of the area needs at least four points, the last the same as the first."
    ),
    "open_ring": gettext_lazy(
        "The area’s outline is not closed: its last point must be the same as its first."
    ),
    "too_many_points": gettext_lazy(
        "The area has %(points)s points: at most %(max_points)s. Simplify it and paste it again."
    ),
    "outside": gettext_lazy(
        "The area goes outside the UK: the point %(lat)s, %(lng)s is not in it."
    ),
    "swapped": gettext_lazy(
        "The area goes outside the UK: the point %(lat)s, %(lng)s is not in it. GeoJSON gives "
        "longitude first, then latitude."
    ),
    "crossing": gettext_lazy(
        "The area’s edges cross each other near %(lat)s, %(lng)s: redraw its outline."
    ),
    "invalid": gettext_lazy("The area is not a valid shape: %(reason)s."),
    "flat": gettext_lazy("The area has no size: its points are all on one line."),
    "unreadable": gettext_lazy("The area’s coordinates cannot be read: %(reason)s."),
}


def served_area(value) -> dict | None:
    """A served area as GeoJSON (already parsed), checked and normalised, or
    None for none; ValidationError with a message a person can act on."""
    if value in (None, "", {}, []):
        return None
    try:
        return geometry.checked_area(value, max_points=MAX_AREA_POINTS)
    except geometry.GeometryError as error:
        raise ValidationError(
            AREA_MESSAGES[error.code], code=f"area_{error.code}", params=error.params
        ) from error
