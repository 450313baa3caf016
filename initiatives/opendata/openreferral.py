"""Open Referral UK: the published initiatives as a directory of services, in
the UK profile of the Human Services Data Specification (HSDS) 3.0.

Here are the querysets the endpoints read, the reading of their parameters,
the paging, and the shape of every object they answer with. The views
(initiatives/opendata/openreferral_views.py) only glue these together.
docs/openreferral.md says which of our fields becomes which of theirs, and why
the others do not.

The schemas give every optional field a plain type (a string, never null), so
a field we have no value for is left out rather than sent as null.
"""

import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.encoding import iri_to_uri, punycode
from django.utils.translation import gettext as _

from communities.models import Organisation, Place
from initiatives.catalogue.search import search as search_initiatives
from initiatives.models import (
    ActivityStatus,
    Initiative,
    InitiativeOrganisation,
    InitiativePlace,
    Theme,
)

HSDS_VERSION = "3.0"
PROFILE_URL = "https://openreferraluk.org/"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"

# What has no uuid of its own gets a uuid5 name: under its owner's uuid when
# it belongs to one (an initiative's service areas, say), under this fixed
# namespace otherwise (our one taxonomy). The same data always gives the same ids.
NAMESPACE = uuid.UUID("ebc7024c-ae5b-4728-89f3-6970090da609")
TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy:themes")

# A service has at most one service_at_location: its map pin. That id is the
# service's id with its lowest 48 bits (the node field) XORed with this mask,
# which keeps the version and variant bits; XORing again gives the service's
# id back, so the id leads to its initiative without a column of its own.
SERVICE_AT_LOCATION_MASK = 0xC6D5CDC3EE91

ONS_GEOGRAPHY_URI = "http://statistics.data.gov.uk/id/statistical-geography/{}"

SERVICE_STATUS = {
    ActivityStatus.ACTIVE: "active",
    ActivityStatus.PLANNED: "inactive",
    ActivityStatus.PAUSED: "temporarily closed",
    ActivityStatus.ENDED: "defunct",
}
# Who provides the service when no organisation leads it: the first by role
# in this order, then by name.
ROLE_ORDER = {role: position for position, role in enumerate(InitiativeOrganisation.Role.values)}

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
# Beyond this many digits no page can exist, and a client's integer may overflow.
MAX_PAGE_DIGITS = 18
MAX_SEARCH_LENGTH = 200

_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_DIGITS_RE = re.compile(r"[0-9]+")
_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,220}")

# Absolute: turns a path of the site into an absolute URL (the request's
# build_absolute_uri), so that the mapping needs no request of its own.
Absolute = Callable[[str], str]


# Identifiers


def derived_id(owner: uuid.UUID, kind: str, other: uuid.UUID | None = None) -> uuid.UUID:
    """The id of something `owner` has that has no uuid of its own."""
    return uuid.uuid5(owner, kind if other is None else f"{kind}:{other}")


def flip_service_at_location_id(value: uuid.UUID) -> uuid.UUID:
    """A service's id to its service_at_location's, and back again."""
    return uuid.UUID(int=value.int ^ SERVICE_AT_LOCATION_MASK)


def parse_uuid(value: str) -> uuid.UUID | None:
    """`value` as a UUID, written the usual way (8-4-4-4-12 hex digits), or None."""
    if not _UUID_RE.fullmatch(value or ""):
        return None
    return uuid.UUID(value)


# Parameters


class InvalidParameter(ValueError):
    """A query parameter that cannot be read; the message tells the client why."""


@dataclass(frozen=True)
class Paging:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class Filters:
    search: str = ""
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime | None = None
    place: Place | None = None


def _text(query: Mapping[str, str], name: str) -> str:
    """A parameter's value; an empty value counts as none given."""
    value = (query.get(name) or "").strip()
    if "\x00" in value:
        raise InvalidParameter(_("“%(name)s” cannot contain NUL characters.") % {"name": name})
    return value


