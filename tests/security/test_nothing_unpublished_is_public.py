"""Nothing unpublished, and nothing private, is public.

An initiative that is not published appears nowhere public: not in lists,
searches, facets, counts, pages, the home page or the map's data, and not
in any open-data answer. A published one shows nothing its people did not
agree to show (a contact without consent, a submitter without credit, a
moderator's note). And every public output takes what it shows from
initiatives.public, the one place that decides.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db.models.signals import post_save
from django.test import RequestFactory
from django.utils import timezone

from initiatives import public
from initiatives.models import Collection, CollectionItem, Initiative, ModerationDecision, Theme
from initiatives.opendata import openreferral, openreferral_queries
from initiatives.opendata.feeds import InitiativesFeed
from initiatives.ops import caching
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


# published() is where "published" is decided.


@pytest.mark.parametrize("state", [s for s in Initiative.State if s != Initiative.State.PUBLISHED])
def test_published_hides_every_other_state(england, theme, state, client):
    hidden = make_initiative("Hidden", places=[england], themes=[theme], state="draft")
    Initiative.objects.filter(pk=hidden.pk).update(moderation_state=state)
    shown = make_initiative("Shown", places=[england], themes=[theme])
    assert list(Initiative.objects.published()) == [shown]
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(shown.get_absolute_url()).status_code == 200


def test_publishing_sets_the_publication_date(england, theme):
    initiative = make_initiative("Pending", places=[england], themes=[theme], state="pending")
    assert initiative.published_at is None
    published = make_initiative("Published", places=[england], themes=[theme])
    assert published.published_at is not None


# Open data: nothing private in any answer (the API, CSV, GeoJSON, Open
# Referral UK, the feeds and the embeddable map), for a published initiative
# whose contact did not agree to be shown, whose submitter chose no credit and
# which carries a moderator's note; and nothing of an unpublished one.

SECRETS = (
    "hidden-contact@example.org",
    "Hidden Contact Person",
    "07700 900123",
    "submitter@example.org",
    "Submitter Surname",
    "internal note about the pantry",
    "Unpublished pantry",
)


@pytest.fixture
def initiatives(places, theme):
    submitter = get_user_model().objects.create_user(
        "submitter@example.org", public_name="Submitter Surname"
    )
    organisation = make_organisation("Pantry Trust")
    pantry = make_initiative(
        "Published pantry",
        places=[places["bristol"]],
        themes=[theme],
        organisations=[(organisation, "lead")],
        contact_name="Hidden Contact Person",
        contact_email="hidden-contact@example.org",
        contact_phone="07700 900123",
        contact_consent=False,
        submitted_by=submitter,
        credit_submitter=False,
        credit_name="Submitter Surname",
    )
    ModerationDecision.objects.create(
        initiative=pantry,
        from_state="pending",
        to_state="published",
        internal_note="internal note about the pantry",
    )
    hidden = make_initiative(
        "Unpublished pantry",
        places=[places["bristol"]],
        themes=[theme],
        organisations=[(organisation, "lead")],
        state=Initiative.State.PENDING,
    )
    return pantry, hidden, organisation


def open_data_urls(pantry, organisation, places, theme):
    bristol = places["bristol"]
    return [
        "/api/initiatives/",
        f"/api/initiatives/{pantry.slug}/",
        "/api/organisations/",
        "/initiatives/export.csv",
        "/api/initiatives.geojson",
        "/openreferral/services",
        f"/openreferral/services/{pantry.uuid}",
        "/openreferral/service_at_locations",
        f"/openreferral/service_at_locations/{openreferral.flip_service_at_location_id(pantry.uuid)}",
        f"/openreferral/organizations/{organisation.uuid}",
        "/feeds/initiatives.rss",
        "/feeds/initiatives.atom",
        f"/places/{bristol.slug}/feed.atom",
        f"/themes/{theme.slug}/feed.rss",
        f"/organisations/{organisation.slug}/feed.atom",
        f"/embed/map/?place={bristol.slug}",
        f"/places/{bristol.slug}/",
    ]


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_no_open_data_answer_holds_anything_private_or_unpublished(
    client, initiatives, places, theme
):
    pantry, _hidden, organisation = initiatives
    for url in open_data_urls(pantry, organisation, places, theme):
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response)
        # The answer does show the public things (so the test reads real data).
        assert "Published pantry" in text or "Pantry Trust" in text, url
        leaked = [secret for secret in SECRETS if secret in text]
        assert not leaked, f"{url} shows {leaked}"


def test_a_contact_who_agreed_is_shown_in_the_api_csv_and_open_referral(
    client, initiatives, places, theme
):
    pantry, _hidden, _organisation = initiatives
    Initiative.objects.filter(pk=pantry.pk).update(contact_consent=True)
    for url in (
        f"/api/initiatives/{pantry.slug}/",
        "/initiatives/export.csv",
        f"/openreferral/services/{pantry.uuid}",
    ):
        assert "hidden-contact@example.org" in body(client.get(url)), url


# Each output shows what initiatives.public lists for it, and no more.


@pytest.fixture
def pantry(initiatives):
    return initiatives[0]


def test_the_csv_columns_are_the_public_csv_columns(client, pantry):
    lines = body(client.get("/initiatives/export.csv")).lstrip("\ufeff").splitlines()
    assert lines[0].split(",") == list(public.CSV_COLUMNS)


def test_the_api_shows_an_initiative_s_public_api_fields(client, pantry):
    data = client.get(f"/api/initiatives/{pantry.slug}/").json()
    assert list(data) == list(public.API_FIELDS)


def test_a_map_point_has_the_public_geojson_properties(client, pantry):
    features = client.get("/api/initiatives.geojson").json()["features"]
    assert features
    for feature in features:
        assert list(feature["properties"]) == list(public.GEOJSON_PROPERTIES)


def test_open_referral_and_the_feeds_read_only_their_public_fields(pantry):
    services = openreferral_queries.services()
    assert services.query.deferred_loading == (set(public.OPENREFERRAL_FIELDS), False)
    feed = InitiativesFeed().items(None)
    assert feed.query.deferred_loading == (set(public.FEED_FIELDS), False)


def test_the_contact_and_the_credit_are_public_only_when_agreed(pantry):
    assert public.public_contact(pantry) is None
    assert public.public_credit(pantry) is None
    Initiative.objects.filter(pk=pantry.pk).update(contact_consent=True, credit_submitter=True)
    pantry.refresh_from_db()
    assert public.public_contact(pantry)["email"] == "hidden-contact@example.org"
    assert public.public_credit(pantry) == "Submitter Surname"


def test_a_collection_that_is_not_public_is_in_no_public_output(client, pantry):
    shown = Collection.objects.create(title="Shown pantries", slug="shown-pantries")
    hidden = Collection.objects.create(
        title="Draft pantries", slug="draft-pantries", is_public=False
    )
    for collection in (shown, hidden):
        CollectionItem.objects.create(collection=collection, initiative=pantry, position=1)
    assert list(public.public_collections()) == [shown]
    for url in ("/collections/", "/api/collections/", "/sitemap.xml"):
        text = body(client.get(url))
        assert "shown-pantries" in text or "Shown pantries" in text, url
        assert "draft-pantries" not in text and "Draft pantries" not in text, url


def test_robots_txt_disallows_exactly_what_is_not_for_crawlers(client, settings):
    settings.ADMIN_URL = ""
    lines = client.get("/robots.txt").content.decode().splitlines()
    disallowed = [line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow")]
    assert disallowed == list(public.NOT_FOR_CRAWLERS)


@pytest.mark.parametrize("prefix", public.NEVER_CACHED)
def test_a_page_never_cached_is_not_cached(settings, prefix):
    settings.PAGE_CACHE = True
    assert not caching.cacheable(RequestFactory().get(f"{prefix}some-page/"))
    assert caching.cacheable(RequestFactory().get("/initiatives/"))


@pytest.mark.parametrize("model", public.PUBLIC_MODELS, ids=lambda m: m.__name__)
def test_every_public_model_moves_the_cached_pages_on(model):
    assert post_save.has_listeners(model)


def test_changing_a_public_model_moves_the_cached_pages_on(django_capture_on_commit_callbacks):
    before = caching.version()
    with django_capture_on_commit_callbacks(execute=True):
        Theme.objects.create(name="Brand new", slug="brand-new")
    assert caching.version() > before
