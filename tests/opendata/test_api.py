"""The read-only JSON API: published initiatives only, the list page's
filters, lookups by slug or stable id, clear errors, a bounded number of
queries, open to any site, and nothing private in any answer."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from communities.models import Organisation, Place
from initiatives.browse import tallies
from initiatives.models import (
    Collection,
    CollectionItem,
    Initiative,
    InitiativeImage,
    InitiativeRevision,
    InitiativeSource,
    ModerationDecision,
    Report,
)
from tests.factories import (
    make_initiative,
    make_organisation,
    make_place,
    make_theme,
    publish_in_order,
)

pytestmark = pytest.mark.django_db

HIDDEN_STATES = [s for s in Initiative.State if s != Initiative.State.PUBLISHED]
LICENCE_LINK = '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'


@pytest.fixture
def world(places, theme):
    """Three published initiatives, and one in each hidden state that shares
    their place, sub-theme and organisation."""
    solar_theme = make_theme("Solar", parent=theme)
    food = make_theme("Food")
    council = make_organisation("Birmingham City Council", kind="council")
    trust = make_organisation("Bristol Energy Trust", kind="charity")
    solar = make_initiative(
        "Lawrence Weston solar farm",
        places=[places["lawrence-weston"]],
        themes=[solar_theme],
        organisations=[(trust, "lead")],
    )
    bath = make_initiative(
        "Bath repair cafe",
        places=[places["bath"]],
        themes=[food],
        activity_status="planned",
    )
    birmingham = make_initiative(
        "Birmingham food bank",
        places=[places["west-midlands"]],
        themes=[food],
        organisations=[(council, "partner")],
        activity_status="ended",
    )
    publish_in_order(bath, birmingham, solar)
    hidden = {
        state: make_initiative(
            f"Secret {state} scheme",
            places=[places["lawrence-weston"]],
            themes=[solar_theme, food],
            organisations=[(trust, "partner"), (council, "lead")],
            state=state,
        )
        for state in HIDDEN_STATES
    }
    # As if each had been published once: a stale date must not make it public.
    Initiative.objects.filter(pk__in=[i.pk for i in hidden.values()]).update(
        published_at=timezone.now()
    )
    return {
        "solar": solar,
        "bath": bath,
        "birmingham": birmingham,
        "hidden": hidden,
        "solar_theme": solar_theme,
        "food": food,
        "council": council,
        "trust": trust,
    }


def get(client, url, params=None, status=200):
    response = client.get(url, params or {})
    assert response.status_code == status, response.content[:2000]
    return response


def slugs(client, url="/api/initiatives/", **params):
    return [item["slug"] for item in get(client, url, params).json()["results"]]


ALL_NEWEST_FIRST = ["lawrence-weston-solar-farm", "birmingham-food-bank", "bath-repair-cafe"]


# What the list shows.


def test_the_list_shows_the_published_initiatives_newest_first(client, world):
    data = get(client, "/api/initiatives/").json()
    assert data["count"] == 3
    assert [item["slug"] for item in data["results"]] == ALL_NEWEST_FIRST
    assert data["next"] is None and data["previous"] is None


def test_an_initiative_carries_its_links_and_stable_id(client, world):
    solar = world["solar"]
    data = get(client, f"/api/initiatives/{solar.slug}/").json()
    assert data["id"] == str(solar.uuid)
    assert data["title"] == "Lawrence Weston solar farm"
    assert data["url"] == "http://testserver/initiatives/lawrence-weston-solar-farm/"
    assert [(p["slug"], p["is_primary"]) for p in data["places"]] == [("lawrence-weston", True)]
    assert data["places"][0]["id"] == str(Place.objects.get(slug="lawrence-weston").uuid)
    assert [(o["slug"], o["role"]) for o in data["organisations"]] == [
        ("bristol-energy-trust", "lead")
    ]
    assert [t["slug"] for t in data["themes"]] == ["solar"]
    assert data["activity_status"] == "active"
    assert data["contact"] is None and data["credit"] is None


@pytest.mark.parametrize("state", HIDDEN_STATES, ids=[s.value for s in HIDDEN_STATES])
def test_an_unpublished_initiative_is_in_no_list_count_or_lookup(client, world, state):
    hidden = world["hidden"][state]
    for params in (
        {},
        {"place": "lawrence-weston"},
        {"theme": "solar"},
        {"organisation": "bristol-energy-trust"},
        {"q": "secret"},
        {"near": "lawrence-weston"},
    ):
        data = get(client, "/api/initiatives/", params).json()
        listed = [item["slug"] for item in data["results"]]
        assert hidden.slug not in listed
        assert data["count"] == len(listed)
    assert get(client, "/api/initiatives/").json()["count"] == 3
    for lookup in (hidden.slug, hidden.uuid):
        response = get(client, f"/api/initiatives/{lookup}/", status=404)
        assert list(response.json()) == ["detail"]


def test_a_lookup_by_slug_and_by_id_give_the_same_initiative(client, world):
    solar = world["solar"]
    by_slug = get(client, f"/api/initiatives/{solar.slug}/").json()
    by_id = get(client, f"/api/initiatives/{solar.uuid}/").json()
    assert by_slug == by_id
    # The uppercase spelling of a UUID is the same id.
    assert get(client, f"/api/initiatives/{str(solar.uuid).upper()}/").json() == by_id


@pytest.mark.parametrize("kind", ["places", "organisations", "themes"])
def test_places_organisations_and_themes_are_found_by_slug_or_by_id(client, world, kind):
    thing = {
        "places": Place.objects.get(slug="bristol"),
        "organisations": world["trust"],
        "themes": world["solar_theme"],
    }[kind]
    by_slug = get(client, f"/api/{kind}/{thing.slug}/").json()
    assert by_slug == get(client, f"/api/{kind}/{thing.uuid}/").json()
    assert by_slug["id"] == str(thing.uuid)
    assert by_slug["url"] == "http://testserver" + thing.get_absolute_url()
    assert by_slug["initiatives_url"].startswith("http://testserver/api/initiatives/?")


@pytest.mark.parametrize(
    "url",
    [
        "/api/initiatives/no-such-thing/",
        "/api/initiatives/00000000-0000-0000-0000-000000000000/",
        "/api/places/no-such-place/",
        "/api/organisations/no-such-organisation/",
        "/api/themes/no-such-theme/",
        "/api/collections/no-such-collection/",
        # A NUL, which PostgreSQL refuses in a query, is no slug.
        "/api/initiatives/a%00b/",
        "/api/places/%00/",
        "/api/collections/%00/",
    ],
)
def test_what_does_not_exist_is_a_json_404(client, world, url):
    response = get(client, url, status=404)
    assert list(response.json()) == ["detail"]
    assert response["Access-Control-Allow-Origin"] == "*"


# The filters: the list page's, plus modified_after.


def test_a_place_includes_the_places_under_it(client, world):
    assert slugs(client, place="lawrence-weston") == ["lawrence-weston-solar-farm"]
    assert slugs(client, place="bristol") == ["lawrence-weston-solar-farm"]
    assert slugs(client, place="south-west") == ["lawrence-weston-solar-farm", "bath-repair-cafe"]
    assert slugs(client, place="england") == ALL_NEWEST_FIRST


def test_a_theme_includes_its_sub_themes_and_several_themes_mean_any_of_them(client, world):
    assert slugs(client, theme="solar") == ["lawrence-weston-solar-farm"]
    assert slugs(client, theme="community-energy") == ["lawrence-weston-solar-farm"]
    assert slugs(client, theme="food") == ["birmingham-food-bank", "bath-repair-cafe"]
    assert slugs(client, theme=["food", "solar"]) == ALL_NEWEST_FIRST
    assert slugs(client, theme=["food"], place="south-west") == ["bath-repair-cafe"]


def test_organisation_status_and_search_filters(client, world):
    assert slugs(client, organisation="birmingham-city-council") == ["birmingham-food-bank"]
    assert slugs(client, organisation="bristol-energy-trust") == ["lawrence-weston-solar-farm"]
    assert slugs(client, status="planned") == ["bath-repair-cafe"]
    assert slugs(client, status="ended") == ["birmingham-food-bank"]
    assert slugs(client, status="paused") == []
    assert slugs(client, q="repair") == ["bath-repair-cafe"]
    assert slugs(client, q="solar farm") == ["lawrence-weston-solar-farm"]


def test_near_finds_what_is_within_the_radius_nearest_first(client, world):
    # From Bristol's centre: Lawrence Weston is about 9 km away, Bath about 18.
    assert slugs(client, near="bristol") == ["lawrence-weston-solar-farm"]
    assert slugs(client, near="bristol", radius_km="25") == [
        "lawrence-weston-solar-farm",
        "bath-repair-cafe",
    ]
    assert slugs(client, near="bath", radius_km="30") == [
        "bath-repair-cafe",
        "lawrence-weston-solar-farm",
    ]
    assert slugs(client, near="bristol", radius_km="25", sort="title") == [
        "bath-repair-cafe",
        "lawrence-weston-solar-farm",
    ]


def _changed_at(initiative, when):
    Initiative.objects.filter(pk=initiative.pk).update(updated_at=when)


def test_modified_after_takes_a_date_or_a_date_and_time(client, world):
    _changed_at(world["bath"], datetime(2024, 1, 10, 9, 0, tzinfo=UTC))
    _changed_at(world["birmingham"], datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    _changed_at(world["solar"], datetime(2024, 6, 1, 12, 0, tzinfo=UTC))
    assert slugs(client, modified_after="2024-01-01") == ALL_NEWEST_FIRST
    assert slugs(client, modified_after="2024-03-01") == [
        "lawrence-weston-solar-farm",
        "birmingham-food-bank",
    ]
    # Changed on or after the moment given, with or without an offset.
    assert slugs(client, modified_after="2024-06-01T12:00:00Z") == ["lawrence-weston-solar-farm"]
    assert slugs(client, modified_after="2024-06-01T13:00:00+01:00") == [
        "lawrence-weston-solar-farm"
    ]
    assert slugs(client, modified_after="2024-06-01T12:00:01Z") == []
    assert slugs(client, modified_after="2030-01-01") == []


@pytest.mark.parametrize("url", ["/api/initiatives/", "/api/places/", "/api/organisations/"])
def test_modified_after_with_an_offset_postgresql_would_refuse_is_read_in_utc(client, world, url):
    # Python takes offsets up to a day; PostgreSQL refuses those beyond 16 hours.
    Initiative.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    _changed_at(world["solar"], datetime(2024, 6, 2, 10, 0, tzinfo=UTC))
    get(client, url, {"modified_after": "1280-04-18T21:56:00.1-22:30"})
    if url == "/api/initiatives/":
        # 2024-06-01T11:30 -22:30 is 2024-06-02T10:00 UTC.
        assert slugs(client, modified_after="2024-06-01T11:30:00-22:30") == [
            "lawrence-weston-solar-farm"
        ]
        assert slugs(client, modified_after="2024-06-01T11:30:01-22:30") == []


def test_modified_after_on_places_and_organisations(client, world):
    Place.objects.exclude(slug="bath").update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))
    Organisation.objects.exclude(pk=world["council"].pk).update(
        updated_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    assert slugs(client, "/api/places/", modified_after="2021-01-01") == ["bath"]
    assert slugs(client, "/api/organisations/", modified_after="2021-01-01T00:00:00Z") == [
        "birmingham-city-council"
    ]


def test_places_filter_by_kind_name_parent_and_ancestor(client, world):
    assert slugs(client, "/api/places/", kind="region") == ["south-west", "west-midlands"]
    assert slugs(client, "/api/places/", q="bri") == ["bristol"]
    assert slugs(client, "/api/places/", parent="south-west") == ["bath", "bristol"]
    assert slugs(client, "/api/places/", within="south-west") == [
        "bath",
        "bristol",
        "lawrence-weston",
    ]
    for name in ("parent", "within"):
        response = client.get("/api/places/", {name: "atlantis"})
        assert response.status_code == 400
        assert response.json() == {name: ["There is no place with that name."]}
    bristol = get(client, "/api/places/bristol/").json()
    assert bristol["parent"] == "south-west"
    assert get(client, "/api/places/united-kingdom/").json()["parent"] is None


def test_organisations_filter_by_kind_name_and_place(client, world):
    world["trust"].places.set([Place.objects.get(slug="lawrence-weston")])
    assert slugs(client, "/api/organisations/") == [
        "birmingham-city-council",
        "bristol-energy-trust",
    ]
    assert slugs(client, "/api/organisations/", kind="charity") == ["bristol-energy-trust"]
    assert slugs(client, "/api/organisations/", q="birmingham") == ["birmingham-city-council"]
    assert slugs(client, "/api/organisations/", place="bristol") == ["bristol-energy-trust"]
    response = client.get("/api/organisations/", {"place": "atlantis"})
    assert response.status_code == 400
    assert response.json() == {"place": ["There is no place with that name."]}
    trust = get(client, "/api/organisations/bristol-energy-trust/").json()
    assert trust["places"] == ["lawrence-weston"]
    assert trust["logo"] is None


def test_themes_list_with_their_parents(client, world):
    themes = {t["slug"]: t["parent"] for t in get(client, "/api/themes/").json()["results"]}
    assert themes == {"community-energy": None, "food": None, "solar": "community-energy"}
    assert slugs(client, "/api/themes/", parent="community-energy") == ["solar"]


# Bad input: a 400 that names the field, never a server error.


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/api/initiatives/", {"theme": "atlantis"}, "theme"),
        ("/api/initiatives/", {"theme": ["community-energy", "atlantis"]}, "theme"),
        ("/api/initiatives/", {"place": "atlantis"}, "place"),
        ("/api/initiatives/", {"organisation": "nobody"}, "organisation"),
        ("/api/initiatives/", {"near": "atlantis"}, "near"),
        ("/api/initiatives/", {"status": "sleeping"}, "status"),
        ("/api/initiatives/", {"sort": "random"}, "sort"),
        ("/api/initiatives/", {"modified_after": "garbage"}, "modified_after"),
        ("/api/initiatives/", {"modified_after": "2024-13-45"}, "modified_after"),
        # Moments that would be before year 1 or after 9999 in UTC.
        ("/api/initiatives/", {"modified_after": "0001-01-01T00:00:00+05:00"}, "modified_after"),
        ("/api/initiatives/", {"modified_after": "9999-12-31T23:59:59-05:00"}, "modified_after"),
        ("/api/organisations/", {"modified_after": "yesterday"}, "modified_after"),
        ("/api/initiatives/", {"near": "bristol", "radius_km": "0"}, "radius_km"),
        ("/api/initiatives/", {"near": "bristol", "radius_km": "501"}, "radius_km"),
        ("/api/initiatives/", {"near": "bristol", "radius_km": "far"}, "radius_km"),
        ("/api/initiatives/", {"near": "bristol", "radius_km": "NaN"}, "radius_km"),
        ("/api/initiatives/", {"q": "x" * 201}, "q"),
        ("/api/initiatives/", {"q": "nul\x00"}, "q"),
        ("/api/places/", {"kind": "planet"}, "kind"),
        ("/api/places/", {"within": "\x00"}, "within"),
        ("/api/organisations/", {"kind": "cabal"}, "kind"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field(client, places, theme, url, params, field):
    response = get(client, url, params, status=400)
    errors = response.json()
    assert list(errors) == [field]
    assert all(isinstance(message, str) and message for message in errors[field])
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Link"] == LICENCE_LINK


def test_the_messages_say_what_is_wrong(client, places):
    assert get(client, "/api/initiatives/", {"theme": "atlantis"}, status=400).json() == {
        "theme": ["There is no theme called “atlantis”."]
    }
    errors = get(client, "/api/initiatives/", {"modified_after": "garbage"}, status=400).json()
    assert errors == {
        "modified_after": ["Give the date as YYYY-MM-DD or an ISO 8601 date and time."]
    }
    errors = get(
        client, "/api/initiatives/", {"near": "bristol", "radius_km": "501"}, status=400
    ).json()
    assert errors == {"radius_km": ["Choose a distance of at most 500 km."]}


# Pagination.


@pytest.mark.parametrize("page", ["0", "-1", "abc", "4", "99999999999999999999999"])
def test_a_page_that_does_not_exist_is_a_json_404(client, published, page):
    response = get(client, "/api/initiatives/", {"page": page, "page_size": "1"}, status=404)
    assert response.json() == {"detail": "Invalid page."}


def test_pages_link_to_each_other(client, world):
    first = get(client, "/api/initiatives/", {"page_size": "2"}).json()
    assert first["count"] == 3 and len(first["results"]) == 2
    assert first["next"] == "http://testserver/api/initiatives/?page=2&page_size=2"
    second = get(client, first["next"]).json()
    assert [i["slug"] for i in second["results"]] == ["bath-repair-cafe"]
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/initiatives/?page_size=2"


def test_a_page_holds_at_most_100(client, db):
    now = timezone.now()
    Initiative.objects.bulk_create(
        Initiative(
            title=f"Spot {i}",
            slug=f"spot-{i}",
            summary="s",
            description="d",
            moderation_state=Initiative.State.PUBLISHED,
            published_at=now - timedelta(minutes=i),
        )
        for i in range(105)
    )
    tallies.rebuild()  # bulk inserts send no signals
    data = get(client, "/api/initiatives/", {"page_size": "1000"}).json()
    assert data["count"] == 105 and len(data["results"]) == 100
    assert data["next"].endswith("page=2&page_size=1000")
    assert len(get(client, data["next"]).json()["results"]) == 5
    assert len(get(client, "/api/initiatives/").json()["results"]) == 20
    # A page size that is not a positive number is the default one.
    for size in ("0", "-5", "lots"):
        assert len(get(client, "/api/initiatives/", {"page_size": size}).json()["results"]) == 20


# Read only, and open to every site.

ENDPOINTS = [
    "/api/initiatives/",
    "/api/initiatives/lawrence-weston-solar-farm/",
    "/api/places/",
    "/api/places/bristol/",
    "/api/organisations/",
    "/api/organisations/bristol-energy-trust/",
    "/api/themes/",
    "/api/themes/solar/",
    "/api/collections/",
    "/api/collections/energy/",
]


@pytest.fixture
def collection(world):
    collection = Collection.objects.create(title="Energy", slug="energy")
    CollectionItem.objects.create(collection=collection, initiative=world["solar"], position=1)
    return collection


@pytest.mark.parametrize("url", ENDPOINTS)
def test_nothing_can_be_written(client, collection, url):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(
            url, {"title": "Mine now"}, content_type="application/json"
        )
        assert response.status_code == 405, method
        assert response["Access-Control-Allow-Origin"] == "*"
    assert not Initiative.objects.filter(title="Mine now").exists()
    assert not Collection.objects.filter(title="Mine now").exists()


@pytest.mark.parametrize("url", ["/api/", *ENDPOINTS])
def test_any_site_may_read_it_and_it_names_its_licence(client, collection, url):
    response = get(client, url)
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Link"] == LICENCE_LINK


def test_the_root_lists_the_endpoints(client, db):
    data = get(client, "/api/").json()
    assert data == {
        "initiatives": "http://testserver/api/initiatives/",
        "places": "http://testserver/api/places/",
        "organisations": "http://testserver/api/organisations/",
        "themes": "http://testserver/api/themes/",
        "collections": "http://testserver/api/collections/",
    }


# Collections.


def test_collections_show_only_public_ones_and_only_published_initiatives(client, world):
    energy = Collection.objects.create(title="Energy", slug="energy", introduction="Power.")
    for position, initiative in enumerate(
        [world["bath"], world["hidden"]["pending"], world["solar"], world["hidden"]["archived"]]
    ):
        CollectionItem.objects.create(collection=energy, initiative=initiative, position=position)
    private = Collection.objects.create(title="Work in progress", slug="wip", is_public=False)
    CollectionItem.objects.create(collection=private, initiative=world["solar"])

    data = get(client, "/api/collections/").json()
    assert data["count"] == 1
    [listed] = data["results"]
    assert listed["slug"] == "energy"
    # In the curator's order, without what is not published.
    assert listed["initiatives"] == ["bath-repair-cafe", "lawrence-weston-solar-farm"]
    assert listed["url"] == "http://testserver/collections/energy/"
    assert get(client, "/api/collections/energy/").json() == listed
    get(client, "/api/collections/wip/", status=404)


# A bounded number of queries, whatever the page holds.


def _busy_initiatives(n, places, themes, organisations, *, prefix):
    made = []
    for i in range(n):
        initiative = make_initiative(
            f"{prefix} {i}",
            places=places,
            themes=themes,
            organisations=[(organisation, "partner") for organisation in organisations],
        )
        InitiativeImage.objects.create(
            initiative=initiative, image=f"initiatives/{prefix}-{i}.jpg", alt_text="A photo"
        )
        InitiativeSource.objects.create(
            initiative=initiative, title="Local news", url="https://example.org/news"
        )
        made.append(initiative)
    return made


INITIATIVE_LIST_QUERIES = 8


def test_the_initiative_list_takes_the_same_number_of_queries_for_1_or_30(
    client, places, theme, django_assert_max_num_queries
):
    food = make_theme("Food")
    organisations = [make_organisation("Energy Trust"), make_organisation("Food Network")]
    where = [places["bristol"], places["bath"]]
    _busy_initiatives(1, where, [theme, food], organisations, prefix="First")
    with django_assert_max_num_queries(INITIATIVE_LIST_QUERIES):
        assert get(client, "/api/initiatives/", {"page_size": "100"}).json()["count"] == 1
    _busy_initiatives(29, where, [theme, food], organisations, prefix="More")
    with django_assert_max_num_queries(INITIATIVE_LIST_QUERIES):
        data = get(client, "/api/initiatives/", {"page_size": "100"}).json()
    assert len(data["results"]) == 30
    assert all(len(item["images"]) == 1 and len(item["places"]) == 2 for item in data["results"])
    # Filtered, the same.
    with django_assert_max_num_queries(INITIATIVE_LIST_QUERIES + 2):
        data = get(client, "/api/initiatives/", {"place": "south-west", "theme": "food"}).json()
    assert data["count"] == 30


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/places/", 2),
        ("/api/organisations/", 3),
        ("/api/themes/", 2),
        ("/api/collections/", 3),
    ],
)
def test_the_other_lists_take_the_same_number_of_queries_for_1_or_30(
    client, england, theme, django_assert_max_num_queries, url, queries
):
    published = make_initiative("Shown", places=[england], themes=[theme])
    hidden = make_initiative("Hidden", places=[england], themes=[theme], state="pending")

    def add(i):
        place = make_place(f"Town {i}", parent=england)
        make_theme(f"Sub-theme {i}", parent=theme)
        make_organisation(f"Group {i}", places=[england, place])
        collection = Collection.objects.create(title=f"Collection {i}", slug=f"collection-{i}")
        CollectionItem.objects.create(collection=collection, initiative=published, position=1)
        CollectionItem.objects.create(collection=collection, initiative=hidden, position=2)

    add(0)
    with django_assert_max_num_queries(queries):
        few = get(client, url, {"page_size": "100"}).json()
    for i in range(1, 30):
        add(i)
    with django_assert_max_num_queries(queries):
        many = get(client, url, {"page_size": "100"}).json()
    assert many["count"] >= few["count"] + 29


# Nothing private, anywhere.

SUBMITTER_EMAIL = "submitter@example.org"
CONTACT_EMAIL = "hidden-contact@example.org"
PRIVATE = [
    SUBMITTER_EMAIL,
    "Sam Submitter-Private",
    CONTACT_EMAIL,
    "Connie Contact-Private",
    "07700 900123",
    "moderators-only note",
    "reporter@example.org",
    "reported-details-private",
    "proposed-edit-private",
]


@pytest.fixture
def private_world(places, theme):
    submitter = get_user_model().objects.create_user(
        SUBMITTER_EMAIL, "a-long-password-1", full_name="Sam Submitter-Private"
    )
    trust = make_organisation("Bristol Energy Trust", kind="charity", places=[places["bristol"]])
    initiative = make_initiative(
        "Lawrence Weston solar farm",
        places=[places["lawrence-weston"]],
        themes=[theme],
        organisations=[(trust, "lead")],
        submitted_by=submitter,
        contact_name="Connie Contact-Private",
        contact_email=CONTACT_EMAIL,
        contact_phone="07700 900123",
        contact_consent=False,
    )
    ModerationDecision.objects.create(
        initiative=initiative,
        moderator=submitter,
        from_state="pending",
        to_state="published",
        message="Thank you.",
        internal_note="moderators-only note",
    )
    Report.objects.create(
        initiative=initiative,
        reason="wrong",
        details="reported-details-private",
        email="reporter@example.org",
    )
    InitiativeRevision.objects.create(
        initiative=initiative, proposed_by=submitter, data={"title": "proposed-edit-private"}
    )
    collection = Collection.objects.create(title="Energy", slug="energy", created_by=submitter)
    CollectionItem.objects.create(collection=collection, initiative=initiative)
    return initiative


def _every_api_answer(client, initiative):
    place = Place.objects.get(slug="lawrence-weston")
    theme = initiative.themes.get()
    organisation = initiative.organisations.get()
    urls = [
        "/api/",
        "/api/initiatives/",
        f"/api/initiatives/{initiative.slug}/",
        f"/api/initiatives/{initiative.uuid}/",
        "/api/initiatives/?q=solar",
        "/api/places/",
        f"/api/places/{place.slug}/",
        f"/api/places/{place.uuid}/",
        "/api/organisations/",
        f"/api/organisations/{organisation.slug}/",
        f"/api/organisations/{organisation.uuid}/",
        "/api/themes/",
        f"/api/themes/{theme.slug}/",
        f"/api/themes/{theme.uuid}/",
        "/api/collections/",
        "/api/collections/energy/",
        "/api/schema/",
    ]
    return {url: get(client, url).content.decode() for url in urls}


def test_no_private_detail_appears_in_any_api_answer(client, private_world):
    for url, body in _every_api_answer(client, private_world).items():
        for secret in PRIVATE:
            assert secret not in body, f"{secret} in {url}"
    data = get(client, f"/api/initiatives/{private_world.slug}/").json()
    assert data["contact"] is None and data["credit"] is None


def test_a_contact_who_agreed_is_shown_and_a_credited_submitter_by_their_chosen_name(
    client, private_world
):
    Initiative.objects.filter(pk=private_world.pk).update(
        contact_consent=True, credit_submitter=True, credit_name="Sam from the estate"
    )
    data = get(client, f"/api/initiatives/{private_world.slug}/").json()
    assert data["contact"] == {
        "name": "Connie Contact-Private",
        "email": CONTACT_EMAIL,
        "phone": "07700 900123",
    }
    assert data["credit"] == "Sam from the estate"
    [listed] = get(client, "/api/initiatives/").json()["results"]
    assert listed["contact"]["email"] == CONTACT_EMAIL
    for body in _every_api_answer(client, private_world).values():
        assert SUBMITTER_EMAIL not in body and "moderators-only note" not in body
