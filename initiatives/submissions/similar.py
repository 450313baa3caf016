"""Initiatives that look like another: a similar title in or around the same
place. Trigram similarity on PostgreSQL (pg_trgm); shared words on SQLite."""

import re

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from communities.models import Place
from initiatives.models import TOP_LEVEL_DEPTH, Initiative, InitiativeOrganisation, InitiativePlace

MIN_SIMILARITY = 0.35
# Words too common in initiatives' names to mean two are alike.
COMMON_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "in",
        "on",
        "at",
        "to",
        "with",
        "by",
        "from",
        "our",
        "your",
        "community",
        "communities",
        "local",
        "project",
        "scheme",
        "group",
        "network",
        "initiative",
    ]
)


def significant_words(title: str) -> set[str]:
    return {
        word
        for word in re.findall(r"\w+", title.lower())
        if len(word) > 2 and word not in COMMON_WORDS
    }


def area_around(place: Place) -> Place:
    """Where to look: a neighbourhood's or town's larger place, so that
    "Hove" and "Brighton and Hove" are compared; a region stays itself."""
    if place.depth <= TOP_LEVEL_DEPTH:
        return place
    return Place.objects.get_parent(place) or place


def similar_initiatives(
    title: str, place: Place, *, organisations=(), exclude_pk=None, limit: int = 5
):
    """Published initiatives with a title like `title`, in or around `place`
    or involving one of `organisations`."""
    area = area_around(place)
    near = Exists(
        InitiativePlace.objects.filter(initiative=OuterRef("pk"), place__path__startswith=area.path)
    )
    if organisations:
        near |= Exists(
            InitiativeOrganisation.objects.filter(
                initiative=OuterRef("pk"), organisation__in=list(organisations)
            )
        )
    candidates = Initiative.objects.published().filter(near)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    if connection.vendor == "postgresql":
        return list(
            candidates.annotate(similarity=TrigramWordSimilarity(title, "title"))
            .filter(similarity__gte=MIN_SIMILARITY)
            .with_primary_place()
            .order_by("-similarity", "title")[:limit]
        )
    words = significant_words(title)
    if not words:
        return []

    match = Q()
    for word in words:
        match |= Q(title__icontains=word)
    found = list(candidates.filter(match).with_primary_place().order_by("-published_at")[:100])
    for initiative in found:
        shared = words & significant_words(initiative.title)
        initiative.similarity = len(shared) / len(words | significant_words(initiative.title))
    found = [i for i in found if i.similarity >= MIN_SIMILARITY / 2]
    found.sort(key=lambda i: (-i.similarity, i.title))
    return found[:limit]
