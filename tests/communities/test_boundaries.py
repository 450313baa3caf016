"""Place boundaries: imported from the ONS boundary files by GSS code,
simplified for the web, served as GeoJSON, drawn on the place's page and
the map, and asked which place holds a pin."""

import json
import math
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from communities import geometry
from communities.boundaries import smallest_containing
from communities.models import Place, PlaceBoundary

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent.parent / "fixtures"
LADS = FIXTURES / "boundaries_lad_sample.geojson"
WARDS = FIXTURES / "boundaries_ward_sample.geojson"
LAWRENCE_WESTON = (51.505, -2.68)


def run(path, *args):
    out = StringIO()
    call_command("import_boundaries", str(path), *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def bristol(places):
    Place.objects.filter(pk=places["bristol"].pk).update(gss_code="E06000023")
    return Place.objects.get(pk=places["bristol"].pk)


@pytest.fixture
def with_wards(bristol):
    run(LADS, "--code-field", "LAD24CD", "--name-field", "LAD24NM")
    run(WARDS, "--code-field", "WD24CD", "--name-field", "WD24NM", "--create")
    return Place.objects.get(gss_code="E05010886")


def write(tmp_path, data, name="file.geojson"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def feature(code, name, coordinates, kind="Polygon"):
    return {
        "type": "Feature",
        "properties": {"LAD24CD": code, "LAD24NM": name, "BNG_E": 1, "BNG_N": 2},
        "geometry": {"type": kind, "coordinates": coordinates},
    }


# Importing.


def test_an_import_gives_the_place_with_the_code_its_boundary_and_counts_the_rest(bristol):
    out = run(LADS, "--code-field", "LAD24CD", "--name-field", "LAD24NM")
    assert "1 matched, 2 unmatched, 0 created" in out
    assert " s:" in out  # the time it took
    boundary = PlaceBoundary.objects.get()
    assert boundary.place == bristol
    assert boundary.geometry["type"] == "Polygon"
    assert boundary.min_lat < 51.4545 < boundary.max_lat
    assert boundary.min_lng < -2.5879 < boundary.max_lng
    assert boundary.source == LADS.name
    assert 80 < boundary.area_km2 < 200  # Bristol is about 110 km² of land
    # No place was made for the codes no place has.
    assert not Place.objects.filter(gss_code="E06000025").exists()


def test_the_code_and_name_fields_are_found_when_the_file_has_one_of_each(bristol):
    assert "1 matched" in run(LADS)


def test_importing_again_replaces_the_boundary_rather_than_adding_one(bristol):
    run(LADS)
    first = PlaceBoundary.objects.get()
    assert "1 matched, 2 unmatched, 0 created" in run(LADS)
    assert PlaceBoundary.objects.get().pk == first.pk


def test_a_dry_run_counts_and_writes_nothing(bristol):
    assert "Would import" in run(LADS, "--dry-run")
    assert not PlaceBoundary.objects.exists()


def test_create_makes_a_place_of_a_new_code_inside_the_smallest_boundary_holding_it(with_wards):
    ward = with_wards
    assert ward.name == "Avonmouth & Lawrence Weston"
    assert ward.kind == Place.Kind.NEIGHBOURHOOD
    assert ward.parent.gss_code == "E06000023"
    assert ward.boundary.geometry["type"] == "Polygon"
    # The Chew Valley ward is in no boundary the site has: it is left out.
    assert not Place.objects.filter(gss_code="E05012990").exists()


def test_create_puts_new_places_under_the_parent_named(places):
    out = run(LADS, "--create", "--parent", "south-west", "--kind", "local_authority")
    assert "0 matched, 0 unmatched, 3 created" in out
    created = Place.objects.filter(gss_code__startswith="E0600002")
    assert {p.parent.slug for p in created} == {"south-west"}
    assert {p.kind for p in created} == {"local_authority"}
    assert Place.objects.get(gss_code="E06000024").boundary.geometry["type"] == "MultiPolygon"


def test_a_detailed_boundary_is_simplified_to_a_few_kilobytes(bristol, tmp_path):
    # A circle of 20,000 points around Bristol, as a full-resolution file might give.
    ring = [
        [
            -2.59 + 0.08 * math.cos(2 * math.pi * i / 20000),
            51.46 + 0.05 * math.sin(2 * math.pi * i / 20000),
        ]
        for i in range(20000)
    ]
    ring.append(ring[0])
    path = write(tmp_path, collection(feature("E06000023", "Bristol", [ring])))
    assert path.stat().st_size > 500_000
    run(path)
    stored = PlaceBoundary.objects.get().geometry
    text = json.dumps(stored, separators=(",", ":"))
    assert len(text) <= 8000
    # Five decimals at most, and still a ring around the centre.
    assert all(len(str(c).split(".")[-1]) <= 5 for point in stored["coordinates"][0] for c in point)
    assert smallest_containing(51.46, -2.59) == bristol


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("this is not json", "is not GeoJSON"),
        ('{"type": "Feature"}', "is not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": "none"}', "no features"),
    ],
)
def test_a_file_that_is_not_a_boundary_file_is_refused_by_name(tmp_path, content, message):
    path = write(tmp_path, content)
    with pytest.raises(CommandError, match=message):
        run(path)


