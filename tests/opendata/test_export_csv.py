"""The CSV export: published initiatives under the list's filters, streamed,
safe to open in a spreadsheet, read back exactly as stored, licensed, and in
a number of queries that grows by the chunk, not by the row."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from initiatives.models import (
    Initiative,
    InitiativeImage,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeSource,
    ModerationDecision,
)
from initiatives.opendata import exports
from tests.factories import make_initiative, make_organisation, make_theme, publish_in_order

pytestmark = pytest.mark.django_db

URL = "/initiatives/export.csv"
HIDDEN_STATES = [s for s in Initiative.State if s != Initiative.State.PUBLISHED]
LICENCE = "CC BY 4.0 https://creativecommons.org/licenses/by/4.0/"


def export(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:2000]
    return response


def text_of(response):
    assert response.streaming is True
    return b"".join(response.streaming_content).decode("utf-8")


def rows_of(response):
    text = text_of(response)
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def titles(response):
    return [row["title"] for row in rows_of(response)]


@pytest.fixture
def world(places, theme):
    trust = make_organisation("Bristol Energy Trust", kind="charity")
    solar = make_initiative(
        "Lawrence Weston solar farm",
        places=[places["lawrence-weston"], places["bristol"]],
        themes=[theme],
        organisations=[(trust, "lead")],
        website="https://example.org/solar",
    )
    bath = make_initiative("Bath repair cafe", places=[places["bath"]], themes=[theme])
    birmingham = make_initiative(
        "Birmingham food bank", places=[places["west-midlands"]], themes=[make_theme("Food")]
    )
    publish_in_order(birmingham, bath, solar)
    for state in HIDDEN_STATES:
        make_initiative(
            f"Secret {state} scheme",
            places=[places["lawrence-weston"]],
            themes=[theme],
            organisations=[(trust, "partner")],
            state=state,
        )
    return {"solar": solar, "bath": bath, "birmingham": birmingham, "trust": trust}


def test_the_export_streams_a_csv_file_with_a_bom_and_a_header(client, world):
    response = export(client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = text_of(response)
    assert text.startswith("\ufeff")
    header = next(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert tuple(header) == exports.COLUMNS
    assert text.count("\r\n") == 4  # the header and three rows


def test_it_holds_every_published_initiative_newest_first_and_nothing_else(client, world):
    assert titles(export(client)) == [
        "Lawrence Weston solar farm",
        "Bath repair cafe",
        "Birmingham food bank",
    ]
    assert "Secret" not in text_of(export(client))


def test_the_filters_are_the_lists(client, world):
    # A place includes the places under it.
    assert titles(export(client, place="bristol")) == ["Lawrence Weston solar farm"]
    assert titles(export(client, place="south-west")) == [
        "Lawrence Weston solar farm",
        "Bath repair cafe",
    ]
    assert titles(export(client, place="lawrence-weston")) == ["Lawrence Weston solar farm"]
    assert titles(export(client, theme="food")) == ["Birmingham food bank"]
    assert titles(export(client, organisation="bristol-energy-trust")) == [
        "Lawrence Weston solar farm"
    ]
    assert titles(export(client, q="repair")) == ["Bath repair cafe"]
    assert titles(export(client, sort="title")) == [
        "Bath repair cafe",
        "Birmingham food bank",
        "Lawrence Weston solar farm",
    ]


@pytest.mark.parametrize("state", HIDDEN_STATES, ids=[s.value for s in HIDDEN_STATES])
def test_no_unpublished_initiative_is_exported_under_any_filter(client, world, state):
    hidden = Initiative.objects.get(moderation_state=state)
    for params in ({}, {"place": "lawrence-weston"}, {"organisation": "bristol-energy-trust"}):
        text = text_of(export(client, **params))
        assert hidden.title not in text and str(hidden.uuid) not in text


def test_a_row_names_places_themes_and_organisations_as_the_import_reads_them(client, world):
    solar = world["solar"]
    [row] = rows_of(export(client, place="lawrence-weston"))
    assert row["id"] == str(solar.uuid)
    assert row["slug"] == "lawrence-weston-solar-farm"
    # The primary place first.
    assert row["places"] == "lawrence-weston; bristol"
    assert row["place_names"] == "Lawrence Weston; Bristol"
    assert row["themes"] == "community-energy"
    assert row["theme_names"] == "Community energy"
    assert row["organisations"] == "bristol-energy-trust:lead"
    assert row["organisation_names"] == "Bristol Energy Trust"
    assert row["activity_status"] == "active"
    assert row["website"] == "https://example.org/solar"
    assert row["url"] == "http://testserver/initiatives/lawrence-weston-solar-farm/"
    # Negative numbers are numbers, not formulas.
    assert row["latitude"] == "51.505" and row["longitude"] == "-2.68"
    solar.refresh_from_db()
    assert row["published_at"] == solar.published_at.isoformat()
    assert row["licence"] == LICENCE


def test_every_row_names_the_licence(client, world):
    assert {row["licence"] for row in rows_of(export(client))} == {LICENCE}


# Tricky text goes in and comes out the same; formulas come out inert.

TRICKY = {
    "title": "=SUM(A1)",
    "summary": "Commas, \"double quotes\", 'single' and\na new line,\r\nand another",
    "description": "“Smart quotes” and ‘single ones’ — an emoji ☀️🌱, café, Cymraeg: ŵŷ",
    "how_to_adapt": "+44 is the country code",
}
MORE_TRICKY = {
    "title": "@everyone: the meet-up",
    "summary": "-5 °C and still open",
    "description": "\tIndented with a tab",
    "how_to_adapt": "\rA carriage return first",
    "contact_name": '=HYPERLINK("https://evil.example","click")',
}


@pytest.fixture
def tricky(england, theme):
    first = make_initiative(places=[england], themes=[theme], slug="first", **TRICKY)
    second = make_initiative(
        places=[england], themes=[theme], slug="second", contact_consent=True, **MORE_TRICKY
    )
    publish_in_order(second, first)
    return first, second


def test_tricky_text_reads_back_exactly_as_stored(client, tricky):
    first, second = rows_of(export(client))
    stored = Initiative.objects.get(slug="first")
    assert first["summary"] == stored.summary == TRICKY["summary"]
    assert first["description"] == stored.description == TRICKY["description"]
    assert first["slug"] == "first" and second["slug"] == "second"


def test_text_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe(client, tricky):
    first, second = rows_of(export(client))
    assert first["title"] == "'=SUM(A1)"
    assert first["how_to_adapt"] == "'+44 is the country code"
    assert second["title"] == "'@everyone: the meet-up"
    assert second["summary"] == "'-5 °C and still open"
    assert second["description"] == "'\tIndented with a tab"
    assert second["how_to_adapt"] == "'\rA carriage return first"
    assert second["contact_name"] == "'" + MORE_TRICKY["contact_name"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("1=1", "1=1"),
        (" =1", " =1"),
        ("", ""),
        ("Plain text", "Plain text"),
    ],
)
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


# The file itself.


def _filename(response):
    match = re.fullmatch(
        r'attachment; filename="([a-z0-9-]+\.csv)"', response["Content-Disposition"]
    )
    assert match, response["Content-Disposition"]
    return match.group(1)


def test_the_file_is_named_for_the_place_and_the_day(client, world):
    before = timezone.localdate()
    name = _filename(export(client, place="bristol"))
    days = {f"{d:%Y-%m-%d}" for d in (before, timezone.localdate())}
    assert name in {f"initiatives-bristol-{day}.csv" for day in days}
    assert _filename(export(client)) in {f"initiatives-{day}.csv" for day in days}
    assert _filename(export(client, theme="food")) in {f"initiatives-{day}.csv" for day in days}


def test_any_site_may_download_it_and_it_names_its_licence(client, world):
    for response in (export(client), client.get(URL, {"place": "atlantis"})):
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Link"] == '<https://creativecommons.org/licenses/by/4.0/>; rel="license"'


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"place": "atlantis"}, "place: There is no place with that name."),
        ({"theme": "atlantis"}, "theme: There is no theme called “atlantis”."),
        ({"status": "sleeping"}, "status: Choose an activity status from the list."),
        ({"near": "bristol", "radius_km": "9999"}, "radius_km: Choose a distance of at most 500"),
        ({"q": "nul\x00"}, "q: "),
    ],
)
def test_an_invalid_filter_is_a_plain_text_400_saying_which(client, places, params, message):
    response = client.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert not response.streaming
    text = response.content.decode()
    assert text.startswith("Some filters are not valid:\n")
    assert message in text


# Queries: a fixed number for each chunk of rows, whatever the rows hold.

# The themes (for the theme filter) and the initiatives themselves.
QUERIES_BESIDES_CHUNKS = 2
# Each chunk's places, organisations, themes, photos and sources.
QUERIES_PER_CHUNK = 5


def _many(n, place, theme, organisation):
    now = timezone.now()
    made = Initiative.objects.bulk_create(
        Initiative(
            title=f"Initiative {i}",
            slug=f"initiative-{i}",
            summary="s",
            description="d",
            moderation_state=Initiative.State.PUBLISHED,
            published_at=now - timedelta(minutes=i),
            latitude=51.5,
            longitude=-2.6,
        )
        for i in range(n)
    )
    InitiativePlace.objects.bulk_create(
        InitiativePlace(initiative=i, place=place, is_primary=True) for i in made
    )
    InitiativeOrganisation.objects.bulk_create(
        InitiativeOrganisation(initiative=i, organisation=organisation, role="partner")
        for i in made
    )
    Initiative.themes.through.objects.bulk_create(
        Initiative.themes.through(initiative=i, theme=theme) for i in made
    )
    InitiativeImage.objects.bulk_create(
        InitiativeImage(initiative=i, image="initiatives/a.jpg", alt_text="A photo") for i in made
    )
    InitiativeSource.objects.bulk_create(
        InitiativeSource(initiative=i, title="News", url="https://example.org/") for i in made
    )


def _export_counting_queries(client):
    with CaptureQueriesContext(connection) as queries:
        rows = rows_of(export(client))
    return rows, len(queries)


def test_the_queries_grow_by_the_chunk_not_by_the_row(
    client, places, theme, django_assert_max_num_queries
):
    trust = make_organisation("Bristol Energy Trust")
    _many(1, places["bristol"], theme, trust)
    with django_assert_max_num_queries(QUERIES_BESIDES_CHUNKS + QUERIES_PER_CHUNK):
        rows, one_chunk = _export_counting_queries(client)
    assert len(rows) == 1

    # 600 rows: two chunks of up to 500.
    Initiative.objects.all().delete()
    _many(600, places["bristol"], theme, trust)
    with django_assert_max_num_queries(QUERIES_BESIDES_CHUNKS + 2 * QUERIES_PER_CHUNK):
        rows, two_chunks = _export_counting_queries(client)
    assert len(rows) == 600
    assert two_chunks - one_chunk == QUERIES_PER_CHUNK
    assert {row["places"] for row in rows} == {"bristol"}
    assert {row["organisations"] for row in rows} == {"bristol-energy-trust:partner"}
    assert {row["themes"] for row in rows} == {"community-energy"}
    assert {row["sources"] for row in rows} == {"https://example.org/"}


def test_a_filtered_export_adds_only_the_filters_own_lookups(
    client, places, theme, django_assert_max_num_queries
):
    _many(3, places["bristol"], theme, make_organisation("Bristol Energy Trust"))
    # The place, looked up by its slug.
    with django_assert_max_num_queries(QUERIES_BESIDES_CHUNKS + QUERIES_PER_CHUNK + 1):
        rows = rows_of(export(client, place="south-west"))
    assert len(rows) == 3


# Nothing private.

SUBMITTER_EMAIL = "submitter@example.org"
CONTACT_EMAIL = "hidden-contact@example.org"


@pytest.fixture
def private(england, theme):
    submitter = get_user_model().objects.create_user(
        SUBMITTER_EMAIL, "a-long-password-1", full_name="Sam Submitter-Private"
    )
    initiative = make_initiative(
        "Community solar farm",
        places=[england],
        themes=[theme],
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
        internal_note="moderators-only note",
    )
    return initiative


def test_no_private_detail_is_exported(client, private):
    text = text_of(export(client))
    for secret in (
        SUBMITTER_EMAIL,
        "Sam Submitter-Private",
        CONTACT_EMAIL,
        "Connie Contact-Private",
        "07700 900123",
        "moderators-only note",
    ):
        assert secret not in text
    [row] = rows_of(export(client))
    assert row["contact_name"] == row["contact_email"] == row["contact_phone"] == ""
    assert row["credit"] == ""


def test_a_contact_who_agreed_and_a_credited_submitter_are_exported(client, private):
    Initiative.objects.filter(pk=private.pk).update(
        contact_consent=True, credit_submitter=True, credit_name="Sam from the estate"
    )
    [row] = rows_of(export(client))
    assert row["contact_name"] == "Connie Contact-Private"
    assert row["contact_email"] == CONTACT_EMAIL
    assert row["contact_phone"] == "07700 900123"
    assert row["credit"] == "Sam from the estate"
    assert SUBMITTER_EMAIL not in text_of(export(client))
