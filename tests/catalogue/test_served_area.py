"""An initiative may draw or paste the area it serves: a GeoJSON polygon,
checked on the submission form (closed, not crossing itself, in the UK, not
too many points), moderated with the rest of an edit, and public once
published: in the API, linked from the map's GeoJSON, and in Open Referral
UK's service areas."""

import json
import math

import pytest
from django.test import Client

from initiatives.models import Initiative, InitiativeRevision
from initiatives.submissions.services import revision_apply
from initiatives.validation import MAX_AREA_POINTS
from tests.factories import make_initiative
from tests.submission_forms import form_data, verified_user

pytestmark = pytest.mark.django_db

SUBMIT = "/initiatives/submit/"

# Around Lawrence Weston, drawn by hand.
AREA = {
    "type": "Polygon",
    "coordinates": [
        [[-2.695, 51.498], [-2.665, 51.498], [-2.665, 51.512], [-2.695, 51.512], [-2.695, 51.498]]
    ],
}


@pytest.fixture
def signed_in(client):
    client.force_login(verified_user("sam@example.org"))
    return client


def post(client, theme, area):
    text = area if isinstance(area, str) else json.dumps(area)
    return client.post(SUBMIT, form_data(themes=[theme], place="Lawrence Weston", served_area=text))


def test_a_submission_keeps_the_area_it_serves(signed_in, places, theme):
    response = post(signed_in, theme, AREA)
    assert response.status_code == 302
    assert Initiative.objects.get().served_area == AREA


def test_a_feature_from_geojson_io_is_taken_for_its_polygon(signed_in, places, theme):
    pasted = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": AREA}],
    }
    assert post(signed_in, theme, pasted).status_code == 302
    assert Initiative.objects.get().served_area == AREA


def test_no_area_is_none(signed_in, places, theme):
    assert post(signed_in, theme, "").status_code == 302
    assert Initiative.objects.get().served_area is None


def ring(points):
    return {"type": "Polygon", "coordinates": [points]}


BOW_TIE = ring([[-2.69, 51.50], [-2.66, 51.51], [-2.66, 51.50], [-2.69, 51.51], [-2.69, 51.50]])
OPEN = ring([[-2.69, 51.50], [-2.66, 51.50], [-2.66, 51.51], [-2.69, 51.51], [-2.69, 51.505]])
PARIS = ring([[2.30, 48.85], [2.40, 48.85], [2.40, 48.90], [2.30, 48.85]])
SWAPPED = ring([[51.50, -2.69], [51.50, -2.66], [51.51, -2.66], [51.50, -2.69]])


def circle(n):
    points = [
        [-2.68 + 0.01 * math.cos(2 * math.pi * i / n), 51.5 + 0.01 * math.sin(2 * math.pi * i / n)]
        for i in range(n)
    ]
    return ring([*points, points[0]])


@pytest.mark.parametrize(
    ("area", "message"),
    [
        ("{not json", "The area is not GeoJSON"),
        ('"Lawrence Weston"', "must be a GeoJSON Polygon or MultiPolygon"),
        ({"type": "Point", "coordinates": [-2.68, 51.5]}, "must be a GeoJSON Polygon"),
        (OPEN, "is not closed"),
        (BOW_TIE, "edges cross each other near 51.505, -2.675"),
        (PARIS, "goes outside the UK"),
        (SWAPPED, "GeoJSON gives longitude first"),
        (circle(MAX_AREA_POINTS + 10), f"at most {MAX_AREA_POINTS}"),
        (ring([[-2.69, "51.5"], [-2.66, 51.5], [-2.66, 51.51], [-2.69, 51.5]]), "two numbers"),
        (ring([[-2.69, 51.5], [-2.66, 51.5], [-2.69, 51.5]]), "at least four points"),
        ("x" * 50_000, "too long"),
    ],
)
def test_an_area_that_cannot_be_used_is_a_form_error_saying_why(
    signed_in, places, theme, area, message
):
    response = post(signed_in, theme, area)
    assert response.status_code == 400
    assert 'href="#id_served_area"' in response.text  # in the error summary
    assert message in response.text.replace("&#x27;", "'").replace("’", "'")
    assert not Initiative.objects.exists()


