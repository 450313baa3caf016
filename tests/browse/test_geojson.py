"""The map's data: published initiatives as GeoJSON, points or clusters, and
the home page's dot map."""

import math
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from initiatives.browse import geo, tallies
from initiatives.browse.queries import related_initiatives
from initiatives.models import Initiative
from tests.factories import make_initiative, make_organisation, make_place, make_theme

pytestmark = pytest.mark.django_db

URL = "/api/initiatives.geojson"
# West, south, east, north around each city.
AROUND_BRISTOL = "-2.8,51.3,-2.4,51.6"
AROUND_GLASGOW = "-4.5,55.7,-4.0,56.0"
UK = "-11,49,3,61"


@pytest.fixture
def bristol(england):
    return make_place(
        "Bristol", kind="local_authority", parent=england, latitude=51.4545, longitude=-2.5879
    )


@pytest.fixture
def glasgow(england):
    scotland = make_place("Scotland", kind="country", parent=england.parent)
    return make_place(
        "Glasgow", kind="local_authority", parent=scotland, latitude=55.8642, longitude=-4.2518
    )


def get_map_data(client, **params):
    return client.get(URL, params)


def titles(response):
    return sorted(f["properties"]["title"] for f in response.json()["features"])


def test_the_map_data_is_an_rfc_7946_feature_collection(client, bristol, theme):
    solar = make_initiative(
        "Bristol solar",
        places=[bristol],
        themes=[theme],
        summary="Panels on the school roof.",
        latitude=51.45,
        longitude=-2.58,
    )
    response = get_map_data(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert data["total"] == 1 and data["clustered"] is False
    [feature] = data["features"]
    assert feature["type"] == "Feature"
    assert feature["id"] == solar.slug
    # RFC 7946: longitude first.
    assert feature["geometry"] == {"type": "Point", "coordinates": [-2.58, 51.45]}


def test_points_carry_what_a_popup_shows_and_may_be_read_from_anywhere(client, bristol, theme):
    solar = make_initiative(
        "Bristol solar", places=[bristol], themes=[theme], summary="Panels on the school roof."
    )
    response = get_map_data(client)
    assert response["Access-Control-Allow-Origin"] == "*"
    [feature] = response.json()["features"]
    assert feature["properties"] == {
        "title": "Bristol solar",
        "summary": "Panels on the school roof.",
        "url": "http://testserver" + solar.get_absolute_url(),
        "place": "Bristol",
    }


def test_the_bbox_limits_the_initiatives_to_the_view(client, bristol, glasgow, theme):
    make_initiative("In Bristol", places=[bristol], themes=[theme])
    make_initiative("In Glasgow", places=[glasgow], themes=[theme])
    assert titles(get_map_data(client, bbox=AROUND_BRISTOL)) == ["In Bristol"]
    assert titles(get_map_data(client, bbox=AROUND_GLASGOW)) == ["In Glasgow"]
    assert titles(get_map_data(client, bbox=UK)) == ["In Bristol", "In Glasgow"]
    assert titles(get_map_data(client, bbox="")) == ["In Bristol", "In Glasgow"]


def test_initiatives_without_a_location_are_left_off_the_map(client, theme):
    nowhere = make_place("Nowhere in particular", kind="other", latitude=None, longitude=None)
    make_initiative("Placeless", places=[nowhere], themes=[theme])
    data = get_map_data(client).json()
    assert data["features"] == [] and data["total"] == 0


def test_the_list_filters_apply_to_the_map(client, bristol, glasgow, theme):
    food = make_theme("Food")
    make_initiative("Bristol energy", places=[bristol], themes=[theme])
    make_initiative("Bristol food", places=[bristol], themes=[food])
    make_initiative("Glasgow food", places=[glasgow], themes=[food])
    assert titles(get_map_data(client, theme="food")) == ["Bristol food", "Glasgow food"]
    assert titles(get_map_data(client, place="bristol")) == ["Bristol energy", "Bristol food"]
    assert titles(get_map_data(client, place="bristol", theme="food")) == ["Bristol food"]


def test_an_initiative_is_counted_once_whatever_its_roles_in_an_organisation(
    client, settings, bristol, theme
):
    trust = make_organisation("Bristol Energy Trust")
    make_initiative(
        "Twice over",
        places=[bristol],
        themes=[theme],
        organisations=[(trust, "lead"), (trust, "funder")],
    )
    make_initiative("Once", places=[bristol], themes=[theme], organisations=[(trust, "lead")])
    assert titles(get_map_data(client, organisation=trust.slug)) == ["Once", "Twice over"]
    settings.MAP_CLUSTER_THRESHOLD = 1
    data = get_map_data(client, organisation=trust.slug).json()
    assert data["clustered"] is True and data["total"] == 2
    assert [c["properties"]["count"] for c in data["features"]] == [2]


def test_an_unknown_filter_value_is_a_json_400(client, published):
    response = get_map_data(client, place="atlantis")
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize(
    "state",
    [
        Initiative.State.DRAFT,
        Initiative.State.PENDING,
        Initiative.State.CHANGES_REQUESTED,
        Initiative.State.REJECTED,
        Initiative.State.ARCHIVED,
    ],
)
def test_unpublished_initiatives_never_reach_the_map(client, settings, bristol, theme, state):
    make_initiative("Secret plan", places=[bristol], themes=[theme], state=state)
    make_initiative("Public plan", places=[bristol], themes=[theme])
    assert titles(get_map_data(client)) == ["Public plan"]
    # Nor do they count in clusters.
    settings.MAP_CLUSTER_THRESHOLD = 0
    data = get_map_data(client).json()
    assert data["clustered"] is True and data["total"] == 1


@pytest.mark.parametrize(
    "bbox",
    [
        "abc",
        "1,2,3",
        "1,2,3,4,5",
        "0,91,1,92",
        "0,-91,1,0",
        "-181,0,0,1",
        "1,1,0,0",  # west > east and south > north
        "0,1,1,0",  # south > north
        "1,0,0,1",  # west > east
        "nan,0,1,1",
        "0,0,inf,1",
        "1,,2,3",
    ],
)
def test_a_bad_bbox_is_a_json_400_not_a_500(client, published, bbox):
    response = get_map_data(client, bbox=bbox)
    assert response.status_code == 400
    assert "bbox" in response.json()["error"]


@pytest.mark.parametrize("zoom", ["-1", "x", "99", "21", "5.5"])
def test_a_bad_zoom_is_a_json_400_not_a_500(client, published, zoom):
    response = get_map_data(client, zoom=zoom)
    assert response.status_code == 400
    assert "zoom" in response.json()["error"]


def _spread(place, theme, n, *, prefix):
    """`n` initiatives scattered a little way around `place`."""
    return [
        make_initiative(
            f"{prefix} {i}",
            places=[place],
            themes=[theme],
            latitude=place.latitude + 0.01 * i,
            longitude=place.longitude - 0.01 * i,
        )
        for i in range(n)
    ]


def _contains(bounds, initiative):
    west, south, east, north = bounds
    return south <= initiative.latitude <= north and west <= initiative.longitude <= east


def test_beyond_the_threshold_the_map_gets_clusters(client, settings, bristol, glasgow, theme):
    settings.MAP_CLUSTER_THRESHOLD = 5
    members = _spread(bristol, theme, 6, prefix="Bristol") + _spread(
        glasgow, theme, 6, prefix="Glasgow"
    )
    data = get_map_data(client, bbox=UK, zoom="6").json()
    assert data["type"] == "FeatureCollection"
    assert data["clustered"] is True and data["total"] == 12
    clusters = data["features"]
    assert len(clusters) >= 2
    assert sum(c["properties"]["count"] for c in clusters) == 12
    for cluster in clusters:
        props = cluster["properties"]
        assert props["cluster"] is True
        assert cluster["geometry"]["type"] == "Point"
        inside = [i for i in members if _contains(props["bounds"], i)]
        # Each cluster's bounds hold its members, and only them.
        assert len(inside) == props["count"]
        assert len({i.title.split()[0] for i in inside}) == 1
        lng, lat = cluster["geometry"]["coordinates"]
        west, south, east, north = props["bounds"]
        assert west - 1e-6 <= lng <= east + 1e-6 and south - 1e-6 <= lat <= north + 1e-6


def test_clusters_are_limited_to_the_view_too(client, settings, bristol, glasgow, theme):
    settings.MAP_CLUSTER_THRESHOLD = 5
    _spread(bristol, theme, 6, prefix="Bristol")
    _spread(glasgow, theme, 3, prefix="Glasgow")
    data = get_map_data(client, bbox=AROUND_BRISTOL, zoom="9").json()
    assert data["clustered"] is True and data["total"] == 6
    # Only the three in Glasgow: few enough for points.
    data = get_map_data(client, bbox=AROUND_GLASGOW, zoom="9").json()
    assert data["clustered"] is False and data["total"] == 3


def test_the_whole_world_at_any_zoom_never_makes_too_many_clusters():
    for zoom in range(geo.MIN_ZOOM, geo.MAX_ZOOM + 1):
        cell = geo.cluster_cell_size(geo.WORLD, zoom)
        columns = math.floor(180 / cell) - math.floor(-180 / cell) + 1
        rows = math.floor(90 / cell) - math.floor(-90 / cell) + 1
        assert columns * rows <= geo.MAX_FEATURES


def test_a_small_view_at_a_high_zoom_gets_small_cells():
    # About 64 px: a quarter of a 256 px tile.
    assert geo.cluster_cell_size((-2.6, 51.4, -2.5, 51.5), 12) == 360 / 2**12 / 4


@pytest.mark.parametrize("clustered", [False, True])
def test_the_map_data_takes_a_bounded_number_of_queries(
    client, settings, bristol, theme, django_assert_max_num_queries, clustered
):
    if clustered:
        settings.MAP_CLUSTER_THRESHOLD = 5
    _spread(bristol, theme, 3, prefix="Few")
    with django_assert_max_num_queries(4):
        get_map_data(client, bbox=UK, zoom="7")
    _spread(bristol, theme, 12, prefix="More")
    with django_assert_max_num_queries(4):
        response = get_map_data(client, bbox=UK, zoom="7")
    assert response.json()["total"] == 15


def test_a_detail_page_map_shows_its_initiative(bristol, theme):
    solar = make_initiative("Bristol solar", places=[bristol], themes=[theme])
    data = geo.feature_collection_for([solar])
    [feature] = data["features"]
    assert feature["id"] == solar.slug
    assert feature["geometry"]["coordinates"] == [-2.5879, 51.4545]
    assert feature["properties"]["place"] == "Bristol"
    assert feature["properties"]["url"] == solar.get_absolute_url()


def test_related_initiatives_come_nearest_first(bristol, glasgow, theme):
    near = make_initiative("Near", places=[bristol], themes=[theme])
    far = make_initiative("Far", places=[glasgow], themes=[theme])
    nowhere = make_place("Nowhere in particular", kind="other", latitude=None, longitude=None)
    placeless = make_initiative("Placeless", places=[nowhere], themes=[theme])
    ordered = list(geo.nearest_first(Initiative.objects.all(), 51.46, -2.59))
    assert ordered == [near, far, placeless]
    assert ordered[0].distance_sq < ordered[1].distance_sq


def test_an_initiative_page_relates_the_nearest_and_the_newest_far_away(bristol, glasgow, theme):
    solar = make_initiative("Solar", places=[bristol], themes=[theme])
    near = make_initiative("Near", places=[bristol], themes=[theme])
    far = make_initiative("Far", places=[glasgow], themes=[theme])
    other_theme = make_theme("Unrelated")
    make_initiative("Near but unrelated", places=[bristol], themes=[other_theme])
    make_initiative("Near but hidden", places=[bristol], themes=[theme], state="pending")
    # Near within the radius first; a far one still shows as one of the newest.
    assert list(related_initiatives(solar)) == [near, far]
    # Far away from everything, the newest sharing a theme come instead.
    assert set(related_initiatives(far)) == {solar, near}


def test_each_kind_of_place_has_a_first_zoom():
    assert geo.zoom_for_kind("country") < geo.zoom_for_kind("region") < geo.zoom_for_kind("town")
    assert geo.zoom_for_kind("neighbourhood") == 13
    assert geo.zoom_for_kind("something new") == geo.zoom_for_kind("other")


def test_place_counts_roll_up_the_hierarchy_counting_each_initiative_once(
    england, bristol, glasgow, theme
):
    make_initiative("Both", places=[bristol, glasgow], themes=[theme])
    make_initiative("Bristol only", places=[bristol], themes=[theme])
    make_initiative("Hidden", places=[bristol], themes=[theme], state="pending")
    counts = Initiative.objects.published().counts_by_place()
    assert counts[bristol.path] == 2
    assert counts[glasgow.path] == 1
    assert counts[england.path] == 2
    assert counts[glasgow.parent.path] == 1
    assert counts[england.parent.path] == 2


# The bbox and zoom parameters on their own.


@pytest.mark.parametrize("text", [None, "", "  "])
def test_no_bbox_means_the_whole_map(text):
    assert geo.parse_bbox(text) is None


def test_a_bbox_is_four_numbers_west_south_east_north():
    assert geo.parse_bbox("-2.8, 51.3, -2.4, 51.6") == (-2.8, 51.3, -2.4, 51.6)
    assert geo.parse_bbox("-180,-90,180,90") == (-180, -90, 180, 90)
    # A view may shrink to a line or a point.
    assert geo.parse_bbox("1,1,1,1") == (1, 1, 1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "1,2,3",
        "1,2,3,4,5",
        ",,,",
        "0,91,1,92",
        "180.1,0,181,1",
        "0,1,1,0",
        "1,0,0,1",
        "nan,0,1,1",
        "0,0,1,infinity",
        "-inf,0,1,1",
    ],
)
def test_a_bad_bbox_says_what_is_wrong(text):
    with pytest.raises(ValueError, match="bbox"):
        geo.parse_bbox(text)


