"""What is public, decided in one place.

Every public output (the pages, the templates, the CSV export, the API, Open
Referral, GeoJSON, the feeds, the sitemap, robots.txt and the page cache)
asks this module what it may show, rather than writing its own filter on
`moderation_state` or `is_public`, or its own check of a consent.

It imports models only (an import-linter contract says so), so that any
module, however low, may ask it. Two rules stay on the model because
querysets and instances need them before anything else is imported
(`Initiative.objects.published()` and `Initiative.is_public`); this module
is where the rest of the code asks for them.
"""

from django.db.models import Count, Q, QuerySet

from communities.models import Organisation, Place, PlaceBoundary
from initiatives.models import (
    Collection,
    CollectionItem,
    Initiative,
    InitiativeImage,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeSource,
    Theme,
)

# Initiatives.


def published_initiatives() -> QuerySet[Initiative]:
    """What the public may see. Every public page, feed and export starts here."""
    return Initiative.objects.published()


def is_published(initiative: Initiative) -> bool:
    return initiative.is_public


def published_links(model) -> QuerySet:
    """The rows of a link model (InitiativePlace, InitiativeOrganisation,
    CollectionItem...) whose initiative is published."""
    return model.objects.filter(initiative__in=published_initiatives())


# How many featured initiatives the home page shows.
FEATURED_ON_HOME = 6


def featured_initiatives() -> QuerySet[Initiative]:
    return published_initiatives().filter(featured=True)


# What of an initiative the public may see.


def public_contact(initiative: Initiative) -> dict | None:
    """The contact point, only when the contact agreed to be shown: {name,
    email, phone}, or None."""
    if not initiative.contact_consent:
        return None
    contact = {
        "name": initiative.contact_name,
        "email": initiative.contact_email,
        "phone": initiative.contact_phone,
    }
    return contact if any(contact.values()) else None


def public_credit(initiative: Initiative) -> Organisation | str | None:
    """Who the public sees as the submitter: the organisation it was
    submitted for, or the person's chosen name if they chose to be credited
    (their account and address, never)."""
    if initiative.on_behalf_of_id:
        return initiative.on_behalf_of
    if initiative.credit_submitter and initiative.submitted_by_id and initiative.credit_name:
        return initiative.credit_name
    return None


# Collections.


def public_collections() -> QuerySet[Collection]:
    return Collection.objects.filter(is_public=True)


def public_collections_with_counts() -> QuerySet[Collection]:
    """Public collections, each with `n`: how many of its initiatives are published."""
    return public_collections().annotate(
        n=Count("items", filter=Q(items__initiative__in=published_initiatives()))
    )


def is_public_collection(collection: Collection) -> bool:
    return collection.is_public


def public_collection_items() -> QuerySet[CollectionItem]:
    """Collection items whose initiative is published: an item stays in its
    collection when its initiative is unpublished, but no public page shows it."""
    return published_links(CollectionItem)


# The public fields of each output, side by side. Each output builds its rows
# from its list, so that what one output shows and another hides is seen here.

# The API's initiative (opendata/api/serializers.py, InitiativeSerializer).
API_FIELDS = (
    "id",
    "slug",
    "title",
    "summary",
    "description",
    "how_to_adapt",
    "activity_status",
    "start_date",
    "end_date",
    "website",
    "latitude",
    "longitude",
    "location_is_place_centre",
    "served_area",  # a GeoJSON Polygon or MultiPolygon, or null
    "deprivation_decile",  # 1 = the most deprived 10% of its nation's neighbourhoods
    "deprivation_index",  # the name and year of that nation's index
    "places",
    "organisations",
    "themes",
    "images",
    "sources",
    "contact",  # public_contact()
    "credit",  # public_credit()
    "featured",
    "url",
    "published_at",
    "updated_at",
)

# The CSV export's columns, in order (opendata/exports.py).
CSV_COLUMNS = (
    "id",
    "slug",
    "title",
    "summary",
    "description",
    "how_to_adapt",
    "activity_status",
    "start_date",
    "end_date",
    "themes",
    "theme_names",
    "places",
    "place_names",
    "primary_place_gss_code",
    "organisations",
    "organisation_names",
    "latitude",
    "longitude",
    "website",
    "contact_name",  # public_contact()
    "contact_email",  # public_contact()
    "contact_phone",  # public_contact()
    "credit",  # public_credit()
    "sources",
    "url",
    "published_at",
    "updated_at",
    "licence",
)

# What Open Referral reads of an initiative (opendata/openreferral_queries.py):
# the contact's name and email go out only through public_contact().
OPENREFERRAL_FIELDS = (
    "uuid",
    "slug",
    "title",
    "summary",
    "description",
    "website",
    "activity_status",
    "contact_name",
    "contact_email",
    "contact_phone",
    "contact_consent",
    "latitude",
    "longitude",
    "location_is_place_centre",
    "served_area",
    "updated_at",
    "published_at",
)

# A map point's properties (browse/geo.py); its id is the slug.
GEOJSON_PROPERTIES = ("title", "summary", "url", "place")
# And, for an initiative with a served area, a link to it (never the area
# itself: the map's payload stays the size it is).
GEOJSON_AREA_PROPERTY = "served_area_url"


def published_area(initiative: Initiative) -> dict | None:
    """The area an initiative serves, for the public: a published one's only."""
    return initiative.served_area if is_published(initiative) else None


# What a feed reads of an initiative (opendata/feeds.py).
FEED_FIELDS = ("title", "slug", "summary", "published_at", "updated_at")


# Paths. Two lists for two purposes: a page may be cached and still be kept
# from crawlers (the API, the exports), and the other way round.

# Pages never stored in the page cache (ops/caching.py): private pages, or
# pages that hold a form for a person. The admin, whose address is a setting,
# and every /report/ page are never cached either.
NEVER_CACHED = (
    "/account/",
    "/moderation/",
    "/curation/",
    "/alerts/",
    "/initiatives/submit/",
)

# What robots.txt asks crawlers to leave alone (browse/views/site.py): the
# private pages, and the cached public data that only leads to the same
# content again (the API, embeds, Open Referral, the CSV export). The admin
# is added from its setting.
NOT_FOR_CRAWLERS = (
    "/account/",
    "/moderation/",
    "/curation/",
    "/initiatives/submit/",
    "/api/",
    "/embed/",
    "/alerts/",
    "/openreferral/",
    "/initiatives/export.csv",
)


# The models whose change changes what the public pages show: saving or
# deleting any of them moves the cached pages' version on (ops/caching.py).
PUBLIC_MODELS = (
    Initiative,
    InitiativePlace,
    InitiativeOrganisation,
    InitiativeImage,
    InitiativeSource,
    Theme,
    Place,
    PlaceBoundary,
    Organisation,
    Collection,
    CollectionItem,
)

# The many-to-many links the public pages show, changed without a save.
PUBLIC_LINKS = (
    Initiative.themes.through,
    Organisation.places.through,
)
