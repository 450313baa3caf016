"""Full-text search: PostgreSQL's where available, a plain match elsewhere.

On PostgreSQL each initiative has a stored search vector: its title weighted
above its summary, above its description, above the names of its places,
organisations and themes, in English stemming. Terms match as prefixes of
stemmed words, so "deliver" finds "food delivery" and "sol" finds "solar".
On SQLite a case-insensitive match over the same fields stands in.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

MAX_TERMS = 8
MAX_TERM_LENGTH = 40
SEARCH_CONFIG = "english"

_VECTOR_SQL = """
UPDATE initiatives_initiative AS i SET search_vector =
    setweight(to_tsvector('english', coalesce(i.title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(i.summary, '')), 'B')
    || setweight(to_tsvector('english', coalesce(i.description, '') || ' '
                                       || coalesce(i.how_to_adapt, '')), 'C')
    || setweight(to_tsvector('english', concat_ws(' ',
        (SELECT string_agg(p.name, ' ') FROM initiatives_initiativeplace ip
           JOIN communities_place p ON p.id = ip.place_id WHERE ip.initiative_id = i.id),
        (SELECT string_agg(o.name, ' ') FROM initiatives_initiativeorganisation io
           JOIN communities_organisation o ON o.id = io.organisation_id
           WHERE io.initiative_id = i.id),
        (SELECT string_agg(t.name, ' ') FROM initiatives_initiative_themes it
           JOIN initiatives_theme t ON t.id = it.theme_id WHERE it.initiative_id = i.id)
    )), 'D')
"""


def uses_full_text():
    return connection.vendor == "postgresql"


def refresh_search_vectors(initiative_ids=None):
    """Recompute the stored vectors of these initiatives (all when None)."""
    if not uses_full_text():
        return
    with connection.cursor() as cursor:
        if initiative_ids is None:
            cursor.execute(_VECTOR_SQL)
        else:
            ids = list(initiative_ids)
            if ids:
                cursor.execute(_VECTOR_SQL + " WHERE i.id = ANY(%s)", [ids])


def search_terms(text):
    """The words of a query, lower-cased, without punctuation or operators."""
    words = re.findall(r"\w+", (text or "").lower())
    return [w[:MAX_TERM_LENGTH] for w in words if not w.isdigit() or len(w) > 1][:MAX_TERMS]


def search(queryset, text):
    """Filter `queryset` to matches of `text`, annotated with a `rank`."""
    terms = search_terms(text)
    if not terms:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    if uses_full_text():
        query = SearchQuery(
            " & ".join(f"{term}:*" for term in terms), search_type="raw", config=SEARCH_CONFIG
        )
        return queryset.filter(search_vector=query).annotate(
            rank=SearchRank(F("search_vector"), query)
        )
    return _plain_search(queryset, terms)


def _plain_search(queryset, terms):
    from .models import Initiative, InitiativeOrganisation, InitiativePlace

    through = Initiative.themes.through
    for term in terms:
        queryset = queryset.filter(
            Q(title__icontains=term)
            | Q(summary__icontains=term)
            | Q(description__icontains=term)
            | Q(how_to_adapt__icontains=term)
            | Exists(
                InitiativePlace.objects.filter(
                    initiative=OuterRef("pk"), place__name__icontains=term
                )
            )
            | Exists(
                InitiativeOrganisation.objects.filter(
                    initiative=OuterRef("pk"), organisation__name__icontains=term
                )
            )
            | Exists(through.objects.filter(initiative=OuterRef("pk"), theme__name__icontains=term))
        )
    first = terms[0]
    return queryset.annotate(
        rank=Case(
            When(title__icontains=first, then=Value(1.0)),
            When(summary__icontains=first, then=Value(0.5)),
            default=Value(0.1),
            output_field=FloatField(),
        )
    )


_SUFFIXES = ("ies", "ing", "es", "ed", "s", "y", "e")


def _stem(term):
    for suffix in _SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 3:
            return term[: -len(suffix)]
    return term


def highlight(text, query):
    """`text`, escaped, with words that match the query wrapped in <mark>."""
    terms = search_terms(query)
    if not terms or not text:
        return escape(text or "")
    stems = sorted({re.escape(_stem(t)) for t in terms}, key=len, reverse=True)
    pattern = re.compile(rf"\b(?:{'|'.join(stems)})\w*", re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))
