"""A council's service directory imports our published initiatives through
the Open Referral UK endpoints: every answer fits the standard's schemas, and
nothing unpublished or private gets out."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from communities.models import Place
from initiatives.models import Initiative
from initiatives.opendata import openreferral
from tests.factories import (
    make_initiative,
    make_organisation,
    make_place,
    make_theme,
    publish_in_order,
)

pytestmark = pytest.mark.django_db

# The standard's schemas, copied into the tests (see its SOURCE.md), under
# the address openapi.json refers to them by.
SCHEMAS = Path(__file__).parent / "openreferral_uk" / "schema"
BASE = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"
PAGE_KEYS = [
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
]
ROOT = "/openreferral"

# What each endpoint answers: (schema of the body, or of each item of a page).
DETAIL = {
    "services": "compiled/service.json",
    "service_at_locations": "compiled/service_at_location.json",
    "organizations": "compiled/organization.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}
LIST_ITEM = {
    "services": "compiled/service_list.json",
    "service_at_locations": "compiled/service_at_location_list.json",
    "organizations": "compiled/organization_list.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}


@cache
def schema_file(name):
    return json.loads((SCHEMAS / name).read_text())


@cache
def registry():
    return Registry().with_resources(
        (BASE + path.relative_to(SCHEMAS).as_posix(), DRAFT202012.create_resource(data))
        for path in SCHEMAS.rglob("*.json")
        for data in [json.loads(path.read_text())]
    )


def validator(schema):
    return Draft202012Validator(
        schema, registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def page_schema(item):
    return {
        "allOf": [{"$ref": f"{BASE}openapi.json#/components/schemas/Page"}],
        "required": PAGE_KEYS,
        "properties": {"contents": {"type": "array", "items": {"$ref": BASE + item}}},
    }


def unknown_keys(instance, schema, at="$"):
    """Keys the schema does not name: the schemas allow any, so a misspelt
    field would pass validation unseen."""
    if "$ref" in schema:
        schema = schema_file(schema["$ref"])
    if isinstance(instance, dict):
        properties = schema.get("properties", {})
        for key, value in instance.items():
            if key not in properties:
                yield f"{at}.{key}"
            else:
                yield from unknown_keys(value, properties[key], f"{at}.{key}")
    elif isinstance(instance, list):
        for position, value in enumerate(instance):
            yield from unknown_keys(value, schema.get("items", {}), f"{at}[{position}]")


def assert_open_json(response):
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert 'rel="license"' in response["Link"]


INDEX_SCHEMA = {
    "$ref": f"{BASE}openapi.json#/paths/~1/get/responses/200/content/application~1json/schema",
    "required": ["version", "profile", "openapi_url"],
}


def assert_fits_the_standard(path, data):
    """Validate a 200 answer against the schema of its endpoint: the index's
    in openapi.json; a list's envelope against the standard's Page and each
    item against the list schema; a detail against the full schema."""
    kind, _, id = path.partition("?")[0].strip("/").partition("/")
    if not kind:
        validator(INDEX_SCHEMA).validate(data)
    elif not id:
        validator(page_schema(LIST_ITEM[kind])).validate(data)
        for item in data["contents"]:
            assert not list(unknown_keys(item, schema_file(LIST_ITEM[kind])))
    else:
        validator({"$ref": BASE + DETAIL[kind]}).validate(data)
        assert not list(unknown_keys(data, schema_file(DETAIL[kind])))


def get_ok(client, path, **params):
    """A 200 answer, open JSON that fits the standard."""
    response = client.get(f"{ROOT}{path}", params)
    assert response.status_code == 200, response.content[:2000]
    assert_open_json(response)
    data = response.json()
    assert_fits_the_standard(path, data)
    return data


def get_page(client, kind, **params):
    return get_ok(client, f"/{kind}", **params)


def get_detail(client, kind, id):
    return get_ok(client, f"/{kind}/{id}")


def ids(data):
    return [item["id"] for item in data["contents"]]


def every_response(client, world):
    """Every list and detail answer about the world, as text."""
    paths = [
        "/",
        "/services?per_page=100",
        "/service_at_locations?per_page=100",
        "/organizations?per_page=100",
        "/taxonomies",
        "/taxonomy_terms?per_page=100",
        f"/taxonomies/{openreferral.TAXONOMY_ID}",
    ]
    for initiative in Initiative.objects.all():
        paths += [
            f"/services/{initiative.uuid}",
            f"/service_at_locations/{openreferral.flip_service_at_location_id(initiative.uuid)}",
        ]
    for organisation in world["organisations"].values():
        paths.append(f"/organizations/{organisation.uuid}")
    texts = {}
    for path in paths:
        response = client.get(ROOT + path)
        assert_open_json(response)
        if response.status_code == 200:
            assert_fits_the_standard(path, response.json())
        texts[path] = response.text
    return texts


@pytest.fixture
def world(places):
    """Three published initiatives and one of each hidden state.

    Solar (Lawrence Weston and Bristol) has a pin, a consenting contact, a
    lead and a funder; the Bath food bank has a partner only, no website,
    and a contact who did not consent; the West Midlands one has no
    organisation. Energy has the sub-theme Solar.
    """
    Place.objects.filter(pk=places["bristol"].pk).update(gss_code="E06000023")
    energy = make_theme("Energy", description="Making and saving energy.")
    solar = make_theme("Solar", parent=energy)
    food = make_theme("Food")
    council = make_organisation(
        "Bristol City Council", kind="council", website="https://www.bristol.gov.uk/"
    )
    trust = make_organisation("Ashden Trust", kind="funder", description="Funds energy.")
    pantry = make_organisation("Bath Pantry", kind="community_group")
    shadow = make_organisation("Shadow Trust", kind="charity")

    farm = make_initiative(
        "Community solar farm",
        places=[places["lawrence-weston"], places["bristol"]],
        themes=[solar],
        summary="Panels on a field.",
        description="The biggest community turbine and solar farm.",
        website="https://ambition-lw.org/solar",
        latitude=51.50,
        longitude=-2.69,
        contact_name="Dale Public",
        contact_email="dale@ambition-lw.example",
        contact_consent=True,
        organisations=[(trust, "funder"), (council, "lead")],
    )
    pantry_initiative = make_initiative(
        "Bath food pantry",
        places=[places["bath"]],
        themes=[food],
        summary="Food for anyone who needs it.",
        activity_status="paused",
        contact_name="Wilhelmina Secretperson",
        contact_email="wilhelmina@private.example",
        contact_phone="07700 900123",
        contact_consent=False,
        organisations=[(pantry, "partner")],
    )
    midlands = make_initiative(
        "Midlands energy club",
        places=[places["west-midlands"]],
        themes=[energy],
        activity_status="ended",
    )
    publish_in_order(midlands, pantry_initiative, farm)
    hidden = {}
    for state in Initiative.State:
        if state == Initiative.State.PUBLISHED:
            continue
        initiative = make_initiative(
            f"Zanzibar {state.label}",
            places=[places["bath"]],
            themes=[food, solar],
            state="draft",
            organisations=[(shadow, "lead"), (council, "partner")],
        )
        # As if it had been published before: the stale date must not count.
        Initiative.objects.filter(pk=initiative.pk).update(
            moderation_state=state, published_at=datetime.now(UTC)
        )
        hidden[state] = initiative
    return {
        "farm": Initiative.objects.get(pk=farm.pk),
        "pantry": Initiative.objects.get(pk=pantry_initiative.pk),
        "midlands": Initiative.objects.get(pk=midlands.pk),
        "hidden": hidden,
        "themes": {"energy": energy, "solar": solar, "food": food},
        "organisations": {
            "council": council,
            "trust": trust,
            "pantry": pantry,
            "shadow": shadow,
        },
        "places": places,
    }


def test_the_index_says_which_version_and_profile_it_follows(client):
    data = get_ok(client, "/")
    assert data == {
        "version": "3.0",
        "profile": "https://openreferraluk.org/",
        "openapi_url": (
            "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json"
        ),
    }


def test_a_service_carries_the_initiative_and_everything_around_it(client, world):
    farm, themes, organisations = world["farm"], world["themes"], world["organisations"]
    data = get_detail(client, "services", farm.uuid)

    assert data["id"] == str(farm.uuid)
    assert data["name"] == "Community solar farm"
    assert data["description"] == (
        "Panels on a field.\n\nThe biggest community turbine and solar farm."
    )
    assert data["url"] == "https://ambition-lw.org/solar"
    assert data["email"] == "dale@ambition-lw.example"
    assert data["status"] == "active"
    assert datetime.fromisoformat(data["last_modified"]) == farm.updated_at

    council = organisations["council"]
    assert data["organization_id"] == str(council.uuid)
    assert data["organization"] == {
        "id": str(council.uuid),
        "name": "Bristol City Council",
        "description": "",
        "website": "https://www.bristol.gov.uk/",
        "uri": "http://testserver/organisations/bristol-city-council/",
    }

    # The primary place first; the ONS's URI for a place with a GSS code.
    assert [(a["name"], a["uri"]) for a in data["service_areas"]] == [
        ("Lawrence Weston", "http://testserver/places/lawrence-weston/"),
        ("Bristol", "http://statistics.data.gov.uk/id/statistical-geography/E06000023"),
    ]
    assert all(a["service_area"] == a["name"] for a in data["service_areas"])
    assert all("extent_type" not in a for a in data["service_areas"])

    [attribute] = data["attributes"]
    assert attribute["link_type"] == "service" and attribute["link_id"] == str(farm.uuid)
    assert attribute["taxonomy_term_id"] == str(themes["solar"].uuid)
    assert attribute["taxonomy_term"] == {
        "id": str(themes["solar"].uuid),
        "name": "Solar",
        "description": "Solar",
        "parent_id": str(themes["energy"].uuid),
        "taxonomy": "Community Power Map themes",
        "taxonomy_id": str(openreferral.TAXONOMY_ID),
        "term_uri": "http://testserver/themes/solar/",
        "term": "Solar",
    }

    assert [f["source"] for f in data["funding"]] == ["Ashden Trust"]
    assert [c["name"] for c in data["contacts"]] == ["Dale Public"]

    [here] = data["service_at_locations"]
    assert here["service_id"] == str(farm.uuid)
    assert here["location"]["location_type"] == "physical"
    assert here["location"]["name"] == "Lawrence Weston"
    assert (here["location"]["latitude"], here["location"]["longitude"]) == (51.50, -2.69)
    assert "addresses" not in here["location"]


def test_derived_ids_are_uuid5_names_under_their_owner_and_stay_the_same(client, world):
    farm, trust = world["farm"], world["organisations"]["trust"]
    first = get_detail(client, "services", farm.uuid)
    assert get_detail(client, "services", farm.uuid) == first
    assert first["funding"][0]["id"] == str(uuid.uuid5(farm.uuid, f"funding:{trust.uuid}"))
    assert first["contacts"][0]["id"] == str(uuid.uuid5(farm.uuid, "contact"))
    location = first["service_at_locations"][0]["location"]
    assert location["id"] == str(uuid.uuid5(farm.uuid, "location"))
    bristol = world["places"]["bristol"]
    assert first["service_areas"][1]["id"] == str(
        uuid.uuid5(farm.uuid, f"service_area:{bristol.uuid}")
    )


@pytest.mark.parametrize(
    ("activity_status", "status"),
    [
        ("active", "active"),
        ("planned", "inactive"),
        ("paused", "temporarily closed"),
        ("ended", "defunct"),
    ],
)
def test_the_activity_status_becomes_the_service_status(
    client, england, theme, activity_status, status
):
    initiative = make_initiative(
        "Repair cafe", places=[england], themes=[theme], activity_status=activity_status
    )
    assert get_detail(client, "services", initiative.uuid)["status"] == status
    assert get_page(client, "services")["contents"][0]["status"] == status


def test_without_a_website_the_url_is_our_page(client, world):
    data = get_detail(client, "services", world["pantry"].uuid)
    assert data["url"] == "http://testserver/initiatives/bath-food-pantry/"


def test_an_international_web_address_is_sent_as_a_valid_uri(client, england, theme):
    organisation = make_organisation("Bücherei", website="https://bücherei.example/straße")
    initiative = make_initiative(
        "Bücherei",
        places=[england],
        themes=[theme],
        website="https://bücherei.example/café",
        organisations=[(organisation, "lead")],
    )
    data = get_detail(client, "services", initiative.uuid)
    assert data["url"] == "https://xn--bcherei-n2a.example/caf%C3%A9"
    assert data["organization"]["website"] == "https://xn--bcherei-n2a.example/stra%C3%9Fe"


def test_the_provider_is_the_lead_else_the_first_by_role_and_name(client, world):
    pantry = get_detail(client, "services", world["pantry"].uuid)
    assert pantry["organization"]["name"] == "Bath Pantry"
    midlands = get_detail(client, "services", world["midlands"].uuid)
    assert "organization" not in midlands and "organization_id" not in midlands
    assert midlands["funding"] == []


def test_an_organisation_logo_is_an_absolute_url(client, england, theme):

    organisation = make_organisation("Logo Group")
    organisation.logo.save("logo.png", ContentFile(b"not really a png"))
    initiative = make_initiative(
        "With a logo", places=[england], themes=[theme], organisations=[(organisation, "lead")]
    )
    logo = get_detail(client, "services", initiative.uuid)["organization"]["logo"]
    assert logo.startswith("http://testserver/") and logo.endswith(".png")
    assert get_detail(client, "organizations", organisation.uuid)["logo"] == logo


def test_a_contact_who_did_not_consent_appears_nowhere(client, world):
    for path, text in every_response(client, world).items():
        for secret in ("Wilhelmina", "wilhelmina@private.example", "07700 900123"):
            assert secret not in text, path
    data = get_detail(client, "services", world["pantry"].uuid)
    assert "email" not in data and data["contacts"] == []


def test_no_submitter_email_and_no_phone_number_appears(client, world, resident):
    Initiative.objects.filter(pk=world["farm"].pk).update(
        submitted_by=resident, contact_phone="0117 496 0000"
    )
    for path, text in every_response(client, world).items():
        assert resident.email not in text, path
        # The profile's contact has no phone: it is not published even with consent.
        assert "0117 496 0000" not in text, path


def test_nothing_unpublished_appears_in_lists_counts_or_by_id(client, world):
    published = [world["farm"], world["pantry"], world["midlands"]]
    services = get_page(client, "services")
    assert ids(services) == [str(i.uuid) for i in published]
    assert services["total_items"] == 3
    assert get_page(client, "service_at_locations")["total_items"] == 3
    for initiative in world["hidden"].values():
        assert client.get(f"{ROOT}/services/{initiative.uuid}").status_code == 404
        flipped = openreferral.flip_service_at_location_id(initiative.uuid)
        assert client.get(f"{ROOT}/service_at_locations/{flipped}").status_code == 404
    for path, text in every_response(client, world).items():
        assert "Zanzibar" not in text, path
        for initiative in world["hidden"].values():
            assert str(initiative.uuid) not in text, path

    # An organisation that takes part only in hidden initiatives is not listed.
    shadow = world["organisations"]["shadow"]
    organisations = get_page(client, "organizations")
    assert [o["name"] for o in organisations["contents"]] == [
        "Ashden Trust",
        "Bath Pantry",
        "Bristol City Council",
    ]
    assert client.get(f"{ROOT}/organizations/{shadow.uuid}").status_code == 404
    # Nor do filters find hidden initiatives through what they share.
    food = world["themes"]["food"]
    assert get_page(client, "services", taxonomy_term_id=food.uuid)["total_items"] == 1
    assert get_page(client, "services", organization_id=shadow.uuid)["total_items"] == 0
    assert get_page(client, "services", search="Zanzibar")["total_items"] == 0


def test_staff_see_exactly_what_the_public_sees(client, world, staff):
    public = every_response(client, world)
    client.force_login(staff)
    assert every_response(client, world) == public


def test_each_detail_fits_its_schema(client, world):
    for initiative in (world["farm"], world["pantry"], world["midlands"]):
        get_detail(client, "services", initiative.uuid)
    for organisation in ("council", "trust", "pantry"):
        get_detail(client, "organizations", world["organisations"][organisation].uuid)
    taxonomy = get_detail(client, "taxonomies", openreferral.TAXONOMY_ID)
    assert [t["name"] for t in taxonomy["taxonomy_terms"]] == ["Energy", "Food", "Solar"]
    for term in taxonomy["taxonomy_terms"]:
        assert get_detail(client, "taxonomy_terms", term["id"]) == term


def test_the_service_at_location_id_leads_back_to_the_service(client, world):
    farm = world["farm"]
    here = get_detail(client, "services", farm.uuid)["service_at_locations"][0]
    data = get_detail(client, "service_at_locations", here["id"])
    assert data["id"] == here["id"] and data["location"] == here["location"]
    assert data["service"]["id"] == str(farm.uuid)
    assert data["service"]["attributes"][0]["taxonomy_term"]["name"] == "Solar"
    listed = get_page(client, "service_at_locations")["contents"]
    assert listed[0]["id"] == here["id"]
    assert listed[0]["service"]["name"] == "Community solar farm"
    # A service's own id is not a service_at_location's.
    assert client.get(f"{ROOT}/service_at_locations/{farm.uuid}").status_code == 404


def test_flipping_keeps_the_uuid_version_and_variant_and_undoes_itself():
    for _ in range(100):
        service_id = uuid.uuid4()
        flipped = openreferral.flip_service_at_location_id(service_id)
        assert flipped != service_id
        assert (flipped.version, flipped.variant) == (4, uuid.RFC_4122)
        assert flipped.int >> 48 == service_id.int >> 48
        assert openreferral.flip_service_at_location_id(flipped) == service_id


def test_without_coordinates_there_is_no_location(client, england, theme):
    nowhere = make_place("Nowhere", parent=england, latitude=None, longitude=None)
    initiative = make_initiative("No pin", places=[nowhere], themes=[theme])
    assert get_detail(client, "services", initiative.uuid)["service_at_locations"] == []
    assert get_page(client, "service_at_locations")["total_items"] == 0
    flipped = openreferral.flip_service_at_location_id(initiative.uuid)
    assert client.get(f"{ROOT}/service_at_locations/{flipped}").status_code == 404


def test_the_taxonomy_is_one_and_its_terms_are_the_themes(client, world):
    taxonomies = get_page(client, "taxonomies")
    assert ids(taxonomies) == [str(openreferral.TAXONOMY_ID)]
    assert taxonomies["contents"][0]["uri"] == "http://testserver/themes/"
    terms = get_page(client, "taxonomy_terms")
    assert [t["name"] for t in terms["contents"]] == ["Energy", "Food", "Solar"]
    energy = terms["contents"][0]
    assert energy["description"] == "Making and saving energy."
    assert "parent_id" not in energy
    assert get_page(client, "taxonomies", page=2)["contents"] == []


@pytest.mark.parametrize("kind", ["services", "service_at_locations"])
def test_filters_choose_the_services(client, world, kind):
    farm, pantry, midlands = (str(world[k].uuid) for k in ("farm", "pantry", "midlands"))
    themes, organisations = world["themes"], world["organisations"]

    def found(**params):
        data = get_page(client, kind, **params)
        found_ids = [item.get("service_id", item["id"]) for item in data["contents"]]
        assert data["total_items"] == len(found_ids)
        return found_ids

    # A place gives everything in it and under it.
    assert found(place="south-west") == [farm, pantry]
    assert found(place="bristol") == [farm]
    assert found(place="lawrence-weston") == [farm]
    assert found(place="england") == [farm, pantry, midlands]
    # A theme includes its sub-themes; a sub-theme only itself.
    assert found(taxonomy_term_id=themes["energy"].uuid) == [farm, midlands]
    assert found(taxonomy_term_id=themes["solar"].uuid) == [farm]
    assert found(taxonomy_term_id=uuid.uuid4()) == []
    assert found(taxonomy_id=openreferral.TAXONOMY_ID) == [farm, pantry, midlands]
    assert found(taxonomy_id=uuid.uuid4()) == []
    # An organisation in any role.
    assert found(organization_id=organisations["trust"].uuid) == [farm]
    assert found(organization_id=organisations["pantry"].uuid) == [pantry]
    assert found(organization_id=uuid.uuid4()) == []
    assert found(search="solar") == [farm]
    assert found(search="food", place="england") == [pantry]
    assert found(search="  ") == [farm, pantry, midlands]


def test_modified_after_takes_a_date_or_a_date_and_time(client, world):
    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    for days, key in enumerate(("midlands", "pantry", "farm")):
        Initiative.objects.filter(pk=world[key].pk).update(updated_at=start + timedelta(days=days))
    farm, pantry = str(world["farm"].uuid), str(world["pantry"].uuid)

    def found(value):
        return ids(get_page(client, "services", modified_after=value))

    assert found("2024-05-02") == [farm, pantry]
    assert found("2024-05-02T12:00:00Z") == [farm, pantry]
    assert found("2024-05-02T12:00:01Z") == [farm]
    assert found("2024-05-02T13:00:00+01:00") == [farm, pantry]
    assert found("2024-05-02T12:00:00") == [farm, pantry]
    assert found("2024-05-04") == []
    # What a service says it was modified at finds it again.
    last_modified = get_detail(client, "services", farm)["last_modified"]
    assert found(last_modified) == [farm]


def test_organisations_can_be_filtered_by_place_name_and_change(client, world):
    def names(**params):
        return [o["name"] for o in get_page(client, "organizations", **params)["contents"]]

    assert names(place="bristol") == ["Ashden Trust", "Bristol City Council"]
    assert names(place="bath") == ["Bath Pantry"]
    assert names(search="trust") == ["Ashden Trust"]
    assert names(modified_after="2999-01-01") == []


def test_pages_say_where_they_are(client, world):
    first = get_page(client, "services", per_page=2)
    assert {k: v for k, v in first.items() if k != "contents"} == {
        "total_items": 3,
        "total_pages": 2,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }
    second = get_page(client, "services", per_page=2, page=2)
    assert {k: second[k] for k in ("page_number", "size", "first_page", "last_page")} == {
        "page_number": 2,
        "size": 1,
        "first_page": False,
        "last_page": True,
    }
    assert ids(first) + ids(second) == ids(get_page(client, "services"))
    beyond = get_page(client, "services", per_page=2, page=3)
    assert beyond["contents"] == [] and beyond["empty"] is True
    assert beyond["total_items"] == 3 and beyond["size"] == 0
    far_beyond = get_page(client, "services", page="999999999999999999")
    assert far_beyond["contents"] == [] and far_beyond["total_items"] == 3


def test_an_empty_directory_is_one_empty_page(client, db):
    data = get_page(client, "services")
    assert data["total_items"] == 0 and data["total_pages"] == 0
    assert data["empty"] is True and data["first_page"] is True and data["last_page"] is True


def test_services_are_newest_first(client, world):
    assert [s["name"] for s in get_page(client, "services")["contents"]] == [
        "Community solar farm",
        "Bath food pantry",
        "Midlands energy club",
    ]


BAD_PARAMETERS = [
    {"page": "0"},
    {"page": "-1"},
    {"page": "two"},
    {"page": "1.5"},
    {"page": "٣"},
    {"page": "9" * 5000},
    {"per_page": "0"},
    {"per_page": "101"},
    {"per_page": "lots"},
    {"taxonomy_term_id": "energy"},
    {"taxonomy_id": "1234"},
    {"organization_id": "bristol-city-council"},
    {"modified_after": "yesterday"},
    {"modified_after": "2024-13-01"},
    {"modified_after": "2024-05-01T10:00:00 01:00"},
    {"modified_after": "0001-01-01T00:00:00+14:00"},
    {"place": "atlantis"},
    {"place": "bristol/../bath"},
    {"search": "x" * 201},
    {"search": "solar\x00"},
]


@pytest.mark.parametrize("params", BAD_PARAMETERS, ids=lambda p: repr(p)[:40])
def test_a_parameter_that_cannot_be_read_is_a_400_that_says_why(client, world, params):
    for kind in ("services", "service_at_locations"):
        response = client.get(f"{ROOT}/{kind}", params)
        assert response.status_code == 400, response.content[:500]
        assert_open_json(response)
        [name] = params
        assert name in response.json()["error"]


def test_organisation_and_taxonomy_lists_check_their_parameters_too(client, world):
    for path, params in [
        ("/organizations", {"place": "atlantis"}),
        ("/organizations", {"modified_after": "soon"}),
        ("/organizations", {"per_page": "1000"}),
        ("/taxonomies", {"page": "first"}),
        ("/taxonomy_terms", {"per_page": "0"}),
    ]:
        response = client.get(ROOT + path, params)
        assert response.status_code == 400
        assert response.json()["error"]


@pytest.mark.parametrize("kind", list(DETAIL))
@pytest.mark.parametrize(
    "id",
    [
        "ac148810-d857-441c-9679-408f346de14b",
        "not-an-id",
        "ac148810d857441c9679408f346de14b",
        "{ac148810-d857-441c-9679-408f346de14b}",
        "9" * 5000,
        "%00",
        "caf%C3%A9",
    ],
)
def test_an_unknown_id_is_a_404_in_json(client, world, kind, id):
    response = client.get(f"{ROOT}/{kind}/{id}")
    assert response.status_code == 404
    assert_open_json(response)
    assert response.json()["error"]


NASTY = ["", " ", "\x00", "-1", "1e3", "9" * 400, "☃", "' OR 1=1 --", "%", "\ud7ff", "a" * 3000]


@pytest.mark.parametrize("value", NASTY, ids=lambda v: repr(v)[:20])
def test_no_input_makes_a_server_error(client, world, value):
    names = ["page", "per_page", "search", "taxonomy_term_id", "taxonomy_id"]
    names += ["organization_id", "modified_after", "place", "postcode"]
    for kind in LIST_ITEM:
        for name in names:
            response = client.get(f"{ROOT}/{kind}", {name: value})
            assert response.status_code in (200, 400), (kind, name, response.content[:300])
            assert_open_json(response)
            if response.status_code == 200:
                assert_fits_the_standard(f"/{kind}", response.json())


def test_only_get_and_head_are_allowed(client, world):
    assert client.head(f"{ROOT}/services").status_code == 200
    response = client.post(f"{ROOT}/services")
    assert response.status_code == 405
    assert_open_json(response)
    assert response["Allow"] == "GET, HEAD"


def test_a_list_page_costs_the_same_queries_for_one_service_or_many(
    client, england, django_assert_max_num_queries
):
    themes = [make_theme("Energy"), make_theme("Food")]
    themes.append(make_theme("Solar", parent=themes[0]))
    organisations = [make_organisation(f"Group {n}") for n in range(3)]
    places = [make_place(f"Town {n}", parent=england) for n in range(3)]
    places[0].gss_code = "E06000001"
    places[0].save()

    def make(n):
        make_initiative(
            f"Initiative {n}",
            places=places,
            themes=themes,
            organisations=[(organisations[0], "lead"), (organisations[1], "funder")],
        )

    def cost(path, params=None):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ROOT + path, params).status_code == 200
        return len(queries)

    filtered = {
        "place": "england",
        "taxonomy_term_id": str(themes[0].uuid),
        "organization_id": str(organisations[0].uuid),
        "modified_after": "2000-01-01",
        "search": "initiative",
    }
    paths = [
        ("/services", None),
        ("/services", filtered),
        ("/service_at_locations", None),
        ("/service_at_locations", filtered),
        ("/organizations", {"place": "england"}),
        ("/taxonomy_terms", None),
    ]
    make(0)
    one = {(path, str(params)): cost(path, params) for path, params in paths}
    for n in range(1, 25):
        make(n)
    for path, params in paths:
        with django_assert_max_num_queries(8):
            many = cost(path, params)
        assert many == one[(path, str(params))], path
        assert len(get_ok(client, path, **(params or {}))["contents"]) >= 1
    initiative = Initiative.objects.first()
    with django_assert_max_num_queries(5):
        get_detail(client, "services", initiative.uuid)
    with django_assert_max_num_queries(5):
        get_detail(
            client,
            "service_at_locations",
            openreferral.flip_service_at_location_id(initiative.uuid),
        )


def test_the_demo_data_fits_the_schemas(client):
    call_command("load_demo_data", verbosity=0)
    published = Initiative.objects.published()
    services = get_page(client, "services", per_page=100)
    assert services["total_items"] == published.count() > 0
    for initiative in published:
        data = get_detail(client, "services", initiative.uuid)
        for here in data["service_at_locations"]:
            get_detail(client, "service_at_locations", here["id"])
    get_page(client, "service_at_locations", per_page=100)
    for organisation in get_page(client, "organizations", per_page=100)["contents"]:
        get_detail(client, "organizations", organisation["id"])
    terms = get_page(client, "taxonomy_terms", per_page=100)
    assert any("parent_id" in term for term in terms["contents"])
    get_detail(client, "taxonomies", openreferral.TAXONOMY_ID)
