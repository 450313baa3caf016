"""Searching near a postcode or "my location": the list, the map, the
GeoJSON, the CSV and the API find initiatives by distance and, for a
postcode, by the area they serve, nearest first; bad postcodes and
coordinates get a clear message."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from communities import postcodes as postcode_lookup
from communities.models import Place
from initiatives.browse.filters import InitiativeFilter
from initiatives.models import Initiative
from tests.factories import make_initiative, publish_in_order

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "onspd_sample.csv"
HIDDEN_STATES = [s for s in Initiative.State if s != Initiative.State.PUBLISHED]

# Bristol, its ward of Avonmouth and Lawrence Weston, the South West and
# England, as ONSPD codes them for BS11 0QA.
CODES = {
    "bristol": "E06000023",
    "south-west": "E12000009",
    "england": "E92000001",
}

LIST, MAP, GEOJSON, CSV, API = (
    "/initiatives/",
    "/map/",
    "/api/initiatives.geojson",
    "/initiatives/export.csv",
    "/api/initiatives/",
)


@pytest.fixture
def postcodes(db):
    call_command("import_postcodes", str(SAMPLE), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def coded_places(places):
    for slug, code in CODES.items():
        Place.objects.filter(pk=places[slug].pk).update(gss_code=code)
    return places


@pytest.fixture
def around(coded_places, theme):
    """Initiatives around BS11 0QA (51.4997, -2.6762), oldest first."""
    lw = coded_places["lawrence-weston"]
    made = {
        # A pin a few metres from the postcode.
        "solar": make_initiative(
            "Lawrence Weston solar farm",
            places=[lw],
            themes=[theme],
            latitude=51.5001,
            longitude=-2.6755,
        ),
        # Lawrence Weston's centre, about 0.7 km away.
        "garden": make_initiative("Lawrence Weston community garden", places=[lw], themes=[theme]),
        # Bristol's centre, about 8 km away: found by the area it serves.
        "city": make_initiative(
            "Bristol food network", places=[coded_places["bristol"]], themes=[theme]
        ),
        # Bath, about 25 km away, serves somewhere else.
        "bath": make_initiative("Bath repair cafe", places=[coded_places["bath"]], themes=[theme]),
        "region": make_initiative(
            "South West energy advice", places=[coded_places["south-west"]], themes=[theme]
        ),
        "nation": make_initiative(
            "England heat pump helpline", places=[coded_places["england"]], themes=[theme]
        ),
    }
    publish_in_order(*made.values())
    made["hidden"] = {
        state: make_initiative(f"Secret {state} scheme", places=[lw], themes=[theme], state=state)
        for state in HIDDEN_STATES
    }
    return made


def titles(response):
    return [initiative.title for initiative in response.context["page"]]


def geojson_slugs(client, query):
    response = client.get(GEOJSON, query)
    assert response.status_code == 200, response.content
    return [feature["id"] for feature in response.json()["features"]]


def csv_titles(client, query):
    response = client.get(CSV, query)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row["title"] for row in csv.DictReader(io.StringIO(text))]


def api_slugs(client, query):
    response = client.get(API, query)
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


NEAR = ["Lawrence Weston solar farm", "Lawrence Weston community garden", "Bristol food network"]


# A postcode.


@pytest.mark.parametrize("typed", ["bs110qa", "BS11 0QA", "bs11 0qa", " Bs110Qa "])
def test_a_postcode_lists_what_serves_it_nearest_first_with_distances(
    client, postcodes, around, typed
):
    response = client.get(LIST, {"near": typed, "radius_km": "5"})
    assert response.status_code == 200
    assert titles(response) == NEAR
    distances = [initiative.distance_km for initiative in response.context["page"]]
    assert distances == sorted(distances)
    assert distances[0] < 0.1 and 0.5 < distances[1] < 1 and 7 < distances[2] < 10
    assert "km away" in response.text
    assert "Initiatives near BS11 0QA" in response.text
    assert "Bath repair cafe" not in response.text


def test_initiatives_serving_the_region_or_nation_are_shown_apart(client, postcodes, around):
    response = client.get(LIST, {"near": "BS110QA", "radius_km": "5"})
    also = [initiative.title for initiative in response.context["also_serving"]]
    assert also == ["England heat pump helpline", "South West energy advice"]
    assert "Also serving your area" in response.text
    assert "/places/south-west/" in response.text
    assert not set(also) & set(titles(response))


def test_a_postcode_without_a_radius_searches_within_5_km(client, postcodes, around):
    response = client.get(LIST, {"near": "bs110qa"})
    assert response.context["radius_km"] == 5
    assert titles(response) == NEAR


def test_an_outward_code_searches_by_distance_from_its_centre(client, postcodes, around):
    response = client.get(LIST, {"near": "bs11", "radius_km": "5"})
    assert response.status_code == 200
    assert titles(response)[:2] == NEAR[:2]


def test_the_map_and_the_open_data_find_the_same_near_a_postcode(client, postcodes, around):
    query = {"near": "bs110qa", "radius_km": "5"}
    slugs = [around[key].slug for key in ("solar", "garden", "city")]
    assert set(geojson_slugs(client, query)) == set(slugs)
    assert csv_titles(client, query) == NEAR
    assert api_slugs(client, query) == slugs
    page = client.get(MAP, query)
    assert page.status_code == 200
    assert page.context["map_config"]["center"] == [51.49968, -2.67624]


@pytest.mark.parametrize("state", HIDDEN_STATES, ids=[s.value for s in HIDDEN_STATES])
def test_nothing_unpublished_is_found_near_a_postcode(client, postcodes, around, state):
    hidden = around["hidden"][state]
    query = {"near": "bs110qa", "radius_km": "5"}
    response = client.get(LIST, query)
    assert hidden.title not in response.text
    assert hidden.slug not in geojson_slugs(client, query)
    assert hidden.title not in csv_titles(client, query)
    assert hidden.slug not in api_slugs(client, query)
    point = {"lat": "51.5", "lng": "-2.676", "radius_km": "5"}
    assert hidden.title not in client.get(LIST, point).text
    assert hidden.slug not in geojson_slugs(client, point)
    assert hidden.slug not in api_slugs(client, point)


def test_a_search_that_looks_like_a_postcode_offers_the_initiatives_near_it(
    client, postcodes, around
):
    response = client.get(LIST, {"q": "bs11 0qa"})
    assert response.context["q"] == "bs11 0qa"  # the search itself is left alone
    assert "Initiatives near BS11 0QA" in response.text
    assert "?near=BS11%200QA" in response.text
    assert "Initiatives near" not in client.get(LIST, {"q": "solar"}).text


def test_the_home_page_searches_near_a_postcode(client, postcodes, around):
    response = client.get("/")
    assert 'name="near"' in response.text


# Bad postcodes.


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("SW1A 9ZZ", "We cannot find the postcode “SW1A 9ZZ”."),
        ("ZZ99 9ZZ", "“ZZ99 9ZZ” is not a whole postcode."),
        ("bs99 9zz", "We cannot find the postcode “BS99 9ZZ”."),
        ("BS11 0Q", "“BS11 0Q” is not a whole postcode."),
        ("B$11 0QA", "There is no place with that name to search near."),
    ],
)
def test_a_bad_postcode_gets_a_clear_message(client, postcodes, around, typed, message):
    response = client.get(LIST, {"near": typed})
    assert response.status_code == 400
    assert 'class="error-summary"' in response.text
    assert message in response.content.decode()
    api = client.get(API, {"near": typed})
    assert api.status_code == 400
    assert message in api.json()["near"][0]
    for path in (GEOJSON, CSV, MAP):
        assert client.get(path, {"near": typed}).status_code == 400, path


def test_without_postcodes_the_page_says_postcode_search_is_not_set_up(client, around):
    response = client.get(LIST, {"near": "bs110qa"})
    assert response.status_code == 400
    assert "Postcode search is not set up on this site." in response.text
    assert 'href="/places/"' in response.text
    assert "not set up" in client.get(API, {"near": "bs110qa"}).json()["near"][0]
    # A place's name still works.
    assert client.get(LIST, {"near": "lawrence-weston"}).status_code == 200


# Near me: coordinates.


def test_coordinates_filter_and_sort_every_output_by_distance(client, around):
    query = {"lat": "51.5", "lng": "-2.676", "radius_km": "2"}
    response = client.get(LIST, query)
    assert response.status_code == 200
    assert titles(response) == NEAR[:2]
    assert "Near your location" in response.text
    assert set(geojson_slugs(client, query)) == {around["solar"].slug, around["garden"].slug}
    assert csv_titles(client, query) == NEAR[:2]
    assert api_slugs(client, query) == [around["solar"].slug, around["garden"].slug]
    assert client.get(MAP, query).context["map_config"]["center"] == [51.5, -2.676]


@pytest.mark.parametrize("path", [LIST, MAP, GEOJSON, CSV, API])
def test_coordinates_are_rounded_to_3_places_by_a_redirect(client, around, path):
    response = client.get(path, {"lat": "51.50012345", "lng": "-2.6760009", "radius_km": "2"})
    assert response.status_code == 302
    assert response["Location"] == f"{path}?lat=51.5&lng=-2.676&radius_km=2"
    # Already rounded: no redirect.
    assert client.get(path, {"lat": "51.5", "lng": "-2.676"}).status_code == 200


def test_coordinates_are_rounded_before_filtering(client, around):
    filterset = InitiativeFilter(
        {"lat": "51.50049", "lng": "-2.67551"}, queryset=Initiative.objects.all(), themes=[]
    )
    assert filterset.is_valid()
    assert (filterset.cleaned["lat"], filterset.cleaned["lng"]) == (51.5, -2.676)


@pytest.mark.parametrize(
    ("query", "name", "message"),
    [
        ({"lat": "north", "lng": "-2.6"}, "lat", "Enter the latitude (lat) as a number"),
        ({"lat": "91", "lng": "-2.6"}, "lat", "between -90 and 90"),
        ({"lat": "51.5", "lng": "181"}, "lng", "between -180 and 180"),
        ({"lat": "NaN", "lng": "-2.6"}, "lat", "Enter the latitude (lat) as a number"),
        ({"lat": "51.5", "lng": "inf"}, "lng", "Enter the longitude (lng) as a number"),
        ({"lat": "51.5"}, "lng", "Give both a latitude (lat) and a longitude (lng)"),
        ({"lng": "-2.6"}, "lat", "Give both a latitude (lat) and a longitude (lng)"),
        ({"lat": "51.5", "lng": "-2.6", "near": "bristol"}, "near", "not both"),
        ({"lat": "51.5", "lng": "-2.6", "radius_km": "0"}, "radius_km", "at least 1 km"),
    ],
)
def test_bad_coordinates_are_a_clear_400_everywhere(client, around, query, name, message):
    page = client.get(LIST, query)
    assert page.status_code == 400
    assert 'class="error-summary"' in page.text
    assert message in page.text
    api = client.get(API, query)
    assert api.status_code == 400
    assert message in api.json()[name][0]
    geojson = client.get(GEOJSON, query)
    assert geojson.status_code == 400
    assert message in geojson.json()["fields"][name][0]
    assert client.get(CSV, query).status_code == 400
    assert client.get(MAP, query).status_code == 400


# Queries.


@pytest.mark.parametrize(
    "query",
    [
        {"near": "bs110qa", "radius_km": "5"},
        {"near": "bs11", "radius_km": "5"},
        {"lat": "51.5", "lng": "-2.676", "radius_km": "5"},
        {"near": "bs110qa", "radius_km": "5", "theme": "community-energy", "sort": "title"},
    ],
)
def test_searching_near_takes_a_fixed_number_of_queries(
    client, postcodes, around, django_assert_max_num_queries, query
):
    with django_assert_max_num_queries(10):
        assert client.get(LIST, query).status_code == 200
    # The API's list takes 8 (tests/opendata/test_api.py), and one finds the postcode.
    with django_assert_max_num_queries(9):
        assert client.get(API, query).status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(GEOJSON, query).status_code == 200


def test_a_postcode_is_found_by_one_query(postcodes, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert postcode_lookup.lookup("bs110qa").ward_code == "E05010886"
