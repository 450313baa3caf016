"""On PostgreSQL, the list's filters are answered through indexes,
read from the plans that EXPLAIN gives for the list's own queries.

The data is small, so the planner is told not to scan whole tables when an
index can do: a filter that has no usable index then still shows a
sequential scan of the big tables, and the test fails.
"""

import pytest
from django.core.management import call_command
from django.db import connection

from communities.models import Place
from initiatives.filters import InitiativeFilter
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
