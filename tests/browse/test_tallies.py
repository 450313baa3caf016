"""The kept counts (initiatives/tallies.py) say what counting the rows says,
after every kind of change, so that the pages that read them show the truth
whatever the size of the map."""

import itertools
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import transaction
from django.http import QueryDict

from communities.models import Place
from initiatives.browse import geo, tallies
from initiatives.browse.facets import place_facets, theme_facets
from initiatives.browse.filters import InitiativeFilter
from initiatives.catalogue.services import initiative_set_organisations, initiative_set_places
from initiatives.curation.merging import merge_organisations, merge_places
from initiatives.models import TOP_LEVEL_DEPTH, Initiative, MapCell, Tally, Theme
from tests.factories import make_initiative, make_organisation, make_theme


def kept():
    """The counts as kept, without the cells that came down to nothing."""
    return (
        set(
            Tally.objects.filter(n__gt=0).values_list(
                "place_path", "place_depth", "theme_id", "status", "organisation_id", "n"
            )
        ),
        {
            (level, y, x, n, round(lat, 6), round(lng, 6))
            for level, y, x, n, lat, lng in MapCell.objects.filter(n__gt=0).values_list(
                "level", "y", "x", "n", "latitude_sum", "longitude_sum"
            )
        },
    )


def assert_counts_are_true():
    """What was kept is what counting everything again gives."""
    before = kept()
    tallies.rebuild()
    assert before == kept()


def live_count(place=None, theme=None, status=""):
    rows = Initiative.objects.published()
    if place:
        rows = rows.in_place(place)
    if theme:
        rows = rows.with_theme(theme)
    if status:
        rows = rows.filter(activity_status=status)
    return rows.count()


@pytest.fixture
def world(places, theme):
    """Initiatives across the places, with sub-themes, organisations and statuses."""
    sub = make_theme("Solar", parent=theme)
    food = make_theme("Food")
    trust = make_organisation("Local Trust", kind="charity")
    club = make_organisation("Energy Club")
    made = {
        "solar": make_initiative(
            "Solar farm",
            places=[places["lawrence-weston"], places["bath"]],
            themes=[sub],
            organisations=[(trust, "lead"), (club, "partner")],
            activity_status="active",
            latitude=51.505,
            longitude=-2.68,
        ),
        "pantry": make_initiative(
            "Pantry",
            places=[places["bristol"]],
            themes=[food, theme],
            organisations=[(trust, "funder")],
            activity_status="ended",
        ),
        "club": make_initiative(
            "Club",
            places=[places["west-midlands"]],
            themes=[theme],
            activity_status="planned",
            latitude=52.48,
            longitude=-1.89,
        ),
        "draft": make_initiative(
            "Draft", places=[places["bath"]], themes=[food], state=Initiative.State.DRAFT
        ),
    }
    return {**places, **made, "sub": sub, "food": food, "trust": trust, "club-org": club}


def test_every_count_matches_counting_the_rows(world):
    every_place = [None, *Place.objects.all()]
    every_theme = [None, *Theme.objects.all()]
    for place, theme, status in itertools.product(
        every_place, every_theme, ["", "active", "ended", "planned", "paused"]
    ):
        assert tallies.count(place, theme, status) == live_count(place, theme, status), (
            place,
            theme,
            status,
        )
    assert tallies.organisation_counts([world["trust"].pk, world["club-org"].pk]) == {
        world["trust"].pk: 2,
        world["club-org"].pk: 1,
    }
    assert_counts_are_true()


def test_the_facets_match_those_counted_from_the_rows(world):
    themes = Theme.objects.in_tree_order()
    for params in [
        {},
        {"place": "south-west"},
        {"theme": "community-energy"},
        {"place": "bristol", "status": "active"},
        {"place": "england", "theme": "solar", "status": "active"},
    ]:
        query = QueryDict(urlencode(params))
        filterset = InitiativeFilter(query, queryset=Initiative.objects.published(), themes=themes)
        assert filterset.is_valid() and tallies.covers(filterset.cleaned)
        data = filterset.cleaned
        current = data.get("place")
        theme = (data.get("theme") or [None])[0]
        status = data.get("status") or ""
        counted = {k: v for k, v in theme_facets(filterset, filterset.queryset).items() if v}
        assert tallies.theme_counts(current, status) == counted, params
        below = place_facets(filterset, filterset.queryset, current)
        assert tallies.place_counts(current, theme, status, top_depth=TOP_LEVEL_DEPTH) == below
        assert tallies.count(current, theme, status) == filterset.qs.count()


