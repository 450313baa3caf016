import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from communities.models import Organisation, Place
from initiatives.catalogue.search import refresh_search_vectors, search
from initiatives.models import Initiative, InitiativePlace

pytestmark = pytest.mark.django_db


def test_generates_published_initiatives_spread_over_a_place_hierarchy():
    call_command("generate_initiatives", 300, "--seed", "7", verbosity=0)
    assert Initiative.objects.published().count() == 300
    assert 300 <= Place.objects.count() <= 1000
    assert Place.objects.find_problems() == ([], [], [], [], [])
    assert InitiativePlace.objects.filter(is_primary=True).count() == 300
    assert not Initiative.objects.filter(themes=None).exists()
    assert not Initiative.objects.filter(latitude=None).exists()
    # Some places are busy and most are quiet, as in real life.
    per_place = InitiativePlace.objects.values("place").annotate(n=Count("pk")).order_by("-n")
    average = 300 / per_place.count()
    assert per_place[0]["n"] > 3 * average


def test_the_same_seed_gives_the_same_data():
    call_command("generate_initiatives", 50, "--seed", "3", verbosity=0)
    first = list(Initiative.objects.order_by("pk").values_list("title", "latitude"))
    Initiative.objects.all().delete()
    Organisation.objects.all().delete()
    Place.objects.all().delete()
    call_command("generate_initiatives", 50, "--seed", "3", verbosity=0)
    assert list(Initiative.objects.order_by("pk").values_list("title", "latitude")) == first


def test_a_second_run_adds_more_and_reuses_the_places():
    call_command("generate_initiatives", 50, verbosity=0)
    places = Place.objects.count()
    call_command("generate_initiatives", 50, verbosity=0)
    assert Initiative.objects.published().count() == 100
    assert Place.objects.count() == places
    assert len(set(Initiative.objects.values_list("slug", flat=True))) == 100


def test_a_count_below_one_is_refused():
    with pytest.raises(CommandError):
        call_command("generate_initiatives", 0)


def test_generated_initiatives_are_searchable_like_any_other():
    call_command("generate_initiatives", 30, "--seed", "5", verbosity=0)
    initiative = Initiative.objects.order_by("pk").first()
    word = initiative.title.split()[0]
    found = set(search(Initiative.objects.published(), word).values_list("pk", flat=True))
    assert initiative.pk in found
    if connection.vendor == "postgresql":
        # The vector written by the bulk insert has the words and weights a
        # refresh computes (positions may differ with the order of names).
        before = {pk: lexemes(v) for pk, v in Initiative.objects.values_list("pk", "search_vector")}
        refresh_search_vectors()
        after = {pk: lexemes(v) for pk, v in Initiative.objects.values_list("pk", "search_vector")}
        assert after == before


def lexemes(vector):
    """{word: its weights} from a tsvector's text."""
    return {
        word: frozenset(re.sub(r"[\d,]", "", positions) or "D")
        for word, positions in re.findall(r"'([^']+)':([\dA-D,]+)", vector)
    }
