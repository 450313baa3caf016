"""Open Referral UK: the querysets the endpoints read, over the published
initiatives (initiatives.public), and the paging of them."""

import math

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from communities.models import Organisation
from initiatives import public
from initiatives.catalogue.search import search as search_initiatives
from initiatives.models import Initiative, InitiativeOrganisation, InitiativePlace, Theme
from initiatives.opendata.openreferral import TAXONOMY_ID
from initiatives.opendata.openreferral_params import NO_FILTERS, Filters, Paging

# Querysets

# What a service reads of an initiative: public.OPENREFERRAL_FIELDS.
INITIATIVE_FIELDS = public.OPENREFERRAL_FIELDS
ORGANISATION_FIELDS = ("uuid", "slug", "name", "description", "website", "logo", "updated_at")


def taxonomy_terms() -> QuerySet:
    """The themes, by name, each with its parent's uuid."""
    return (
        Theme.objects.select_related("parent")
        .only("uuid", "slug", "name", "description", "parent__uuid")
        .order_by("name", "pk")
    )


def _organisation_links():
    return Prefetch(
        "initiative_organisations",
        queryset=InitiativeOrganisation.objects.select_related("organisation").only(
            "initiative", "role", *(f"organisation__{field}" for field in ORGANISATION_FIELDS)
        ),
    )


def _place_links():
    return Prefetch(
        "initiative_places",
        queryset=InitiativePlace.objects.select_related("place")
        .only(
            "initiative",
            "is_primary",
            "place__uuid",
            "place__slug",
            "place__name",
            "place__gss_code",
        )
        .order_by("-is_primary", "place__name", "pk"),
    )


def _themes():
    return Prefetch("themes", queryset=taxonomy_terms())


def services(*, full: bool = False) -> QuerySet:
    """The published initiatives, newest first, with what a service shows
    fetched in a fixed number of queries whatever the count."""
    prefetches = [_organisation_links()]
    if full:
        prefetches += [_place_links(), _themes()]
    return (
        public.published_initiatives()
        .only(*INITIATIVE_FIELDS)
        .prefetch_related(*prefetches)
        .order_by("-published_at", "-pk")
    )


def service_at_locations(*, full: bool = False) -> QuerySet:
    """The published initiatives with a map pin; the location is named for
    the primary place, so places come along even in the list."""
    queryset = services(full=full).filter(latitude__isnull=False, longitude__isnull=False)
    return queryset if full else queryset.prefetch_related(_place_links())


def filter_services(queryset: QuerySet, filters: Filters) -> QuerySet:
    if filters.place is not None:
        queryset = queryset.in_place(filters.place)
    if filters.taxonomy_term_id is not None:
        themes = list(Theme.objects.filter(uuid=filters.taxonomy_term_id).only("pk"))
        queryset = queryset.with_theme(*themes) if themes else queryset.none()
    if filters.taxonomy_id is not None:
        if filters.taxonomy_id == TAXONOMY_ID:
            queryset = queryset.filter(
                Exists(Initiative.themes.through.objects.filter(initiative=OuterRef("pk")))
            )
        else:
            queryset = queryset.none()
    if filters.organization_id is not None:
        organisation = Organisation.objects.filter(uuid=filters.organization_id).only("pk").first()
        queryset = queryset.none() if organisation is None else queryset.involving(organisation)
    if filters.modified_after is not None:
        queryset = queryset.filter(updated_at__gte=filters.modified_after)
    if filters.search:
        queryset = search_initiatives(queryset, filters.search)
    return queryset


def organizations(filters: Filters = NO_FILTERS) -> QuerySet:
    """The organisations that take part in a published initiative (in the
    place, when one is given), by name."""
    initiatives = public.published_initiatives()
    if filters.place is not None:
        initiatives = initiatives.in_place(filters.place)
    queryset = Organisation.objects.filter(
        Exists(
            InitiativeOrganisation.objects.filter(
                organisation=OuterRef("pk"), initiative__in=initiatives.values("pk")
            )
        )
    )
    if filters.search:
        queryset = queryset.filter(name__icontains=filters.search)
    if filters.modified_after is not None:
        queryset = queryset.filter(updated_at__gte=filters.modified_after)
    return queryset.only(*ORGANISATION_FIELDS).order_by("name", "pk")


# Paging


def paginate(queryset: QuerySet, paging: Paging) -> tuple[list, int]:
    """The rows of one page and how many there are in all. A page past the
    end is empty, and costs no query for its rows."""
    total = queryset.count()
    if paging.offset >= total:
        return [], total
    return list(queryset[paging.offset : paging.offset + paging.per_page]), total


def page(contents: list, *, total: int, paging: Paging) -> dict:
    """The standard's Page envelope. `size` is the number of items on this
    page, as the standard describes it, not the page size asked for."""
    total_pages = math.ceil(total / paging.per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": paging.page,
        "size": len(contents),
        "first_page": paging.page == 1,
        "last_page": paging.page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
