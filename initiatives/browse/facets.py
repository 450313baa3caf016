"""The facet counts beside the list: how many results each theme and each
place below the current one would give under the other filters."""

from django.db import connection
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from initiatives.models import Initiative, branch_counts


def theme_facets(filterset, queryset):
    """{theme id: the number of results it gives under the other filters}.

    Choosing a top-level theme includes its sub-themes, so its count is of
    initiatives tagged with it or with any of them.
    """
    base = filterset.filter_queryset_without(queryset, "theme").values("pk")
    counts = {}
    for rows in theme_counts(base):
        counts.update(rows)
    return counts


def theme_counts(ids):
    """Two grouped queries of (theme id, count) for the initiatives whose
    ids `ids` gives: by the theme itself, and by its top-level theme."""
    links = Initiative.themes.through.objects.filter(initiative__in=ids)
    by_theme = links.values_list("theme_id").annotate(n=Count("initiative_id", distinct=True))
    rolled_up = (
        links.annotate(top=Coalesce("theme__parent_id", "theme_id"))
        .values_list("top")
        .annotate(n=Count("initiative_id", distinct=True))
    )
    return by_theme, rolled_up


def place_facets(filterset, queryset, current):
    """{materialised path: the number of results under the other filters} for
    the places one level below `current` (see InitiativeQuerySet.counts_below)."""
    return filterset.filter_queryset_without(queryset, "place").counts_below(current)


def search_counts(filterset, queryset, current):
    """For a search on PostgreSQL: the number of results, the theme facets
    and the place facets (as theme_facets and place_facets give them), in
    one statement that reads each set of candidates once.

    Counted separately, each of the five counts would search again; here
    each distinct set of candidates (the results; those without the theme
    filter; those without the place filter) is a materialised CTE.
    """
    names, ctes = {}, []

    def candidates(*skip):
        """The name of the CTE of the results without the `skip` filters."""
        results = filterset.filter_queryset_without(queryset, *skip).values("pk")
        sql, params = results.query.sql_with_params()
        key = (sql, tuple(params))
        if key not in names:
            names[key] = f"candidates_{len(names)}"
            ctes.append((f"{names[key]} AS MATERIALIZED ({sql})", params))
        return names[key]

    def ids(*skip):
        return RawSQL(f"SELECT pk FROM {candidates(*skip)}", ())  # noqa: S608, S611 (our own name)

    parts = [(f"SELECT 0, '', COUNT(*) FROM {candidates()}", [])]  # noqa: S608
    for kind, rows in enumerate(theme_counts(ids("theme")), start=1):
        parts.append(_counted(kind, rows))
    parts.append(_counted(3, branch_counts(ids("place"), current)))
    sql = "WITH {} {}".format(
        ", ".join(cte for cte, _ in ctes), " UNION ALL ".join(part for part, _ in parts)
    )
    params = [p for _, cte_params in ctes for p in cte_params]
    params += [p for _, part_params in parts for p in part_params]
    total, themes, branches = 0, {}, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, key, n in cursor.fetchall():
            if kind == 0:
                total = n
            elif kind in (1, 2):
                themes[int(key)] = n
            else:
                branches[key] = n
    return total, themes, branches


def _counted(kind, rows):
    """A grouped (key, count) queryset as `SELECT kind, key as text, count`."""
    sql, params = rows.query.sql_with_params()
    return f"SELECT {kind}, CAST(q.k AS text), q.n FROM ({sql}) AS q(k, n)", list(params)  # noqa: S608
