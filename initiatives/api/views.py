"""The read-only JSON API: published initiatives with the list page's
filters, and the places, organisations, themes and collections they name."""

import uuid

import django_filters
from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Left
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.pagination import PageNumberPagination

from communities.models import Organisation, Place

from ..filters import InitiativeFilter
from ..models import Collection, CollectionItem, Initiative, Theme
from ..opendata import open_response
from . import serializers

MAX_PAGE_SIZE = 100


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


def _modified_after(field_name="updated_at"):
    return django_filters.DateTimeFilter(
        field_name=field_name,
        lookup_expr="gte",
        label=_("Changed on or after this date or time (ISO 8601)"),
        error_messages={"invalid": _("Give the date as YYYY-MM-DD or an ISO 8601 date and time.")},
    )


class APIInitiativeFilter(InitiativeFilter):
    """The list page's filters, plus what a harvester needs."""

    modified_after = _modified_after()


class PlaceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("Name contains"), max_length=200
    )
    kind = django_filters.ChoiceFilter(choices=Place.Kind.choices, label=_("Kind of place"))
    parent = django_filters.CharFilter(method="filter_parent", label=_("Places just below"))
    within = django_filters.CharFilter(method="filter_within", label=_("Places anywhere below"))
    modified_after = _modified_after()

    class Meta:
        model = Place
        fields = []

    def _place(self, slug):
        return Place.objects.filter(slug=slug).first()

    def filter_parent(self, queryset, name, slug):
        place = self._place(slug)
        if place is None:
            return queryset.none()
        return queryset.filter(path__startswith=place.path, depth=place.depth + 1)

    def filter_within(self, queryset, name, slug):
        place = self._place(slug)
        if place is None:
            return queryset.none()
        return queryset.filter(path__startswith=place.path, depth__gt=place.depth)


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", label=_("Name contains"), max_length=200
    )
    kind = django_filters.ChoiceFilter(
        choices=Organisation.Kind.choices, label=_("Kind of organisation")
    )
    place = django_filters.CharFilter(method="filter_place", label=_("Serving this place"))
    modified_after = _modified_after()

    class Meta:
        model = Organisation
        fields = []

    def filter_place(self, queryset, name, slug):
        place = Place.objects.filter(slug=slug).first()
        return queryset.serving(place) if place else queryset.none()


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

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        if issubclass(view.filterset_class, InitiativeFilter):
            kwargs["themes"] = Theme.objects.in_tree_order()
        return kwargs

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        queryset = super().filter_queryset(request, queryset, view)
        if isinstance(filterset, InitiativeFilter):
            queryset = filterset.sorted(queryset)
        return queryset


class OpenDataViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only, open to any site, and looked up by slug or by id."""

    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    pagination_class = Pagination
    filter_backends = [FilterBackend]

    def get_object(self):
        value = self.kwargs["slug"]
        queryset = self.get_queryset()
        try:
            lookup = {"uuid": uuid.UUID(value)}
        except ValueError:
            lookup = {"slug": value}
        obj = get_object_or_404(queryset, **lookup)
        self.check_object_permissions(self.request, obj)
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        return open_response(super().finalize_response(request, response, *args, **kwargs))


class InitiativeViewSet(OpenDataViewSet):
    """Published initiatives. The filters are the list page's: `q`, `place`
    (with every place under it), `theme` (repeatable, with sub-themes),
    `organisation`, `status`, `near` with `radius_km`, `sort`, plus
    `modified_after`."""

    serializer_class = serializers.InitiativeSerializer
    filterset_class = APIInitiativeFilter

    def get_queryset(self):
        return Initiative.objects.published().with_links()


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
        items = CollectionItem.objects.filter(
            Q(initiative__in=Initiative.objects.published())
        ).select_related("initiative")
        return (
            Collection.objects.filter(is_public=True)
            .prefetch_related(Prefetch("items", queryset=items, to_attr="public_items"))
            .order_by("title")
        )
