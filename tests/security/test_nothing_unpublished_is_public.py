"""An initiative that is not published appears nowhere public: not in lists,
searches, facets, counts, pages, the home page or the map's data."""

import pytest
from django.utils import timezone

from initiatives.models import Initiative
from tests.factories import make_initiative, make_organisation, make_place, make_theme

pytestmark = pytest.mark.django_db

HIDDEN_STATES = [s for s in Initiative.State if s != Initiative.State.PUBLISHED]
SECRET = "Zanzibar"


@pytest.fixture(params=HIDDEN_STATES, ids=[s.value for s in HIDDEN_STATES])
def world(request, england):
    """One published initiative, and one in a hidden state that has a place,
    a theme and an organisation of its own besides ones it shares."""
    south_west = make_place(
        "South West", kind="region", parent=england, latitude=50.96, longitude=-3.22
    )
    bristol = make_place(
        "Bristol", kind="local_authority", parent=south_west, latitude=51.4545, longitude=-2.5879
    )
    hiddenmoor = make_place(
        "Hiddenmoor", kind="neighbourhood", parent=bristol, latitude=51.49, longitude=-2.62
    )
    food = make_theme("Food")
    orchards = make_theme("Moonlight orchards")
    council = make_organisation("Bristol City Council", kind="council")
    shadow = make_organisation("Shadow Trust", kind="charity")

    shown = make_initiative(
        "Bristol food bank",
        places=[bristol],
        themes=[food],
        summary="Food for anyone who needs it.",
        organisations=[(council, "lead")],
    )
    hidden = make_initiative(
        f"{SECRET} moonlight orchard",
        places=[hiddenmoor, bristol],
        themes=[orchards, food],
        summary=f"{SECRET} fruit for the neighbourhood.",
        organisations=[(shadow, "lead"), (council, "partner")],
        featured=True,
        state="draft",
    )
    # As if it had been published before: a stale publication date must not
    # make it public either.
    Initiative.objects.filter(pk=hidden.pk).update(
        moderation_state=request.param, published_at=timezone.now()
    )
    return {"state": request.param, "shown": shown, "hidden": hidden}


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:2000]
    return response


def listed(response):
    return [initiative.title for initiative in response.context["page"]]


