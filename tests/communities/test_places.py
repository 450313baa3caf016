"""Places form a hierarchy, and "in a place" means anywhere underneath it."""

import pytest

from communities.models import Place
from initiatives.models import Initiative
from tests.factories import make_initiative, make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def south_west(england):
    region = make_place("South West", kind="region", parent=england)
    bristol = make_place("Bristol", kind="local_authority", parent=region)
    make_place("Lawrence Weston", kind="neighbourhood", parent=bristol)
    somerset = make_place("Somerset", kind="local_authority", parent=region)
    make_place("Frome", parent=somerset)
    make_place("West Midlands", kind="region", parent=england)
    return region


def test_every_place_under_a_region_comes_back_in_one_query(south_west, django_assert_num_queries):
    with django_assert_num_queries(1):
        names = [p.name for p in Place.objects.within(south_west)]
    assert sorted(names) == ["Bristol", "Frome", "Lawrence Weston", "Somerset", "South West"]


def test_a_place_can_leave_itself_out(south_west):
    names = {p.name for p in Place.objects.within(south_west, include_self=False)}
    assert "South West" not in names and "Lawrence Weston" in names


def test_initiatives_in_a_region_include_those_of_its_neighbourhoods(south_west, theme):
    lawrence_weston = Place.objects.get(slug="lawrence-weston")
    midlands = Place.objects.get(slug="west-midlands")
    solar = make_initiative("Solar farm", places=[lawrence_weston], themes=[theme])
    make_initiative("Elsewhere", places=[midlands], themes=[theme])
    assert list(Initiative.objects.in_place(south_west)) == [solar]
    assert list(Initiative.objects.in_place(lawrence_weston)) == [solar]


def test_an_initiative_serving_two_places_in_a_region_is_counted_once(south_west, theme):
    bristol = Place.objects.get(slug="bristol")
    frome = Place.objects.get(slug="frome")
    make_initiative("Both", places=[bristol, frome], themes=[theme])
    assert Initiative.objects.in_place(south_west).count() == 1


def test_parents_and_ancestors_follow_the_hierarchy(south_west):
    lawrence_weston = Place.objects.get(slug="lawrence-weston")
    assert lawrence_weston.parent.name == "Bristol"
    assert [p.name for p in Place.objects.get_ancestors(lawrence_weston)] == [
        "United Kingdom",
        "England",
        "South West",
        "Bristol",
    ]
