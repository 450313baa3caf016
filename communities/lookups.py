"""Finding places and organisations by the names people type."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from communities.models import Organisation, Place

PLACE_LIST_LIMIT = 5000


def place_label(place: Place, parent_name: str | None) -> str:
    """How a place appears in the type-ahead list: its name and the larger
    place it is in, which tells apart places with the same name."""
    return f"{place.name}, {parent_name}" if parent_name else place.name


def place_choices(limit: int = PLACE_LIST_LIMIT) -> list[tuple[str, Place]]:
    """(label, place) for the type-ahead list, in tree order, in one query."""
    places = list(Place.objects.only("name", "path", "depth", "latitude", "longitude")[:limit])
    names = {p.path: p.name for p in places}
    return [(place_label(p, names.get(p.path[: -Place.steplen])), p) for p in places]


def resolve_place(text: str) -> Place:
    """The place a typed label names ("Name" or "Name, Larger place")."""
    text = " ".join(text.split())
    name, _sep, parent_name = text.partition(", ")
    # No name holds a NUL, and PostgreSQL refuses one in a query.
    searchable = "\x00" not in text
    matches = list(Place.objects.filter(name__iexact=name)[:20]) if searchable else []
    if parent_name and len(matches) > 1:
        parents = {
            p.path: p.name
            for p in Place.objects.filter(path__in=[m.path[: -Place.steplen] for m in matches])
        }
        matches = [
            m
            for m in matches
            if parents.get(m.path[: -Place.steplen], "").lower() == parent_name.lower()
        ]
    if not matches and parent_name and searchable:
        # A name that itself holds ", " (rare): try the whole text.
        matches = list(Place.objects.filter(name__iexact=text)[:2])
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError(
            _(
                "We do not know a place called “%(name)s”. Choose one from the list, or tick "
                "the box below to propose it as a new place."
            ),
            code="unknown_place",
            params={"name": text},
        )
    raise ValidationError(
        _(
            "Several places are called “%(name)s”. Choose one from the list: it names the "
            "larger place too."
        ),
        code="ambiguous_place",
        params={"name": text},
    )


def resolve_organisation(name: str) -> Organisation:
    name = " ".join(name.split())
    matches = list(Organisation.objects.filter(name__iexact=name)[:2]) if "\x00" not in name else []
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError(
            _(
                "We do not know an organisation called “%(name)s”. Choose one from the list, "
                "or tick “propose it as a new organisation”."
            ),
            code="unknown_organisation",
            params={"name": name},
        )
    raise ValidationError(
        _("Several organisations are called “%(name)s”: please ask us to tell them apart."),
        code="ambiguous_organisation",
        params={"name": name},
    )