@pytest.mark.parametrize(("text", "zoom"), [(None, 6), ("", 6), ("0", 0), ("20", 20), (" 9 ", 9)])
def test_a_zoom_is_a_whole_number_from_0_to_20(text, zoom):
    assert geo.parse_zoom(text) == zoom


@pytest.mark.parametrize("text", ["-1", "21", "99", "x", "5.5", "1e3"])
def test_a_bad_zoom_says_what_is_wrong(text):
    with pytest.raises(ValueError, match="zoom"):
        geo.parse_zoom(text)


# The home page's dot map.


def _circles(svg):
    return re.findall(r"<circle ", str(svg))


def test_the_teaser_draws_a_dot_per_occupied_cell(bristol, glasgow, theme):
    make_initiative("Bristol one", places=[bristol], themes=[theme])
    make_initiative("Bristol two", places=[bristol], themes=[theme])
    make_initiative("Glasgow one", places=[glasgow], themes=[theme])
    svg = geo.teaser_svg()
    assert len(_circles(svg)) == 2
    assert 'role="img"' in svg
    assert 'aria-label="Map of 3 initiatives across the UK"' in svg
    assert "<title>Where the initiatives are</title>" in svg


def test_a_busier_cell_gets_a_bigger_dot(bristol, glasgow, theme):
    _spread(bristol, theme, 4, prefix="Bristol")
    make_initiative("Glasgow one", places=[glasgow], themes=[theme])
    svg = str(geo.teaser_svg())
    radii = sorted(float(r) for r in re.findall(r' r="([\d.]+)"', svg))
    assert len(radii) == 2 and radii[0] < radii[1]


