"""The read-only JSON API: published initiatives with the list page's
filters, and the places, organisations, themes and collections they name."""

import uuid
from datetime import UTC

import django_filters
from django import forms
from django.core.validators import slug_re
from django.db.models import F, OuterRef, Prefetch, Subquery
from django.db.models.functions import Left
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.views import SpectacularAPIView
from rest_framework import routers, viewsets
from rest_framework.pagination import PageNumberPagination

from communities.models import Organisation, Place
from initiatives import public
from initiatives.browse import near, tallies
from initiatives.browse.filters import InitiativeFilter, SlugChoiceFilter
from initiatives.browse.paging import ListPaginator
from initiatives.models import Theme
from initiatives.opendata.api import serializers
from initiatives.opendata.licence import open_response

MAX_PAGE_SIZE = 100


class Pagination(PageNumberPagination):
    """Numbered pages, counted from the kept counts when the filters allow
    (FilterBackend sets the view's `known_count`), and as cheap deep in the
    list as at its start (paging.ListPaginator)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        self.known_count = getattr(view, "known_count", None)
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, queryset, page_size):
        return ListPaginator(queryset, page_size, count=self.known_count)


class MomentField(forms.DateTimeField):
    """A date or a date and time, in UTC. PostgreSQL refuses offsets beyond
    ±16 hours, which Python accepts, and a moment near year 1 or 9999 may not
    convert at all: either is a bad value, not a server error."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class ModifiedAfterFilter(django_filters.DateTimeFilter):
    field_class = MomentField


def _modified_after(field_name="updated_at"):
    return ModifiedAfterFilter(
        field_name=field_name,
        lookup_expr="gte",
        label=_("Changed on or after this date or time (ISO 8601)"),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD or an ISO 8601 date and time.")},
    )


class APIInitiativeFilter(InitiativeFilter):
    """The list page's filters, plus what a harvester needs."""

    modified_after = _modified_after()


def _place_filter(label, method):
    return SlugChoiceFilter(
        label=label,
        queryset=Place.objects.all(),
        method=method,
        not_found=_("There is no place with that name."),
    )


class PlaceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("Name contains"), max_length=200
    )
    kind = django_filters.ChoiceFilter(choices=Place.Kind.choices, label=_("Kind of place"))
    parent = _place_filter(_("Places just below"), "filter_parent")
    within = _place_filter(_("Places anywhere below"), "filter_within")
    modified_after = _modified_after()

    class Meta:
        model = Place
        fields = []

    def filter_parent(self, queryset, name, place):
        return queryset.filter(path__startswith=place.path, depth=place.depth + 1)

    def filter_within(self, queryset, name, place):
        return queryset.filter(path__startswith=place.path, depth__gt=place.depth)


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("Name contains"), max_length=200
    )
    kind = django_filters.ChoiceFilter(
        choices=Organisation.Kind.choices, label=_("Kind of organisation")
    )
    place = _place_filter(_("Serving this place"), "filter_place")
    modified_after = _modified_after()

    class Meta:
        model = Organisation
        fields = []

    def filter_place(self, queryset, name, place):
        return queryset.serving(place)


class ThemeFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(
        field_name="parent__slug", label=_("Sub-themes of this theme")
    )

    class Meta:
        model = Theme
        fields = []


class FilterBackend(DjangoFilterBackend):
    """django-filter, with the initiative filter's themes loaded once and its
    sort order applied (relevance for a search, distance for `near`)."""

    # The browsable API's filter form: django_filters is not an installed app,
    # so its own template is not found.
    template = "opendata/api_filters.html"

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        if issubclass(view.filterset_class, InitiativeFilter):
            kwargs["themes"] = Theme.objects.in_tree_order()
        return kwargs

    def filter_queryset(self, request, queryset, view):
        # DjangoFilterBackend's own, on one filterset: asking the parent class
        # would build (and load the themes for) a second one.
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        queryset = filterset.qs
        if isinstance(filterset, InitiativeFilter):
            queryset = filterset.sorted(queryset)
            view.known_count = tallies.count_for(filterset.cleaned)
        return queryset


class RootView(routers.APIRootView):
    """The list of the API's endpoints, open and licensed like the rest."""

    def finalize_response(self, request, response, *args, **kwargs):
        return open_response(super().finalize_response(request, response, *args, **kwargs))


class OpenDataViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only, open to any site, and looked up by slug or by id."""

    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    pagination_class = Pagination
    filter_backends = [FilterBackend]

    def get_object(self):
        value = self.kwargs["slug"]
        queryset = self.get_queryset()
        # Collections have slugs only: a uuid there is a slug like any other.
        has_uuid = any(field.name == "uuid" for field in queryset.model._meta.fields)
        try:
            lookup = {"uuid": uuid.UUID(value)} if has_uuid else None
        except ValueError:
            lookup = None
        if lookup is None:
            # Not a slug either (PostgreSQL refuses a NUL, say): nothing has it.
            if not slug_re.match(value):
                raise Http404
            lookup = {"slug": value}
        obj = get_object_or_404(queryset, **lookup)
        self.check_object_permissions(self.request, obj)
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        return open_response(super().finalize_response(request, response, *args, **kwargs))


class InitiativeViewSet(OpenDataViewSet):
    """Published initiatives. The filters are the list page's: `q`, `place`
    (with every place under it), `theme` (repeatable, with sub-themes),
    `organisation`, `status`, `near` (a postcode or a place) or `lat` and
    `lng` (rounded to 3 decimal places: a longer one is redirected) with
    `radius_km`, `sort`, plus `modified_after`."""

    serializer_class = serializers.InitiativeSerializer
    filterset_class = APIInitiativeFilter

    def list(self, request, *args, **kwargs):
        if redirect := near.canonical_redirect(request):
            return redirect
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        return public.published_initiatives().with_links()


class PlaceViewSet(OpenDataViewSet):
    """Places, from countries to neighbourhoods, in the order of the hierarchy."""

    serializer_class = serializers.PlaceSerializer
    filterset_class = PlaceFilter

    def get_queryset(self):
        parent = Place.objects.filter(
            path=Left(OuterRef("path"), (OuterRef("depth") - 1) * Place.steplen)
        )
        return Place.objects.annotate(parent_slug=Subquery(parent.values("slug")[:1])).order_by(
            "path"
        )


class OrganisationViewSet(OpenDataViewSet):
    serializer_class = serializers.OrganisationSerializer
    filterset_class = OrganisationFilter

    def get_queryset(self):
        return Organisation.objects.prefetch_related(
            Prefetch("places", queryset=Place.objects.only("slug").order_by("path"))
        ).order_by("name", "pk")


class ThemeViewSet(OpenDataViewSet):
    serializer_class = serializers.ThemeSerializer
    filterset_class = ThemeFilter

    def get_queryset(self):
        return Theme.objects.select_related("parent").order_by(
            F("parent__name").asc(nulls_first=True), "name"
        )


class CollectionViewSet(OpenDataViewSet):
    """Public collections, each with its published initiatives in order."""

    serializer_class = serializers.CollectionSerializer
    filter_backends = []

    def get_queryset(self):
        items = public.public_collection_items().select_related("initiative")
        return (
            public.public_collections()
            .prefetch_related(Prefetch("items", queryset=items, to_attr="public_items"))
            .order_by("title")
        )


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, open to other sites' tools like the data itself."""

    def finalize_response(self, request, response, *args, **kwargs):
        return open_response(super().finalize_response(request, response, *args, **kwargs))