def test_an_edit_to_a_published_initiative_proposes_its_area_for_moderation(client, places, theme):
    submitter = verified_user("sam@example.org")
    live = make_initiative(
        "Lawrence Weston tool shed",
        places=[places["lawrence-weston"]],
        themes=[theme],
        submitted_by=submitter,
    )
    client.force_login(submitter)
    response = client.post(
        f"/account/submissions/{live.pk}/edit/",
        form_data(
            themes=[theme], place="Lawrence Weston", title=live.title, served_area=json.dumps(AREA)
        ),
    )
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.served_area is None  # until a moderator approves
    revision = InitiativeRevision.objects.get()
    assert revision.data["served_area"] == AREA
    # The form shows the waiting area as GeoJSON text, to change again.
    form = client.get(f"/account/submissions/{live.pk}/edit/").text
    assert "&quot;Polygon&quot;" in form
    revision_apply(revision)
    live.refresh_from_db()
    assert live.served_area == AREA


# Public once published, and only then.


@pytest.fixture
def with_area(places, theme):
    def make(title, state=Initiative.State.PUBLISHED):
        return make_initiative(
            title,
            places=[places["lawrence-weston"]],
            themes=[theme],
            state=state,
            served_area=AREA,
            latitude=51.505,
            longitude=-2.68,
        )

    return make


def test_a_published_initiatives_area_is_in_the_api_the_geojson_and_open_referral(with_area):
    initiative = with_area("Lawrence Weston solar")
    visitor = Client()
    api = visitor.get(f"/api/initiatives/{initiative.slug}/").json()
    assert api["served_area"] == AREA

    points = visitor.get("/api/initiatives.geojson").json()["features"]
    (point,) = [f for f in points if f["id"] == initiative.slug]
    assert point["properties"]["served_area_url"].endswith(
        f"/initiatives/{initiative.slug}/area.geojson"
    )
    assert "coordinates" not in json.dumps(point["properties"])  # a link, not the polygon

    area = visitor.get(f"/initiatives/{initiative.slug}/area.geojson")
    assert area.status_code == 200
    assert area["Content-Type"] == "application/geo+json"
    assert area.json()["geometry"] == AREA

    service = visitor.get(f"/openreferral/services/{initiative.uuid}").json()
    drawn = [a for a in service["service_areas"] if a.get("extent_type") == "geojson"]
    assert len(drawn) == 1
    assert json.loads(drawn[0]["extent"]) == AREA
    assert drawn[0]["uri"].endswith(f"/initiatives/{initiative.slug}/area.geojson")
    # The places served are areas too, as before.
    assert any(a["name"] == "Lawrence Weston" for a in service["service_areas"])


def test_an_initiative_without_an_area_has_no_link_to_one(published):
    visitor = Client()
    (point,) = visitor.get("/api/initiatives.geojson").json()["features"]
    assert "served_area_url" not in point["properties"]
    assert visitor.get(f"/api/initiatives/{published.slug}/").json()["served_area"] is None
    assert visitor.get(f"/initiatives/{published.slug}/area.geojson").status_code == 404


@pytest.mark.parametrize("state", [Initiative.State.PENDING, Initiative.State.DRAFT])
def test_an_unpublished_initiatives_area_is_never_public(with_area, state):
    hidden = with_area("Hidden area", state=state)
    visitor = Client()
    assert visitor.get(f"/initiatives/{hidden.slug}/area.geojson").status_code == 404
    assert visitor.get(f"/api/initiatives/{hidden.slug}/").status_code == 404
    assert visitor.get(f"/openreferral/services/{hidden.uuid}").status_code == 404
    assert hidden.slug not in visitor.get("/api/initiatives.geojson").text
    assert "51.498" not in visitor.get("/api/initiatives/").text