def _whole_number(query, name, *, default, maximum=None):
    value = _text(query, name)
    if not value:
        return default
    if maximum is None:
        message = _("“%(name)s” must be a whole number, 1 or more.")
    else:
        message = _("“%(name)s” must be a whole number from 1 to %(maximum)d.")
    if not _DIGITS_RE.fullmatch(value):
        raise InvalidParameter(message % {"name": name, "maximum": maximum})
    if len(value.lstrip("0")) > MAX_PAGE_DIGITS:
        raise InvalidParameter(_("“%(name)s” is too large.") % {"name": name})
    number = int(value)
    if number < 1 or (maximum is not None and number > maximum):
        raise InvalidParameter(message % {"name": name, "maximum": maximum})
    return number


def parse_paging(query: Mapping[str, str]) -> Paging:
    """`page` (from 1) and `per_page` (1 to MAX_PER_PAGE)."""
    return Paging(
        page=_whole_number(query, "page", default=1),
        per_page=_whole_number(query, "per_page", default=DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE),
    )


def _uuid_parameter(query, name):
    value = _text(query, name)
    if not value:
        return None
    parsed = parse_uuid(value)
    if parsed is None:
        raise InvalidParameter(
            _("“%(name)s” must be an id such as %(example)s.")
            % {"name": name, "example": "ac148810-d857-441c-9679-408f346de14b"}
        )
    return parsed


def _moment(query, name):
    """An ISO 8601 date or date and time; without an offset it is UTC."""
    value = _text(query, name)
    if not value:
        return None
    message = _(
        "“%(name)s” must be an ISO 8601 date or date and time, such as 2024-05-01 or "
        "2024-05-01T09:30:00Z (write a “+” in an offset as %%2B)."
    ) % {"name": name}
    try:
        moment = parse_datetime(value)
    except ValueError:
        raise InvalidParameter(message) from None
    if moment is None:
        raise InvalidParameter(message)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidParameter(message) from None


def _search(query, name="search"):
    value = _text(query, name)
    if len(value) > MAX_SEARCH_LENGTH:
        raise InvalidParameter(
            _("“%(name)s” can be at most %(maximum)d characters long.")
            % {"name": name, "maximum": MAX_SEARCH_LENGTH}
        )
    return value


def _place(query, name="place"):
    """Our extension: a place's slug, for everything in it and under it."""
    value = _text(query, name)
    if not value:
        return None
    place = None
    if _SLUG_RE.fullmatch(value):
        place = Place.objects.filter(slug=value).only("path", "slug").first()
    if place is None:
        raise InvalidParameter(
            _("There is no place “%(slug)s”: give the slug of a place, as in its page's address.")
            % {"slug": value[:MAX_SEARCH_LENGTH]}
        )
    return place


def parse_service_filters(query: Mapping[str, str]) -> Filters:
    """The filters of /services and /service_at_locations."""
    return Filters(
        search=_search(query),
        taxonomy_term_id=_uuid_parameter(query, "taxonomy_term_id"),
        taxonomy_id=_uuid_parameter(query, "taxonomy_id"),
        organization_id=_uuid_parameter(query, "organization_id"),
        modified_after=_moment(query, "modified_after"),
        place=_place(query),
    )


def parse_organization_filters(query: Mapping[str, str]) -> Filters:
    """The filters of /organizations: its name, its last change, and where it takes part."""
    return Filters(
        search=_search(query),
        modified_after=_moment(query, "modified_after"),
        place=_place(query),
    )


# Querysets

INITIATIVE_FIELDS = (
    "uuid",
    "slug",
    "title",
    "summary",
    "description",
    "website",
    "activity_status",
    "contact_name",
    "contact_email",
    "contact_consent",
    "latitude",
    "longitude",
    "location_is_place_centre",
    "updated_at",
    "published_at",
)
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
        Initiative.objects.published()
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