def test_the_map_cells_match_the_clusters_counted_from_the_rows(world, settings):
    settings.MAP_CLUSTER_THRESHOLD = 0  # always clusters
    queryset = Initiative.objects.published()
    for zoom in range(0, 13):
        kept_cells = geo.feature_collection(queryset, bbox=None, zoom=zoom, unfiltered=True)
        counted = geo.feature_collection(queryset, bbox=None, zoom=zoom)
        assert kept_cells == counted, zoom


def test_changes_of_every_kind_keep_the_counts_true(world, places):
    solar, pantry, club = world["solar"], world["pantry"], world["club"]
    # Status, location and state.
    solar.activity_status = "paused"
    solar.latitude, solar.longitude = 51.46, -2.59
    solar.save()
    assert_counts_are_true()
    club.moderation_state = Initiative.State.ARCHIVED
    club.save()
    assert tallies.count() == 2
    world["draft"].moderation_state = Initiative.State.PUBLISHED
    world["draft"].published_at = solar.published_at
    world["draft"].save()
    assert tallies.count() == 3
    assert_counts_are_true()
    # Places and organisations through the services; themes both ways.
    initiative_set_places(pantry, [places["bath"], places["lawrence-weston"]])
    initiative_set_organisations(solar, [(world["club-org"], "lead")])
    pantry.themes.remove(world["food"])
    world["sub"].initiatives.add(pantry)
    world["food"].initiatives.clear()
    assert_counts_are_true()
    assert tallies.count(theme=world["food"]) == live_count(theme=world["food"]) == 0
    # A sub-theme moving to another parent; a theme deleted.
    world["sub"].parent = world["food"]
    world["sub"].save()
    assert tallies.count(theme=world["food"]) == live_count(theme=world["food"]) == 2
    world["sub"].delete()
    assert_counts_are_true()
    assert tallies.count(theme=world["food"]) == 0
    # Deleting an initiative, and an organisation.
    pantry.delete()
    world["trust"].delete()
    assert_counts_are_true()
    assert tallies.count() == live_count() == 2


def test_moving_and_merging_places_and_organisations_keep_the_counts_true(world, places):
    # A branch of the tree moves: Bristol (with Lawrence Weston) under the West Midlands.
    bristol = Place.objects.get(slug="bristol")
    Place.objects.move(bristol, Place.objects.get(slug="west-midlands"), "sorted-child")
    assert_counts_are_true()
    midlands = Place.objects.get(slug="west-midlands")
    assert tallies.count(midlands) == live_count(midlands) == 3
    merge_places(Place.objects.get(slug="bath"), Place.objects.get(slug="bristol"))
    assert_counts_are_true()
    other = make_organisation("Energy Club CIC")
    merge_organisations(world["club-org"], other)
    assert_counts_are_true()
    assert tallies.organisation_counts([other.pk]) == {other.pk: 1}


def test_a_change_rolled_back_takes_its_counts_with_it(world):
    before = kept()
    with pytest.raises(RuntimeError), transaction.atomic():
        world["solar"].moderation_state = Initiative.State.ARCHIVED
        world["solar"].save()
        assert tallies.count() == 2
        raise RuntimeError
    assert kept() == before
    assert tallies.count() == 3


def test_rebuild_counts_counts_writes_made_behind_the_applications_back(world, capsys):
    Initiative.objects.filter(pk=world["club"].pk).update(activity_status="paused")
    assert tallies.count(status="paused") == 0  # an update sends no signal
    call_command("rebuild_counts")
    assert tallies.count(status="paused") == 1
    assert "Counted again" in capsys.readouterr().out


def test_generated_initiatives_are_counted(db):
    call_command("generate_initiatives", "300", "--seed", "3", verbosity=0)
    assert tallies.count() == 300
    assert_counts_are_true()
    region = Place.objects.filter(kind="region").first()
    theme = Theme.objects.filter(parent=None).first()
    assert tallies.count(region, theme, "active") == live_count(region, theme, "active")


def test_the_list_counts_from_the_kept_counts_the_same_as_from_the_rows(client, world):
    response = client.get("/initiatives/", {"place": "south-west", "theme": "community-energy"})
    assert response.context["page"].paginator.count == 2
    searched = client.get("/initiatives/", {"place": "south-west", "q": "farm"})
    assert searched.context["page"].paginator.count == 1  # counted from the rows
    options = dict(response.context["theme_options"])
    assert options[world["sub"]] == 1 and options[world["food"]] == 1


def test_a_place_page_counts_what_is_under_it(client, world):
    response = client.get("/places/south-west/")
    assert response.context["page"].paginator.count == 2
    children = {c.slug: c.initiative_count for c in response.context["children"]}
    assert children["bristol"] == 2 and children["bath"] == 1
