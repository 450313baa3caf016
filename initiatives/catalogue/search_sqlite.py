"""Full-text search on SQLite: an FTS5 table with the porter stemmer.

`initiative_search_fts` (migration 0017) holds one row per initiative, its
rowid the initiative's id, with the same texts as PostgreSQL's vector: the
title, the summary, the description (with how to adapt it), and the names of
its places, themes and organisations. It holds every initiative, published or
not: the queryset being searched decides what may be seen. search.py asks
here; nothing else should.
"""

import functools
import logging
import sqlite3

from django.db.models import F, FloatField, Func, Q
from django.db.models.expressions import RawSQL

logger = logging.getLogger(__name__)

TOKENIZE = "porter unicode61 remove_diacritics 2"
# bm25's weight for each column, in the table's order: the same proportions
# as PostgreSQL's A, B, C and D (1, 0.4, 0.2, 0.1).
WEIGHTS = (10.0, 4.0, 2.0, 1.0, 1.0, 1.0)


# The names linked to initiative i, as one text in name order: the same links
# always give the same row, as on PostgreSQL.
_NAMES = """(SELECT group_concat(x.name, ' ') FROM (SELECT n.name FROM {link} l
    JOIN {table} n ON n.id = l.{column} WHERE l.initiative_id = i.id ORDER BY n.name) x)"""
_ROWS = """
INSERT INTO initiative_search_fts
    (rowid, title, summary, description, places, themes, organisations)
SELECT i.id, i.title, i.summary, i.description || ' ' || i.how_to_adapt,
    {places}, {themes}, {organisations}
FROM initiatives_initiative i"""
_ROWS_SQL = _ROWS.format(
    places=_NAMES.format(
        link="initiatives_initiativeplace", table="communities_place", column="place_id"
    ),
    themes=_NAMES.format(
        link="initiatives_initiative_themes", table="initiatives_theme", column="theme_id"
    ),
    organisations=_NAMES.format(
        link="initiatives_initiativeorganisation",
        table="communities_organisation",
        column="organisation_id",
    ),
)
_DELETE_SQL = "DELETE FROM initiative_search_fts"
# The ids as one JSON list: any number of them in one parameter.
_SOME = " WHERE {column} IN (SELECT value FROM json_each(%s))"
# (The weights are bm25's arguments after the table's name.)
_RANK = """(WITH fts_rank AS MATERIALIZED (
    SELECT rowid AS id, -bm25(initiative_search_fts, {weights}) AS score
    FROM initiative_search_fts WHERE initiative_search_fts MATCH %s)
  SELECT score FROM fts_rank WHERE fts_rank.id = {pk})"""
_RANK_SQL = _RANK.replace("{weights}", ", ".join(map(str, WEIGHTS)))
_MATCH_SQL = "SELECT rowid FROM initiative_search_fts WHERE initiative_search_fts MATCH %s"


def _probe() -> bool:
    """Whether this SQLite can make the table, asked of a throwaway database."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZE}')")
    except sqlite3.Error:
        return False
    finally:
        probe.close()
    return True


@functools.cache
def _fts5_compiled() -> bool:
    """Asked once a process: without FTS5, search says so once and matches plainly."""
    if _probe():
        return True
    logger.warning("This SQLite has no FTS5: search falls back to plain matching.")
    return False


def available(connection) -> bool:
    return connection.vendor == "sqlite" and _fts5_compiled()


def refresh(connection, initiative_ids=None) -> None:
    """Rewrite the rows of these initiatives (all when None): those deleted
    since lose theirs."""
    if initiative_ids is None:
        where, params = "", []
    else:
        ids = [int(pk) for pk in initiative_ids]
        if not ids:
            return
        where, params = _SOME, [str(ids)]
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_SQL + where.format(column="rowid"), params)
        cursor.execute(_ROWS_SQL + where.format(column="i.id"), params)


def match_expression(terms) -> str:
    """An FTS5 query of `terms` (words from search.search_terms) that FTS5
    cannot read as its own syntax: each term in double quotes (which \\w+
    words never contain), so AND, NEAR or a bare * are only words. Every term
    must match, as a prefix of a stemmed word, like PostgreSQL's `term:*`:
    "farms" finds "solar farm", "sol" finds "solar"."""
    # The tokenizer splits on "_" anyway. Terms of nothing but "_" leave an
    # empty phrase, which FTS5 reads and matches with nothing.
    words = [term.replace("_", " ").strip() for term in terms]
    return " AND ".join(f'"{word}"*' for word in words if word) or '""'


def matching(terms) -> Q:
    """Initiatives whose row matches `terms` (one subquery, not correlated)."""
    return Q(pk__in=RawSQL(_MATCH_SQL, [match_expression(terms)]))  # noqa: S611


class Rank(Func):
    """bm25 of an initiative's row for `terms`, negated so that a higher rank
    is a better match (as SearchRank's). Each match is ranked once per query,
    in a materialised CTE looked up by id, rather than once per row."""

    output_field = FloatField()

    def __init__(self, terms, **extra):
        super().__init__(F("pk"), match=match_expression(terms), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        return _RANK_SQL.format(pk=pk_sql), (self.extra["match"], *pk_params)