def organizations(filters: Filters = Filters()) -> QuerySet:
    """The organisations that take part in a published initiative (in the
    place, when one is given), by name."""
    initiatives = Initiative.objects.published()
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


# Mapping


def _uri(url: str) -> str:
    """A web address as the schemas' `uri` format wants it: ASCII, with an
    international domain name in Punycode and the rest percent-encoded."""
    try:
        parts = urlsplit(url)
        userinfo, at, host = parts.netloc.rpartition("@")
        host, colon, port = host.partition(":")
        if not host.isascii():
            parts = parts._replace(netloc=f"{userinfo}{at}{punycode(host)}{colon}{port}")
        url = urlunsplit(parts)
    except (ValueError, UnicodeError):
        pass  # Percent-encoded as it is, it is still a valid URI.
    return iri_to_uri(url)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def index() -> dict:
    return {"version": HSDS_VERSION, "profile": PROFILE_URL, "openapi_url": OPENAPI_URL}


def organization(organisation: Organisation, absolute: Absolute) -> dict:
    data = {
        "id": str(organisation.uuid),
        "name": organisation.name,
        "description": organisation.description,
        "uri": absolute(organisation.get_absolute_url()),
    }
    if organisation.website:
        data["website"] = _uri(organisation.website)
    if organisation.logo:
        data["logo"] = _uri(absolute(organisation.logo.url))
    return data


def provider(initiative: Initiative) -> Organisation | None:
    """The organisation that provides the service: the lead, else the first
    involved by role and name."""
    links = sorted(
        initiative.initiative_organisations.all(),
        key=lambda link: (ROLE_ORDER[link.role], link.organisation.name, link.organisation.pk),
    )
    return links[0].organisation if links else None


def service(initiative: Initiative, absolute: Absolute, *, full: bool = False) -> dict:
    """The initiative as a service: its one-to-one fields for a list, with
    everything related when `full`."""
    data = {
        "id": str(initiative.uuid),
        "name": initiative.title,
        "description": "\n\n".join(
            text for text in (initiative.summary, initiative.description) if text
        ),
        "url": _uri(initiative.website)
        if initiative.website
        else absolute(initiative.get_absolute_url()),
        "status": SERVICE_STATUS[initiative.activity_status],
        "last_modified": _iso(initiative.updated_at),
    }
    if initiative.contact_consent and initiative.contact_email:
        data["email"] = initiative.contact_email
    organisation = provider(initiative)
    if organisation is not None:
        data["organization_id"] = str(organisation.uuid)
        data["organization"] = organization(organisation, absolute)
    if full:
        location = service_at_location(initiative, absolute, with_service=False)
        data |= {
            "service_areas": service_areas(initiative, absolute),
            "service_at_locations": [] if location is None else [location],
            "funding": funding(initiative),
            "contacts": contacts(initiative),
            "attributes": attributes(initiative, absolute),
        }
    return data


def service_areas(initiative: Initiative, absolute: Absolute) -> list[dict]:
    """One area per place served, named by the ONS code's URI where it has one."""
    return [
        {
            "id": str(derived_id(initiative.uuid, "service_area", link.place.uuid)),
            "service_id": str(initiative.uuid),
            "name": link.place.name,
            "service_area": link.place.name,
            "uri": ONS_GEOGRAPHY_URI.format(link.place.gss_code)
            if link.place.gss_code
            else absolute(link.place.get_absolute_url()),
        }
        for link in initiative.initiative_places.all()
    ]


def _primary_place(initiative):
    return next(
        (link.place for link in initiative.initiative_places.all() if link.is_primary), None
    )


