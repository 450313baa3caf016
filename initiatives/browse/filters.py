"""The public filters: one FilterSet for the list, the map, the GeoJSON and
every export, so that a URL means the same thing everywhere."""

import math

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from communities.distance import (
    KM_PER_DEGREE,
    bounding_box,
    squared_distance,
    within_sq,
)
from communities.models import Organisation, Place
from initiatives.browse import near as nearby
from initiatives.browse.deprived import DeprivedFilter
from initiatives.catalogue import search
from initiatives.models import Initiative

DEFAULT_RADIUS_KM = nearby.PLACE_RADIUS_KM
MAX_RADIUS_KM = 500

SORT_RELEVANCE, SORT_NEWEST, SORT_TITLE, SORT_DISTANCE = "relevance", "newest", "title", "distance"
SORT_CHOICES = [
    (SORT_RELEVANCE, _("Best match")),
    (SORT_NEWEST, _("Newest first")),
    (SORT_TITLE, _("Title A to Z")),
    (SORT_DISTANCE, _("Nearest first")),
]


# In the API's schema, these filters take slugs.
@extend_schema_field(OpenApiTypes.STR)
class SlugChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter on an object named by its slug, with a message that names it."""

    def __init__(self, *args, not_found, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("error_messages", {"invalid_choice": not_found})
        super().__init__(*args, **kwargs)


class SlugsField(forms.MultipleChoiceField):
    """Chosen slugs, cleaned into the objects they name."""

    def __init__(self, *args, objects=None, **kwargs):
        self.objects = objects or {}
        super().__init__(*args, **kwargs)

    def clean(self, value):
        # An empty value ("any theme" in a form) chooses nothing.
        value = [slug for slug in value or [] if slug]
        return [self.objects[slug] for slug in super().clean(value)]


@extend_schema_field(OpenApiTypes.STR)
class ThemeFilter(django_filters.MultipleChoiceFilter):
    field_class = SlugsField


class NearField(forms.CharField):
    """A postcode or a place's slug, cleaned into a nearby.Centre."""

    def clean(self, value):
        value = super().clean(value)
        return nearby.find_centre(value) if value else None


@extend_schema_field(OpenApiTypes.STR)
class NearFilter(django_filters.CharFilter):
    field_class = NearField


class CoordinateField(forms.FloatField):
    """Degrees, rounded to nearby.COORDINATE_PLACES before anything uses them."""

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else nearby.round_coordinate(value)


@extend_schema_field(OpenApiTypes.NUMBER)
class CoordinateFilter(django_filters.Filter):
    field_class = CoordinateField


class FilterForm(forms.Form):
    """The filters' form: a point needs both coordinates, and one centre."""

    def clean(self):
        data = super().clean()
        lat, lng = data.get("lat"), data.get("lng")
        half = (lat is None) != (lng is None)
        if half and not self.has_error("lat") and not self.has_error("lng"):
            missing = "lng" if lng is None else "lat"
            self.add_error(
                missing,
                ValidationError(
                    _("Give both a latitude (lat) and a longitude (lng), or neither."),
                    code="required",
                ),
            )
        elif lat is not None and data.get("near"):
            self.add_error(
                "near",
                ValidationError(
                    _("Search near a postcode or a place, or near your location, not both."),
                    code="both",
                ),
            )
        return data


class InitiativeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", max_length=200, strip=True
    )
    place = SlugChoiceFilter(
        label=_("Place"),
        queryset=Place.objects.all(),
        method="filter_place",
        not_found=_("There is no place with that name. Choose a place from the list."),
    )
    theme = ThemeFilter(
        label=_("Themes"),
        method="filter_theme",
        error_messages={
            "invalid_choice": _("There is no theme called “%(value)s”."),
            "invalid_list": _("Choose themes from the list."),
        },
    )
    organisation = SlugChoiceFilter(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        method="filter_organisation",
        not_found=_("There is no organisation with that name."),
    )
    status = django_filters.ChoiceFilter(
        label=_("Activity"),
        field_name="activity_status",
        choices=Initiative.Status.choices,
        empty_label=_("Any"),
        error_messages={"invalid_choice": _("Choose an activity status from the list.")},
    )
    near = NearFilter(
        label=_("Near (postcode or place)"),
        method="filter_near",
        max_length=100,
        strip=True,
    )
    lat = CoordinateFilter(
        label=_("Latitude"),
        method="filter_point",
        min_value=-90,
        max_value=90,
        error_messages={
            "invalid": _("Enter the latitude (lat) as a number of degrees."),
            "min_value": _("The latitude (lat) must be between -90 and 90."),
            "max_value": _("The latitude (lat) must be between -90 and 90."),
        },
    )
    lng = CoordinateFilter(
        label=_("Longitude"),
        method="keep",
        min_value=-180,
        max_value=180,
        error_messages={
            "invalid": _("Enter the longitude (lng) as a number of degrees."),
            "min_value": _("The longitude (lng) must be between -180 and 180."),
            "max_value": _("The longitude (lng) must be between -180 and 180."),
        },
    )
    radius_km = django_filters.NumberFilter(
        label=_("Within (km)"),
        method="keep",
        min_value=1,
        max_value=MAX_RADIUS_KM,
        error_messages={
            "min_value": _("Choose a distance of at least 1 km."),
            "max_value": _("Choose a distance of at most %(limit_value)s km."),
            "invalid": _("Enter the distance as a number of kilometres."),
        },
    )
    deprived = DeprivedFilter()
    sort = django_filters.ChoiceFilter(
        label=_("Sort by"),
        choices=SORT_CHOICES,
        method="keep",
        empty_label=None,
        error_messages={"invalid_choice": _("Choose a sort order from the list.")},
    )

    class Meta:
        model = Initiative
        fields = []
        form = FilterForm

    def __init__(self, data=None, *args, themes, **kwargs):
        # Themes are few: the caller loads them once, for the choices, the
        # facets and the cards alike.
        self.themes_by_slug = {t.slug: t for t in themes}
        super().__init__(data, *args, **kwargs)
        self.filters["theme"].extra.update(
            choices=[(t.slug, t.name) for t in themes], objects=self.themes_by_slug
        )
        self.form.fields["q"].widget = forms.TextInput(attrs={"type": "search"})

    # Filters.

    def keep(self, queryset, name, value):
        return queryset

    def filter_search(self, queryset, name, value):
        return search.search(queryset, value)

    def filter_place(self, queryset, name, place):
        return queryset.in_place(place)

    def filter_theme(self, queryset, name, themes):
        return queryset.with_theme(*themes) if themes else queryset

    def filter_organisation(self, queryset, name, organisation):
        return queryset.involving(organisation)

    def filter_near(self, queryset, name, centre):
        return near_centre(queryset, centre, self.radius())

    def filter_point(self, queryset, name, latitude):
        return near_centre(queryset, self.centre(), self.radius())

    # Beyond filtering.

    def filter_queryset(self, queryset):
        return self.filter_queryset_without(queryset)

    def filter_queryset_without(self, queryset, *skip):
        """The queryset under every current filter except `skip` (for facets).
        The search comes last: it keeps the newest of the matches that the
        other filters leave (search.CANDIDATES)."""
        items = sorted(self.form.cleaned_data.items(), key=lambda item: item[0] == "q")
        for name, value in items:
            if name not in skip:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def cleaned(self):
        return self.form.cleaned_data if self.is_valid() else {}

    def centre(self) -> nearby.Centre | None:
        """Where the search is near: a postcode or place (`near`), or a
        point (`lat` and `lng`)."""
        data = self.cleaned
        if data.get("near"):
            return data["near"]
        if data.get("lat") is not None and data.get("lng") is not None:
            return nearby.from_location(data["lat"], data["lng"])
        return None

    def radius(self) -> float:
        radius = self.cleaned.get("radius_km")
        if radius:
            return float(radius)
        centre = self.centre()
        return centre.default_radius_km if centre else DEFAULT_RADIUS_KM

    def sort_order(self):
        data = self.cleaned
        centre = self.centre()
        chosen = data.get("sort")
        if chosen == SORT_RELEVANCE and not search.search_terms(data.get("q")):
            chosen = None
        if chosen == SORT_DISTANCE and not centre:
            chosen = None
        if chosen:
            return chosen
        if centre:
            return SORT_DISTANCE
        return SORT_RELEVANCE if search.search_terms(data.get("q")) else SORT_NEWEST

    def sorted(self, queryset):
        order = self.sort_order()
        if order == SORT_RELEVANCE:
            return queryset.order_by("-rank", "-published_at", "-pk")
        if order == SORT_TITLE:
            return queryset.order_by("title", "pk")
        if order == SORT_DISTANCE:
            # Initiatives found by the area they serve may have no pin: last.
            return queryset.order_by(F("distance_sq").asc(nulls_last=True), "pk")
        return queryset.order_by("-published_at", "-pk")

    def active(self):
        """The filters in use, for "remove this filter" links and titles."""
        data = self.cleaned
        return {name: value for name, value in data.items() if value not in (None, "", [])}


def within_radius(queryset, latitude, longitude, radius_km):
    """Initiatives within `radius_km` of a point, annotated with `distance_sq`
    (see distance.squared_distance; distance_km() turns it into km). A bounding
    box comes first, so that the location index does the work."""
    return (
        queryset.filter(bounding_box(latitude, longitude, radius_km))
        .annotate(distance_sq=squared_distance(latitude, longitude))
        .filter(distance_sq__lte=within_sq(radius_km))
    )


def near_centre(queryset, centre: nearby.Centre, radius_km: float):
    """Initiatives within `radius_km` of the centre, and, for a postcode or a
    point, those serving it by area wherever their pin is (nearby.serving);
    annotated with `distance_sq` (None without a pin)."""
    latitude, longitude = centre.latitude, centre.longitude
    served = nearby.serving(centre)
    if served is None:
        return within_radius(queryset, latitude, longitude, radius_km)
    ids = within_radius(queryset, latitude, longitude, radius_km).values("pk").union(served)
    return queryset.filter(pk__in=ids).annotate(distance_sq=squared_distance(latitude, longitude))


def distance_km(distance_sq):
    return math.sqrt(distance_sq) * KM_PER_DEGREE
