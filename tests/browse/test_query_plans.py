"""On PostgreSQL, the list's filters and search are answered through
indexes, read from the plans that EXPLAIN gives for the list's own queries;
and a search's count and facets come from one statement.

The data is small, so the planner is told not to scan whole tables when an
index can do: a filter that has no usable index then still shows a
sequential scan of the big tables, and the test fails.
"""

from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from communities.models import Place
from initiatives.browse.facets import place_facets, search_counts, theme_facets
from initiatives.browse.filters import InitiativeFilter
from initiatives.models import Initiative, Theme

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BIG_TABLES = (
    "initiatives_initiative",
    "initiatives_initiativeplace",
    "initiatives_initiative_themes",
)


@pytest.fixture
def data(db):
    call_command("generate_initiatives", 3000, seed=3, verbosity=0)


def plan(query_params):
    themes = Theme.objects.in_tree_order()
    filterset = InitiativeFilter(
        query_params, queryset=Initiative.objects.published(), themes=themes
    )
    assert filterset.is_valid(), filterset.errors
    queryset = filterset.sorted(filterset.qs)[:20]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def seq_scans(text):
    return [table for table in BIG_TABLES if f"Seq Scan on {table}" in text]


def test_a_place_filter_uses_the_place_indexes(data):
    region = Place.objects.filter(kind="region").first()
    text = plan({"place": region.slug})
    assert not seq_scans(text), text


def test_a_theme_filter_uses_the_theme_index(data):
    theme = Theme.objects.filter(parent=None).first()
    text = plan({"theme": [theme.slug]})
    assert not seq_scans(text), text


def test_the_status_filter_and_the_newest_first_order_use_an_index(data):
    text = plan({"status": "active"})
    assert not seq_scans(text), text
    assert "Index" in text, text


def test_a_search_reads_the_search_index(data):
    # The name of the generated place with the fewest initiatives: a word
    # that few rows hold, which the full-text index finds best.
    place = (
        Place.objects.filter(slug__startswith="gen-", numchild=0)
        .annotate(n=Count("initiative_links"))
        .filter(n__gt=0)
        .order_by("n", "slug")
        .first()
    )
    text = plan({"q": place.name.split()[0]})
    assert not seq_scans(text), text
    assert "initiative_search_vector_idx" in text, text


@pytest.mark.parametrize(
    "params",
    [
        {"q": "community"},
        {"q": "garden", "status": "active"},
        {"q": "community", "theme": "community-energy"},
        {"q": "food", "place": "region"},
    ],
)
def test_a_searchs_count_and_facets_in_one_statement_match_those_counted_apart(data, params):
    themes = Theme.objects.in_tree_order()
    if params.get("place") == "region":
        params = {**params, "place": Place.objects.filter(kind="region").first().slug}
    if "theme" in params and not Theme.objects.filter(slug=params["theme"]).exists():
        params["theme"] = Theme.objects.filter(parent=None).first().slug
    query = QueryDict(urlencode(params))
    filterset = InitiativeFilter(query, queryset=Initiative.objects.published(), themes=themes)
    assert filterset.is_valid(), filterset.errors
    current = filterset.cleaned.get("place")
    with CaptureQueriesContext(connection) as queries:
        total, theme_counts, branches = search_counts(filterset, filterset.queryset, current)
    assert len(queries) == 1
    assert total == filterset.qs.count() > 0
    assert theme_counts == theme_facets(filterset, filterset.queryset)
    assert branches == place_facets(filterset, filterset.queryset, current)