def location(initiative: Initiative) -> dict | None:
    """Where the map pin is. We hold no postal address, so there are no
    addresses: the schema's address needs a street and a postcode."""
    if initiative.latitude is None or initiative.longitude is None:
        return None
    place = _primary_place(initiative)
    name = place.name if place is not None else initiative.title
    if initiative.location_is_place_centre:
        description = _(
            "The centre of %(place)s, which the map shows when no exact point was given. "
            "It is not an address."
        ) % {"place": name}
    else:
        description = _("The point on the map given for %(title)s. It is not an address.") % {
            "title": initiative.title
        }
    return {
        "id": str(derived_id(initiative.uuid, "location")),
        "location_type": "physical",
        "name": name,
        "description": description,
        "latitude": initiative.latitude,
        "longitude": initiative.longitude,
    }


def service_at_location(
    initiative: Initiative, absolute: Absolute, *, with_service: bool = True, full: bool = False
) -> dict | None:
    """The service at its map pin, if it has one. Inside a service it leaves
    the service out; on its own it carries it (in full when `full`)."""
    where = location(initiative)
    if where is None:
        return None
    data = {
        "id": str(flip_service_at_location_id(initiative.uuid)),
        "service_id": str(initiative.uuid),
        "location_id": where["id"],
        "location": where,
    }
    if with_service:
        served = service(initiative, absolute, full=full)
        # The service at this location is this one: the standard's compiled
        # schema has no service_at_locations inside it.
        served.pop("service_at_locations", None)
        data["service"] = served
    return data


def funding(initiative: Initiative) -> list[dict]:
    funders = sorted(
        (
            link.organisation
            for link in initiative.initiative_organisations.all()
            if link.role == InitiativeOrganisation.Role.FUNDER
        ),
        key=lambda organisation: (organisation.name, organisation.pk),
    )
    return [
        {
            "id": str(derived_id(initiative.uuid, "funding", organisation.uuid)),
            "service_id": str(initiative.uuid),
            "source": organisation.name,
        }
        for organisation in funders
    ]


def contacts(initiative: Initiative) -> list[dict]:
    """The public contact, only when they agreed to be shown. The profile's
    contact has no email or phone: the email is the service's."""
    if not (initiative.contact_consent and initiative.contact_name):
        return []
    return [
        {
            "id": str(derived_id(initiative.uuid, "contact")),
            "service_id": str(initiative.uuid),
            "name": initiative.contact_name,
        }
    ]


def attributes(initiative: Initiative, absolute: Absolute) -> list[dict]:
    """One attribute per theme, each with its taxonomy term."""
    return [
        {
            "id": str(derived_id(initiative.uuid, "attribute", theme.uuid)),
            "link_id": str(initiative.uuid),
            "link_type": "service",
            "taxonomy_term_id": str(theme.uuid),
            "taxonomy_term": taxonomy_term(theme, absolute),
        }
        for theme in initiative.themes.all()
    ]


def _taxonomy_name():
    return _("%(site)s themes") % {"site": settings.SITE_NAME}


def taxonomy_term(theme: Theme, absolute: Absolute) -> dict:
    data = {
        "id": str(theme.uuid),
        "name": theme.name,
        "description": theme.description or theme.name,
        "taxonomy": _taxonomy_name(),
        "taxonomy_id": str(TAXONOMY_ID),
        "term_uri": absolute(theme.get_absolute_url()),
        "term": theme.name,
    }
    if theme.parent_id is not None:
        data["parent_id"] = str(theme.parent.uuid)
    return data


def taxonomy(absolute: Absolute, terms: list[Theme] | None = None) -> dict:
    """Our one taxonomy, the themes; with its terms when given them."""
    data = {
        "id": str(TAXONOMY_ID),
        "name": _taxonomy_name(),
        "description": _(
            "What community initiatives are about: themes, some with sub-themes, "
            "as %(site)s groups them."
        )
        % {"site": settings.SITE_NAME},
        "uri": absolute(reverse("initiatives:theme-index")),
    }
    if terms is not None:
        data["taxonomy_terms"] = [taxonomy_term(theme, absolute) for theme in terms]
    return data
