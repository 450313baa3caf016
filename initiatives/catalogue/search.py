"""Full-text search: PostgreSQL's where available, a plain match elsewhere.

On PostgreSQL each initiative has a stored search vector: its title weighted
above its summary, above its description, above the names of its places,
organisations and themes, in English stemming. Terms match as prefixes of
stemmed words, so "deliver" finds "food delivery" and "sol" finds "solar".
On SQLite an FTS5 table with the porter stemmer holds the same texts and is
ranked with the same weights (search_sqlite.py); where SQLite lacks FTS5, a
case-insensitive match over the same fields stands in.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, Exists, F, FloatField, OuterRef, Q, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

from initiatives.catalogue import search_sqlite
from initiatives.models import Initiative, InitiativeOrganisation, InitiativePlace

MAX_TERMS = 8
# Search ranks at most this many matches, the newest: a word that matches
# most of the map costs what a rarer one does. The list says so when a
# search reaches the bound.
CANDIDATES = 1000
MAX_TERM_LENGTH = 40
SEARCH_CONFIG = "english"

# The vector of one initiative from its texts; {title}, {summary}, {body} and
# {names} are SQL expressions (columns, or placeholders for a bulk insert).
VECTOR_SQL = (
    "setweight(to_tsvector('english', coalesce({title}, '')), 'A')"
    " || setweight(to_tsvector('english', coalesce({summary}, '')), 'B')"
    " || setweight(to_tsvector('english', coalesce({body}, '')), 'C')"
    " || setweight(to_tsvector('english', coalesce({names}, '')), 'D')"
)

# Every initiative's places, organisations and themes, as one text each, in
# name order: the same links always give the same vector (a restored backup's
# equals the original's).
_NAMES_SQL = """
SELECT x.initiative_id, string_agg(x.name, ' ' ORDER BY x.name) AS names FROM (
    SELECT ip.initiative_id, p.name FROM initiatives_initiativeplace ip
      JOIN communities_place p ON p.id = ip.place_id
    UNION ALL
    SELECT io.initiative_id, o.name FROM initiatives_initiativeorganisation io
      JOIN communities_organisation o ON o.id = io.organisation_id
    UNION ALL
    SELECT it.initiative_id, t.name FROM initiatives_initiative_themes it
      JOIN initiatives_theme t ON t.id = it.theme_id
) x {where} GROUP BY x.initiative_id
"""

_UPDATE_SQL = """
UPDATE initiatives_initiative AS i SET search_vector = {vector}
FROM initiatives_initiative AS j LEFT JOIN ({names}) n ON n.initiative_id = j.id
WHERE j.id = i.id {where}
"""


def uses_full_text():
    return connection.vendor == "postgresql"


def refresh_search_vectors(initiative_ids=None):
    """Recompute the stored vectors of these initiatives (all when None), in
    one set-based statement (on SQLite, their rows of the FTS5 table)."""
    if search_sqlite.available(connection):
        search_sqlite.refresh(connection, initiative_ids)
        return
    if not uses_full_text():
        return
    vector = VECTOR_SQL.format(
        title="i.title",
        summary="i.summary",
        body="i.description || ' ' || i.how_to_adapt",
        names="n.names",
    )
    params = []
    where_names = where_rows = ""
    if initiative_ids is not None:
        ids = list(initiative_ids)
        if not ids:
            return
        where_names, where_rows = "WHERE x.initiative_id = ANY(%s)", "AND j.id = ANY(%s)"
        params = [ids, ids]
    sql = _UPDATE_SQL.format(
        vector=vector, names=_NAMES_SQL.format(where=where_names), where=where_rows
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def search_terms(text):
    """The words of a query, lower-cased, without punctuation or operators."""
    words = re.findall(r"\w+", (text or "").lower())
    return [w[:MAX_TERM_LENGTH] for w in words if not w.isdigit() or len(w) > 1][:MAX_TERMS]


def search(queryset, text):
    """Filter `queryset` to matches of `text` (the CANDIDATES newest of them),
    annotated with a `rank`."""
    terms = search_terms(text)
    if not terms:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    if uses_full_text():
        query = SearchQuery(
            " & ".join(f"{term}:*" for term in terms), search_type="raw", config=SEARCH_CONFIG
        )
        matches = queryset.filter(search_vector=query)
        rank = SearchRank(F("search_vector"), query)
    elif search_sqlite.available(connection):
        matches = queryset.filter(search_sqlite.matching(terms))
        rank = search_sqlite.Rank(terms)
    else:
        matches = _plain_search(queryset, terms)
        rank = _plain_rank(terms)
    newest = matches.order_by("-published_at", "-pk").values("pk")[:CANDIDATES]
    return queryset.filter(pk__in=newest).annotate(rank=rank)


def _plain_search(queryset, terms):

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
    return queryset


def _plain_rank(terms):
    first = terms[0]
    return Case(
        When(title__icontains=first, then=Value(1.0)),
        When(summary__icontains=first, then=Value(0.5)),
        default=Value(0.1),
        output_field=FloatField(),
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
