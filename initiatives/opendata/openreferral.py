"""Open Referral UK: the published initiatives as a directory of services, in
the UK profile of the Human Services Data Specification (HSDS) 3.0.

Here are the ids and the shape of every object the endpoints answer with;
the reading of their parameters is in openreferral_params.py, the querysets
and the paging in openreferral_queries.py, and the views
(openreferral_views.py) only glue these together.
docs/openreferral.md says which of our fields becomes which of theirs, and why
the others do not.

The schemas give every optional field a plain type (a string, never null), so
a field we have no value for is left out rather than sent as null.
"""

import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.urls import reverse
from django.utils.encoding import iri_to_uri, punycode
from django.utils.translation import gettext as _

from communities.models import Organisation
from initiatives import public
from initiatives.models import ActivityStatus, Initiative, InitiativeOrganisation, Theme

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

# Absolute: turns a path of the site into an absolute URL (the request's
# build_absolute_uri), so that the mapping needs no request of its own.
Absolute = Callable[[str], str]


_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


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


def iso_date(moment: datetime) -> str:
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
        "last_modified": iso_date(initiative.updated_at),
    }
    contact = public.public_contact(initiative) or {}
    if contact.get("email"):
        data["email"] = contact["email"]
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
    """One area per place served, named by the ONS code's URI where it has
    one; and the area it serves, when it names one, as a GeoJSON extent."""
    return [*_place_areas(initiative, absolute), *_drawn_area(initiative, absolute)]


def _drawn_area(initiative: Initiative, absolute: Absolute) -> list[dict]:
    area = public.published_area(initiative)
    if not area:
        return []
    name = _("The area %(title)s serves") % {"title": initiative.title}
    return [
        {
            "id": str(derived_id(initiative.uuid, "served_area")),
            "service_id": str(initiative.uuid),
            "name": name,
            "service_area": name,
            "extent": json.dumps(area, separators=(",", ":")),
            "extent_type": "geojson",
            "uri": absolute(reverse("initiatives:area-geojson", args=[initiative.slug])),
        }
    ]


def _place_areas(initiative: Initiative, absolute: Absolute) -> list[dict]:
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
    contact = public.public_contact(initiative) or {}
    if not contact.get("name"):
        return []
    return [
        {
            "id": str(derived_id(initiative.uuid, "contact")),
            "service_id": str(initiative.uuid),
            "name": contact["name"],
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