def test_the_teaser_leaves_out_what_is_beyond_the_british_isles(bristol, theme):
    paris = make_place("Paris", kind="town", latitude=48.8566, longitude=2.3522)
    make_initiative("Bristol one", places=[bristol], themes=[theme])
    make_initiative("Jumelage", places=[paris], themes=[theme])
    make_initiative("Draft", places=[bristol], themes=[theme], state="draft")
    svg = geo.teaser_svg()
    assert len(_circles(svg)) == 1
    assert 'aria-label="Map of 1 initiative across the UK"' in svg


def test_an_empty_teaser_is_still_a_labelled_image(db):
    svg = geo.teaser_svg()
    assert _circles(svg) == []
    assert 'aria-label="Map of 0 initiatives across the UK"' in svg and svg.startswith("<svg")


def test_the_teaser_never_draws_more_than_600_dots(db):
    # An initiative every quarter degree across the box: over a thousand cells.
    now = timezone.now()
    Initiative.objects.bulk_create(
        Initiative(
            title=f"Spot {i}",
            slug=f"spot-{i}",
            summary="s",
            description="d",
            moderation_state=Initiative.State.PUBLISHED,
            published_at=now,
            latitude=49.9 + 0.25 * (i // 44),
            longitude=-8.6 + 0.24 * (i % 44),
        )
        for i in range(44 * 44)
    )
    tallies.rebuild()  # bulk inserts send no signals
    svg = geo.teaser_svg()
    assert 0 < len(_circles(svg)) <= geo.TEASER_MAX_CIRCLES
    assert 'aria-label="Map of 1936 initiatives across the UK"' in svg


def test_the_whole_map_decides_between_points_and_clusters_from_the_kept_counts(
    client, settings, bristol, glasgow, theme
):
    """Unfiltered, the map cells say whether a view holds too many points to
    send, without counting rows; the answer is the rows' own."""
    settings.MAP_CLUSTER_THRESHOLD = 5
    _spread(bristol, theme, 6, prefix="Bristol")
    _spread(glasgow, theme, 3, prefix="Glasgow")
    for bbox, clustered, total in [(UK, True, 9), (AROUND_GLASGOW, False, 3)]:
        with CaptureQueriesContext(connection) as queries:
            data = get_map_data(client, bbox=bbox, zoom="9").json()
        assert (data["clustered"], data["total"]) == (clustered, total)
        assert not [q["sql"] for q in queries if "COUNT(" in q["sql"]]
        # The same view with a filter counts its rows, and agrees.
        filtered = get_map_data(client, bbox=bbox, zoom="9", theme=theme.slug).json()
        assert (filtered["clustered"], filtered["total"]) == (clustered, total)