PUBLIC_PAGES = [
    "/",
    "/initiatives/",
    f"/initiatives/?q={SECRET}",
    "/initiatives/?theme=food",
    "/initiatives/?theme=moonlight-orchards",
    "/initiatives/?place=bristol",
    "/initiatives/?place=hiddenmoor",
    "/initiatives/?organisation=shadow-trust",
    "/initiatives/?organisation=bristol-city-council",
    "/initiatives/?near=hiddenmoor&radius_km=5",
    "/initiatives/bristol-food-bank/",
    "/places/",
    "/places/south-west/",
    "/places/bristol/",
    "/places/hiddenmoor/",
    "/themes/",
    "/themes/food/",
    "/themes/moonlight-orchards/",
    "/organisations/",
    "/organisations/bristol-city-council/",
    "/organisations/shadow-trust/",
    "/map/",
    "/api/initiatives.geojson",
    "/api/initiatives.geojson?theme=moonlight-orchards",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_no_public_page_mentions_it(client, world, url):
    response = client.get(url)
    assert response.status_code == 200
    hidden = world["hidden"]
    # Its title, summary or link: a search page echoes the word searched for.
    for trace in (hidden.title, hidden.summary, hidden.slug):
        assert trace not in response.text


def test_its_own_page_is_not_found(client, world):
    assert client.get(world["hidden"].get_absolute_url()).status_code == 404


def test_the_list_does_not_show_it(client, world):
    response = get(client, "/initiatives/")
    assert listed(response) == ["Bristol food bank"]
    assert response.context["page"].paginator.count == 1


def test_searching_for_its_words_finds_nothing(client, world):
    assert listed(get(client, "/initiatives/", q=SECRET)) == []
    assert listed(get(client, "/initiatives/", q="moonlight orchard")) == []


def test_filtering_by_its_theme_place_or_organisation_finds_nothing(client, world):
    assert listed(get(client, "/initiatives/", theme="moonlight-orchards")) == []
    assert listed(get(client, "/initiatives/", place="hiddenmoor")) == []
    assert listed(get(client, "/initiatives/", organisation="shadow-trust")) == []
    assert listed(get(client, "/initiatives/", near="hiddenmoor", radius_km="5")) == [
        "Bristol food bank"
    ]


def test_filtering_by_what_it_shares_with_a_published_one_finds_only_that_one(client, world):
    assert listed(get(client, "/initiatives/", theme="food")) == ["Bristol food bank"]
    assert listed(get(client, "/initiatives/", place="bristol")) == ["Bristol food bank"]
    assert listed(get(client, "/initiatives/", organisation="bristol-city-council")) == [
        "Bristol food bank"
    ]


def test_facets_do_not_count_it(client, world):
    response = get(client, "/initiatives/")
    themes = {t.slug: n for t, n in response.context["theme_options"]}
    assert themes == {"food": 1, "moonlight-orchards": 0}
    assert [(p.slug, n) for p, n in response.context["place_options"]] == [("south-west", 1)]


def test_drilling_down_to_its_place_does_not_offer_it(client, world):
    response = get(client, "/initiatives/", place="bristol")
    assert "hiddenmoor" not in {p.slug for p, _n in response.context["place_options"]}
    response = get(client, "/initiatives/", place="south-west")
    assert [(p.slug, n) for p, n in response.context["place_options"]] == [("bristol", 1)]


def test_place_pages_do_not_list_or_count_it(client, world):
    bristol = get(client, "/places/bristol/")
    assert listed(bristol) == ["Bristol food bank"]
    assert [(p.slug, p.initiative_count) for p in bristol.context["children"]] == [
        ("hiddenmoor", 0)
    ]
    assert listed(get(client, "/places/hiddenmoor/")) == []
    assert listed(get(client, "/places/south-west/")) == ["Bristol food bank"]


def test_the_places_index_does_not_count_it(client, world):
    counts = {}

    def walk(places):
        for place in places:
            counts[place.slug] = place.initiative_count
            walk(place.subplaces)

    walk(get(client, "/places/").context["places"])
    assert counts == {
        "united-kingdom": 1,
        "england": 1,
        "south-west": 1,
        "bristol": 1,
        "hiddenmoor": 0,
    }


def test_theme_pages_do_not_list_or_count_it(client, world):
    assert listed(get(client, "/themes/moonlight-orchards/")) == []
    assert listed(get(client, "/themes/food/")) == ["Bristol food bank"]
    index = get(client, "/themes/")
    assert {t.slug: t.n for t in index.context["themes"]} == {
        "food": 1,
        "moonlight-orchards": 0,
    }


def test_organisation_pages_do_not_list_or_count_it(client, world):
    assert listed(get(client, "/organisations/shadow-trust/")) == []
    assert listed(get(client, "/organisations/bristol-city-council/")) == ["Bristol food bank"]
    index = get(client, "/organisations/")
    assert {o.slug: o.n for o in index.context["page"]} == {
        "bristol-city-council": 1,
        "shadow-trust": 0,
    }


def test_it_is_not_offered_as_a_similar_initiative(client, world):
    response = get(client, "/initiatives/bristol-food-bank/")
    assert list(response.context["related"]) == []


def test_the_home_page_does_not_count_feature_or_list_it(client, world):
    response = get(client, "/")
    assert response.context["counts"] == {"initiatives": 1, "places": 1, "organisations": 1}
    assert list(response.context["featured"]) == []
    assert [i.title for i in response.context["newest"]] == ["Bristol food bank"]
    assert {t.slug: t.n for t in response.context["themes"]} == {
        "food": 1,
        "moonlight-orchards": 0,
    }
    assert "Map of 1 initiative across the UK" in response.text


def test_the_map_data_does_not_include_it(client, world):
    response = client.get("/api/initiatives.geojson")
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 1
    assert [f["id"] for f in data["features"]] == ["bristol-food-bank"]


def test_the_map_data_filtered_by_its_theme_is_empty(client, world):
    data = client.get("/api/initiatives.geojson", {"theme": "moonlight-orchards"}).json()
    assert data["total"] == 0 and data["features"] == []


def test_the_map_data_around_it_does_not_include_it(client, world):
    data = client.get(
        "/api/initiatives.geojson", {"bbox": "-2.7,51.45,-2.55,51.55", "zoom": "14"}
    ).json()
    assert [f["id"] for f in data["features"]] == ["bristol-food-bank"]
    assert data["total"] == 1
