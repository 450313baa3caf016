"""Open Referral UK: reading the endpoints' query parameters (paging and
filters), each refused with a message for the client when it cannot be read.
The endpoints are in openreferral_views.py; the objects they answer with in
openreferral.py."""

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from communities.models import Place
from initiatives.opendata.openreferral import parse_uuid

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
# Beyond this many digits no page can exist, and a client's integer may overflow.
MAX_PAGE_DIGITS = 18
MAX_SEARCH_LENGTH = 200

_DIGITS_RE = re.compile(r"[0-9]+")
_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,220}")


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


NO_FILTERS = Filters()


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
