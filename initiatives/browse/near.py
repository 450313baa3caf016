"""Searching near somewhere: a postcode, a place or a point (“Use my
location”), and the initiatives that serve it.

A postcode finds initiatives two ways: by distance (filters.within_radius)
and by the area they serve, since an initiative serving Bristol serves
BS11 0QA wherever its pin is. The postcode's county, local authority, ward
and parish codes name places (by `gss_code`); initiatives serving those
places or any place within them are found with the near ones. Those serving
the whole region or nation around them are too many to be "near": they are
listed apart (also_serving).
"""

import math
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Left, Length
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from communities import postcodes
from communities.models import Place
from initiatives.models import Initiative, InitiativePlace

# Coordinates are rounded to this many decimal places (about 100 m) before
# they filter anything and in the address, so that the page cache holds one
# page for everyone within a block or two, and no visitor's exact position
# is kept in a URL.
COORDINATE_PLACES = 3
COORDINATE_NAMES = ("lat", "lng")

POSTCODE_RADIUS_KM = 5
PLACE_RADIUS_KM = 10
LOCATION_RADIUS_KM = 5
# The choices of the form's distance select; any other value in range is
# still accepted (and added to the select).
RADIUS_CHOICES_KM = (1, 2, 5, 10, 25, 50, 100)

ALSO_SERVING = 10
WIDE_KINDS = (Place.Kind.REGION, Place.Kind.COUNTRY)

# Letters then a digit: the start of a postcode, typed incompletely.
POSTCODE_START = re.compile(r"[A-Z]{1,2}[0-9]")


@dataclass(frozen=True)
class Centre:
    """Where a search is near. `kind` is a Place.Kind (for the map's zoom)."""

    latitude: float
    longitude: float
    name: str
    kind: str = Place.Kind.NEIGHBOURHOOD
    default_radius_km: float = POSTCODE_RADIUS_KM
    place: Place | None = None
    postcode: postcodes.PostcodeResult | None = None
    is_location: bool = False
    codes: tuple[str, ...] = field(default=())

    @property
    def slug(self):
        return self.place.slug if self.place else ""

    @property
    def finds_by_point(self) -> bool:
        """Whether initiatives are found by the area they serve around the
        point too (a postcode or a location; a named place keeps to distance)."""
        return self.place is None


def from_postcode(result: postcodes.PostcodeResult) -> Centre:
    codes = (
        result.county_code,
        result.local_authority_code,
        result.ward_code,
        result.parish_code,
    )
    return Centre(
        latitude=result.latitude,
        longitude=result.longitude,
        name=result.query,
        postcode=result,
        codes=tuple(code for code in codes if code),
    )


def from_place(place: Place) -> Centre:
    return Centre(
        latitude=place.latitude,
        longitude=place.longitude,
        name=place.name,
        kind=place.kind,
        default_radius_km=PLACE_RADIUS_KM,
        place=place,
    )


def from_location(latitude: float, longitude: float) -> Centre:
    return Centre(
        latitude=latitude,
        longitude=longitude,
        name=str(_("your location")),
        default_radius_km=LOCATION_RADIUS_KM,
        is_location=True,
    )


def find_centre(text: str) -> Centre:
    """The centre `text` names: a postcode (any case, with or without its
    space), an outward code or sector ("BS11", "BS11 0"), or a place's slug.

    Raises ValidationError with a message fit for the person who typed it;
    its code "not_set_up" means that no postcodes have been imported.
    """
    text = text.strip()
    if postcodes.looks_like_postcode(text):
        result = postcodes.lookup(text)
        if result is not None:
            return from_postcode(result)
        if not postcodes.is_set_up():
            raise _not_set_up()
        raise ValidationError(
            _(
                "We cannot find the postcode “%(postcode)s”. "
                "Check it, or try its first half, such as BS11."
            ),
            code="unknown_postcode",
            params={"postcode": postcodes.normalise(text) or " ".join(text.split()).upper()},
        )
    if slug_re.fullmatch(text):
        place = Place.objects.filter(slug=text, latitude__isnull=False).first()
        if place is not None:
            return from_place(place)
    if POSTCODE_START.match(postcodes.squeeze(text)):
        raise ValidationError(
            _("“%(value)s” is not a whole postcode. Enter a postcode such as BS11 0QA."),
            code="malformed_postcode",
            params={"value": text},
        )
    raise ValidationError(
        _("There is no place with that name to search near."), code="invalid_choice"
    )