def test_a_field_the_features_do_not_have_is_named_with_those_they_have(bristol):
    with pytest.raises(CommandError, match=r"no property LAD23CD .*LAD24CD, LAD24NM"):
        run(LADS, "--code-field", "LAD23CD")


def test_a_file_with_two_code_fields_asks_which_to_read(bristol):
    with pytest.raises(CommandError, match="--code-field"):
        run(WARDS)


def test_a_file_in_british_national_grid_is_refused_with_the_reason(tmp_path, bristol):
    square = [[[359000, 174000], [361000, 174000], [361000, 176000], [359000, 174000]]]
    path = write(tmp_path, collection(feature("E06000023", "Bristol", square)))
    with pytest.raises(CommandError, match=r"eastings and northings .*EPSG:27700.*EPSG:4326"):
        run(path)
    assert not PlaceBoundary.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="cannot be read"):
        run(tmp_path / "nowhere.geojson")


# Serving and drawing.


def test_a_place_with_a_boundary_serves_it_as_geojson(client, bristol):
    run(LADS)
    response = client.get(f"/places/{bristol.slug}/boundary.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "Feature" and data["geometry"]["type"] == "Polygon"
    assert data["properties"]["gss_code"] == "E06000023"
    west, south, east, north = data["bbox"]
    assert west < -2.5879 < east and south < 51.4545 < north


def test_a_place_without_a_boundary_has_none_to_serve(client, places):
    assert client.get("/places/bath/boundary.geojson").status_code == 404
    assert client.get("/places/nowhere/boundary.geojson").status_code == 404


def test_the_place_page_links_the_boundary_for_the_map_and_without_javascript(client, bristol):
    run(LADS)
    page = client.get(f"/places/{bristol.slug}/").text
    url = f"/places/{bristol.slug}/boundary.geojson"
    assert f'data-boundary-url="{url}"' in page
    assert "Download the boundary (GeoJSON)" in page
    assert "js/boundary" in page
    assert "Download the boundary" not in client.get("/places/bath/").text


def test_the_map_filtered_to_a_place_draws_its_boundary(client, bristol):
    run(LADS)
    page = client.get(f"/map/?place={bristol.slug}").text
    assert f'data-boundary-url="/places/{bristol.slug}/boundary.geojson"' in page
    assert "js/boundary" in page
    assert "data-boundary-url" not in client.get("/map/?place=bath").text
    assert "data-boundary-url" not in client.get("/map/").text


# Which place holds a pin.


def test_the_smallest_place_holding_a_pin_is_suggested(client, with_wards):
    lat, lng = LAWRENCE_WESTON
    data = client.get(f"/places/containing.json?lat={lat}&lng={lng}").json()
    assert data["place"]["slug"] == with_wards.slug
    assert data["place"]["label"] == "Avonmouth & Lawrence Weston, Bristol"
    # In Bristol but outside the ward: Bristol itself.
    centre = client.get("/places/containing.json?lat=51.4545&lng=-2.5879").json()
    assert centre["place"]["slug"] == "bristol"


def test_a_pin_in_no_boundary_or_outside_the_uk_gets_no_place(client, with_wards):
    assert client.get("/places/containing.json?lat=53.48&lng=-2.24").json() == {"place": None}
    assert client.get("/places/containing.json?lat=48.85&lng=2.35").json() == {"place": None}


@pytest.mark.parametrize(
    "query", ["", "?lat=abc&lng=-2.6", "?lat=91&lng=-2.6", "?lat=51.5", "?lat=nan&lng=inf"]
)
def test_a_question_without_a_point_is_a_bad_request(client, query):
    response = client.get(f"/places/containing.json{query}")
    assert response.status_code == 400
    assert "lat" in response.json()["error"]


def test_the_pin_question_takes_one_query_for_the_candidates(
    client, with_wards, django_assert_max_num_queries
):
    lat, lng = LAWRENCE_WESTON
    # The candidates with their places, and the chosen place's parent.
    with django_assert_max_num_queries(2):
        client.get(f"/places/containing.json?lat={lat}&lng={lng}")


def test_a_boundary_is_simplified_and_keeps_its_shape():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
    data, simple = geometry.web_boundary(square)
    assert data["type"] == "Polygon"
    assert simple.area == pytest.approx(1)
