"""deprived=20 keeps the initiatives in the most deprived 20% of
neighbourhoods, the same on the list, the map's GeoJSON, the CSV and the API;
published ones only, and those of unknown decile left out."""

import csv
import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from communities.models import Place
from initiatives.models import Initiative
from tests.factories import make_initiative

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "onspd_sample.csv"
UK = "-11,49,3,61"


@pytest.fixture
def initiatives(places, theme):
    Place.objects.filter(slug="lawrence-weston").update(gss_code="E05010886")
    made = {
        # Beside BS11 0NY (rank 1872: the first decile).
        "pinned-deprived": {
            "places": [places["bristol"]],
            "latitude": 51.5023,
            "longitude": -2.6688,
        },
        # No pin: Lawrence Weston's median decile, 1.
        "place-deprived": {"places": [places["lawrence-weston"]]},
        # Beside BA1 1LZ (rank 22310: the seventh decile).
        "pinned-comfortable": {
            "places": [places["bath"]],
            "latitude": 51.3811,
            "longitude": -2.3599,
        },
        # Bath has no GSS code: unknown, so never counted as deprived.
        "unknown": {"places": [places["bath"]]},
        "unpublished-deprived": {
            "places": [places["bristol"]],
            "latitude": 51.5023,
            "longitude": -2.6688,
            "state": Initiative.State.PENDING,
        },
    }
    for slug, fields in made.items():
        make_initiative(slug, slug=slug, themes=[theme], **fields)
    call_command("import_postcodes", str(SAMPLE), stdout=StringIO(), stderr=StringIO())
    return made


DEPRIVED = ["pinned-deprived", "place-deprived"]


def test_the_deciles_are_as_expected(initiatives):
    deciles = dict(Initiative.objects.values_list("slug", "deprivation_decile"))
    assert deciles == {
        "pinned-deprived": 1,
        "place-deprived": 1,
        "pinned-comfortable": 7,
        "unknown": None,
        "unpublished-deprived": 1,
    }


def test_the_list_filters_and_offers_the_checkbox(client, initiatives):
    page = client.get("/initiatives/", {"deprived": "20"}).content.decode()
    for slug in DEPRIVED:
        assert f"/initiatives/{slug}/" in page
    for slug in ("pinned-comfortable", "unknown", "unpublished-deprived"):
        assert f"/initiatives/{slug}/" not in page
    assert "Only in the most deprived 20% of neighbourhoods" in page
    assert 'name="deprived" value="20"' in page and " checked" in page


def test_the_map_data_filters(client, initiatives):
    response = client.get("/api/initiatives.geojson", {"deprived": "20", "bbox": UK})
    assert response.status_code == 200
    # The one without a pin is shown at its place's centre.
    assert sorted(f["properties"]["title"] for f in response.json()["features"]) == DEPRIVED


def test_the_csv_filters(client, initiatives):
    response = client.get("/initiatives/export.csv", {"deprived": "20"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert sorted(row["slug"] for row in csv.DictReader(io.StringIO(text))) == DEPRIVED


def test_the_api_filters_and_shows_the_decile_with_its_index(client, initiatives):
    data = client.get("/api/initiatives/", {"deprived": "20"}).json()
    assert sorted(item["slug"] for item in data["results"]) == DEPRIVED
    item = client.get("/api/initiatives/pinned-comfortable/").json()
    assert item["deprivation_decile"] == 7
    assert item["deprivation_index"] == "English Indices of Deprivation 2019"
    unknown = client.get("/api/initiatives/unknown/").json()
    assert (unknown["deprivation_decile"], unknown["deprivation_index"]) == (None, None)


def test_the_most_deprived_10_percent_too(client, initiatives):
    data = client.get("/api/initiatives/", {"deprived": "10"}).json()
    assert sorted(item["slug"] for item in data["results"]) == DEPRIVED


@pytest.mark.parametrize(
    "url",
    ["/initiatives/", "/api/initiatives.geojson", "/initiatives/export.csv", "/api/initiatives/"],
)
def test_a_bad_value_is_a_400_that_says_what_to_give(client, initiatives, url):
    response = client.get(url, {"deprived": "25", "bbox": UK})
    assert response.status_code == 400
    assert "Give deprived as 10, 20 or 30" in response.content.decode()


@pytest.mark.parametrize("url", ["/initiatives/", "/api/initiatives/"])
def test_the_filtered_list_keeps_its_query_budget(
    client, initiatives, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(10):
        response = client.get(url, {"deprived": "20"})
    assert response.status_code == 200