def _not_set_up():
    return ValidationError(
        _("Postcode search is not set up on this site. Choose a place from the list of places."),
        code="not_set_up",
    )


# What serves a point.


def _places_with_codes(codes) -> QuerySet:
    # The excluded empty code is the unique index's own condition
    # (place_gss_code_unique): said here, the index finds the codes.
    return Place.objects.exclude(gss_code="").filter(gss_code__in=codes)


def places_within(codes) -> QuerySet:
    """The places with these GSS codes and every place under them, in one
    subquery: a place is within one of them when that one's path starts its
    own (treebeard's materialised paths)."""
    named = _places_with_codes(codes).filter(path=Left(OuterRef("path"), Length("path")))
    return Place.objects.filter(Exists(named))


def wide_places(centre: Centre) -> QuerySet:
    """The regions and nations around the postcode's places: those above
    them in the tree, and those the postcode's own region and country
    codes name."""
    if centre.postcode is None:
        return Place.objects.none()
    below = _places_with_codes(centre.codes).filter(path__startswith=OuterRef("path"))
    own = [c for c in (centre.postcode.region_code, centre.postcode.country_code) if c]
    return Place.objects.filter(kind__in=WIDE_KINDS).filter(
        Exists(below) | Exists(_places_with_codes(own).filter(pk=OuterRef("pk")))
    )


def serving_point(latitude: float, longitude: float) -> QuerySet:
    """The ids of initiatives whose drawn served area holds the point.

    The hook for drawn areas (`Initiative.served_area`, coming with its own
    migration): until they exist, none.
    """
    return Initiative.objects.none().values("pk")


def serving(centre: Centre) -> QuerySet | None:
    """The ids of initiatives serving the centre by area, not distance (None
    for a named place, searched by distance alone)."""
    if not centre.finds_by_point:
        return None
    ids = serving_point(centre.latitude, centre.longitude)
    if centre.codes:
        by_code = InitiativePlace.objects.filter(place__in=places_within(centre.codes))
        ids = by_code.values("initiative_id").union(ids)
    return ids


def also_serving(queryset: QuerySet, centre: Centre, *, shown: QuerySet) -> list:
    """Up to ALSO_SERVING initiatives of `queryset` serving a whole region or
    nation around the postcode, newest first, less those `shown` already;
    each with `wide_place_name` and `wide_place_slug`, the narrowest such
    place it serves. One query."""
    if centre.postcode is None or not centre.codes:
        return []
    wide = wide_places(centre)
    links = InitiativePlace.objects.filter(initiative=OuterRef("pk"), place__in=wide).order_by(
        "-place__depth"
    )
    # From the links: those to regions and nations are few, where walking
    # the newest initiatives to test each for one reads them all.
    serving_wide = InitiativePlace.objects.filter(place__in=wide).values("initiative_id")
    return list(
        queryset.filter(pk__in=serving_wide)
        .exclude(pk__in=shown.values("pk"))
        .with_primary_place()
        .annotate(
            wide_place_name=Subquery(links.values("place__name")[:1]),
            wide_place_slug=Subquery(links.values("place__slug")[:1]),
        )
        # Not the newest-first index: walking it, the planner would test
        # every published initiative for a link to a region or nation.
        .order_by(F("published_at").desc(nulls_last=True), "-pk")[:ALSO_SERVING]
    )


# Coordinates in the address.


def round_coordinate(value: float) -> float:
    # Adding 0.0 turns -0.0 into 0.0.
    return round(value, COORDINATE_PLACES) + 0.0


def canonical_redirect(request) -> HttpResponseRedirect | None:
    """A redirect to the same address with `lat` and `lng` rounded, when they
    are numbers given more precisely than COORDINATE_PLACES; else None (bad
    values are left for the filters to report, and "51.50" is the same
    value as "51.5": either is filtered the same)."""
    params = request.GET.copy()
    changed = False
    for name in COORDINATE_NAMES:
        if name not in params:
            continue
        text = params[name]
        try:
            value = float(text)
        except ValueError:
            continue
        if not math.isfinite(value):
            continue
        rounded = round_coordinate(value)
        if rounded != value:
            params[name] = repr(rounded)
            changed = True
    if not changed:
        return None
    return HttpResponseRedirect(f"{request.path}?{params.urlencode()}")


def radius_choices(current: float | None) -> list[float]:
    """The distance select's values, with the current one if it is not among them."""
    choices = list(RADIUS_CHOICES_KM)
    if current is not None and current not in choices:
        choices = sorted([*choices, current])
    return choices
