"""Moderators import lists of initiatives from a CSV file at /moderation/import/."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from initiatives.models import Initiative, InitiativePlace, InitiativeSource
from initiatives.moderation import import_columns, importing
from tests.factories import make_initiative, make_organisation

State = Initiative.State
URL = "/moderation/import/"
TEMPLATE_URL = "/moderation/import/template.csv"
pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(places, theme):
    """What the rows name: the places, a theme and two organisations."""
    return {
        **places,
        "theme": theme,
        "alw": make_organisation("Ambition Lawrence Weston"),
        "local-trust": make_organisation("Local Trust", kind="charity"),
    }


def row(external_id, title, **values):
    return {
        "external_id": external_id,
        "title": title,
        "summary": f"{title}, in a sentence.",
        "description": f"What {title} does.",
        "themes": "community-energy",
        "places": "bristol",
        **values,
    }


GOOD_ROWS = [
    row(
        "lw-1",
        "Lawrence Weston solar farm",
        places="lawrence-weston;bristol",
        organisations="ambition-lawrence-weston:lead;local-trust:supporter",
        how_to_adapt="Start with a resident-led group.",
        activity_status="active",
        start_date="2019-06-01",
        end_date="2024-05-31",
        website="https://example.org/solar",
        latitude="51.505",
        longitude="-2.68",
        source_title="Local Trust report",
        source_url="https://localtrust.org.uk/report",
    ),
    row("bath-2", "Bath community fridge", places="bath", description="Line one.\nLine two."),
    row(
        "wm-3",
        "West Midlands energy club",
        themes="Community-Energy",
        places=" west-midlands ;",
        organisations="local-trust",
        activity_status="Ended",
    ),
]


def csv_bytes(rows, *, encoding="utf-8", columns=None):
    out = io.StringIO()
    columns = columns or list(dict.fromkeys(name for r in rows for name in r))
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(client, data, *, action="check", state=State.PENDING, name="initiatives.csv"):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(URL, {"file": file, "state": state, "action": action})


# Who may import


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in (URL, TEMPLATE_URL):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response.url


def test_residents_and_curators_cannot_import(client, resident, curator, directory):
    for user in (resident, curator):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.get(TEMPLATE_URL).status_code == 403
        assert upload(client, csv_bytes(GOOD_ROWS), action="import").status_code == 403
    assert not Initiative.objects.exists()


def test_moderators_see_the_form_and_the_columns(client, moderator):
    client.force_login(moderator)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.text
    assert 'enctype="multipart/form-data"' in page
    assert "Check the file" in page and 'value="import"' in page
    for column in import_columns.COLUMNS:
        assert f"<code>{column}</code>" in page


# Checking a file


def test_checking_a_good_file_lists_every_row_and_writes_nothing(client, moderator, directory):
    client.force_login(moderator)
    response = upload(client, csv_bytes(GOOD_ROWS), action="check")
    assert response.status_code == 200
    assert not Initiative.objects.exists()
    report = response.context["report"]
    assert [(r.number, r.external_id, r.status) for r in report.rows] == [
        (2, "lw-1", "new"),
        (3, "bath-2", "new"),
        (4, "wm-3", "new"),
    ]
    page = response.text
    assert "The file is ready to import." in page
    assert page.count("Ready to create") == 3
    assert "Bath community fridge" in page


def test_checking_a_file_with_problems_shows_each_with_its_row_and_column(
    client, moderator, directory
):
    rows = [
        row("ok-1", "A fine row"),
        row(
            "bad-2",
            "",
            themes="community-energy;no-such-theme",
            start_date="01/02/2020",
            latitude="51.5",
        ),
        row("ok-1", "Same id again", places="atlantis", organisations="local-trust:owner"),
        row("", "No id", summary="x" * 281, website="not a url", activity_status="sleeping"),
        row("dates-5", "Ends before it starts", start_date="2020-05-01", end_date="2020-04-01"),
    ]
    client.force_login(moderator)
    response = upload(client, csv_bytes(rows), action="check")
    assert response.status_code == 400
    assert not Initiative.objects.exists()
    errors = {
        (r.number, column) for r in response.context["report"].rows for column, _m in r.errors
    }
    assert errors == {
        (3, "title"),
        (3, "themes"),
        (3, "start_date"),
        (3, "longitude"),
        (4, "external_id"),
        (4, "places"),
        (4, "organisations"),
        (5, "external_id"),
        (5, "summary"),
        (5, "activity_status"),
        (5, "website"),
        (6, "end_date"),
    }
    page = response.text
    assert "4 rows have problems" in page
    assert "There is no theme with the slug “no-such-theme”." in page
    assert "“ok-1” is also the external_id of row 2." in page
    assert "“01/02/2020” is not a date: write it as YYYY-MM-DD." in page
    assert "<td>3</td><td><code>start_date</code></td>" in page
    assert "Nothing was written." in page


def test_a_file_with_problems_imports_nothing_even_when_asked_to(client, moderator, directory):
    rows = [*GOOD_ROWS, row("bad-4", "Nowhere", places="atlantis")]
    client.force_login(moderator)
    response = upload(client, csv_bytes(rows), action="import")
    assert response.status_code == 400
    assert not Initiative.objects.exists()
    assert "Nothing was imported: an import creates every row or none." in response.text
    assert "There is no place with the slug “atlantis”." in response.text


# Importing


def test_importing_as_pending_creates_rows_waiting_for_moderation(client, moderator, directory):
    client.force_login(moderator)
    response = upload(client, csv_bytes(GOOD_ROWS), action="import", state=State.PENDING)
    assert response.status_code == 200
    assert "3 initiatives created" in response.text
    assert Initiative.objects.count() == 3
    assert not Initiative.objects.published().exists()
    solar = Initiative.objects.get(external_id="lw-1")
    assert solar.moderation_state == State.PENDING and solar.published_at is None
    assert solar.primary_place == directory["lawrence-weston"]
    assert set(solar.places.all()) == {directory["lawrence-weston"], directory["bristol"]}
    assert list(solar.themes.all()) == [directory["theme"]]
    assert {(link.organisation, link.role) for link in solar.initiative_organisations.all()} == {
        (directory["alw"], "lead"),
        (directory["local-trust"], "supporter"),
    }
    assert str(solar.start_date) == "2019-06-01" and str(solar.end_date) == "2024-05-31"
    assert (solar.latitude, solar.longitude) == (51.505, -2.68)
    assert not solar.location_is_place_centre
    assert solar.website == "https://example.org/solar"
    assert [(s.title, s.url) for s in solar.sources.all()] == [
        ("Local Trust report", "https://localtrust.org.uk/report")
    ]
    bath = Initiative.objects.get(external_id="bath-2")
    assert bath.description == "Line one.\nLine two."
    assert bath.location_is_place_centre and bath.latitude == directory["bath"].latitude
    club = Initiative.objects.get(external_id="wm-3")
    assert [link.role for link in club.initiative_organisations.all()] == ["lead"]
    assert club.primary_place == directory["west-midlands"]
    assert club.activity_status == "ended" and club.themes.get() == directory["theme"]
    client.logout()
    assert client.get(solar.get_absolute_url()).status_code == 404


def test_importing_as_published_makes_the_rows_public(client, moderator, directory):
    client.force_login(moderator)
    response = upload(client, csv_bytes(GOOD_ROWS), action="import", state=State.PUBLISHED)
    assert response.status_code == 200
    assert Initiative.objects.published().count() == 3
    assert not Initiative.objects.filter(published_at=None).exists()
    client.logout()
    solar = Initiative.objects.get(external_id="lw-1")
    assert client.get(solar.get_absolute_url()).status_code == 200


def test_importing_the_same_file_again_changes_nothing(client, moderator, directory):
    client.force_login(moderator)
    upload(client, csv_bytes(GOOD_ROWS), action="import")
    before = list(Initiative.objects.values_list("pk", "title", "moderation_state"))
    sources = InitiativeSource.objects.count()
    for action in ("check", "import"):
        response = upload(client, csv_bytes(GOOD_ROWS), action=action, state=State.PUBLISHED)
        assert response.status_code == 200
        assert response.context["report"].unchanged_count == 3
        assert response.text.count("Already imported: unchanged") == 3
    assert "0 initiatives created" in response.text
    assert "3 already imported, left unchanged" in response.text
    assert list(Initiative.objects.values_list("pk", "title", "moderation_state")) == before
    assert InitiativeSource.objects.count() == sources


def test_a_longer_file_later_adds_only_its_new_rows(client, moderator, directory):
    client.force_login(moderator)
    upload(client, csv_bytes(GOOD_ROWS[:1]), action="import")
    response = upload(client, csv_bytes(GOOD_ROWS), action="import")
    report = response.context["report"]
    assert (report.created_count, report.unchanged_count) == (2, 1)
    assert Initiative.objects.count() == 3


def test_the_import_is_one_transaction(client, moderator, directory, monkeypatch):
    """A row that fails as it is written (someone saved the same slug at the
    same moment, say) leaves none of the file's rows behind."""
    make_initiative("Taken", places=[directory["bath"]], themes=[directory["theme"]])
    slugs = importing._unique_slugs
    monkeypatch.setattr(importing, "_unique_slugs", lambda titles: [*slugs(titles)[:-1], "taken"])
    client.force_login(moderator)
    response = upload(client, csv_bytes(GOOD_ROWS), action="import")
    assert response.status_code == 400
    assert "saved by someone else at the same moment" in response.text
    assert list(Initiative.objects.values_list("slug", flat=True)) == ["taken"]
    assert not InitiativeSource.objects.exists()
    assert not InitiativePlace.objects.exclude(initiative__slug="taken").exists()


def test_imported_initiatives_are_made_as_the_services_make_them(client, moderator, directory):
    """Slugs unique among initiatives and within the file, the publication
    date, the pin at the place's centre, the change history with the
    moderator's name."""
    make_initiative(
        "Bath community fridge", places=[directory["bath"]], themes=[directory["theme"]]
    )
    rows = [*GOOD_ROWS, row("bath-again", "Bath community fridge", places="bath")]
    client.force_login(moderator)
    upload(client, csv_bytes(rows), action="import", state=State.PUBLISHED)
    imported = Initiative.objects.exclude(external_id="").order_by("pk")
    assert [i.slug for i in imported] == [
        "lawrence-weston-solar-farm",
        "bath-community-fridge-2",
        "west-midlands-energy-club",
        "bath-community-fridge-3",
    ]
    for initiative in imported:
        assert initiative.published_at is not None
        history = initiative.history.get()
        assert history.history_type == "+" and history.history_user == moderator
        assert history.history_change_reason == "Imported from a CSV file"
    fridge = imported.get(external_id="bath-2")
    assert fridge.location_is_place_centre
    assert (fridge.latitude, fridge.longitude) == (51.38, -2.36)
    assert [(p.place.slug, p.is_primary) for p in fridge.initiative_places.all()] == [
        ("bath", True)
    ]


def test_a_file_saved_with_a_byte_order_mark_is_read(client, moderator, directory):
    client.force_login(moderator)
    rows = [row("sp-1", "São Paulo exchange, Bristol")]
    response = upload(client, csv_bytes(rows, encoding="utf-8-sig"), action="import")
    assert response.status_code == 200
    assert Initiative.objects.get(external_id="sp-1").title == "São Paulo exchange, Bristol"


def test_header_names_ignore_case_spaces_order_and_unnamed_empty_columns(
    client, moderator, directory
):
    data = (
        " Places ,TITLE,external_id,summary,description,themes,\r\n"
        "bath,Bath repair café,bc-1,Repairs.,Fixing things.,community-energy,\r\n"
        ",,,,,,\r\n"
    ).encode()
    client.force_login(moderator)
    response = upload(client, data, action="import")
    assert response.status_code == 200
    assert Initiative.objects.get(external_id="bc-1").primary_place == directory["bath"]
    assert "1 empty row was ignored." in response.text


def test_the_checks_take_a_fixed_number_of_queries(
    client, moderator, directory, django_assert_max_num_queries
):
    rows = [row(f"r-{n}", f"Initiative {n}", places="bath;bristol") for n in range(200)]
    client.force_login(moderator)
    with django_assert_max_num_queries(12):
        response = upload(client, csv_bytes(rows), action="check")
    assert response.context["report"].new_count == 200


# Files that cannot be read


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "This is not a CSV file"),
        ("external_id,title\r\n1,São Paulo\r\n".encode("latin-1"), "The file is not in UTF-8"),
        (
            b"external_id,title,summary\r\n1,A,B\r\n",
            "The header row lacks required columns: description, themes, places.",
        ),
        (
            b"external_id;title;summary;description;themes;places\r\n",
            "The columns seem to be separated by semicolons or tabs: use commas.",
        ),
        (
            csv_bytes([row("1", "A", colour="green")]),
            "The header row has columns we do not know: “colour”.",
        ),
        (
            b"external_id,title,summary,description,themes,places,title\r\n",
            "The header row names these columns more than once: title.",
        ),
        (
            b"external_id,title,summary,description,themes,places\r\n",
            "The file has a header row but no rows of initiatives.",
        ),
        (
            b'external_id,title,summary,description,themes,places\r\n1,"unclosed\x00',
            "This is not a CSV file",
        ),
        (csv_bytes([row("1", "Far", description="x" * 9000 + "\x00")]), "This is not a CSV file"),
        (
            csv_bytes([row("1", "Long", description="x" * 200_000)]),
            "The file cannot be read as CSV near line 2: field larger than field limit",
        ),
    ],
)
def test_a_file_that_cannot_be_read_gets_a_clear_message(client, moderator, data, message):
    client.force_login(moderator)
    response = upload(client, data, action="import")
    assert response.status_code == 400
    assert message in response.text
    assert not Initiative.objects.exists()


def test_a_file_over_5_mb_is_refused(client, moderator, directory):
    padding = "x" * 1000
    rows = [row(f"big-{n}", "Big", description=padding) for n in range(5300)]
    data = csv_bytes(rows)
    assert len(data) > import_columns.MAX_BYTES
    client.force_login(moderator)
    response = upload(client, data, action="check")
    assert response.status_code == 400
    assert "The file is larger than 5 MB: split it into smaller files." in response.text
    assert "Nothing was imported." in response.text


def test_a_file_over_5000_rows_is_refused(client, moderator, directory):
    data = csv_bytes([row(f"r-{n}", "Row") for n in range(import_columns.MAX_ROWS + 1)])
    assert len(data) < import_columns.MAX_BYTES
    client.force_login(moderator)
    response = upload(client, data, action="check")
    assert response.status_code == 400
    assert "The file has more than 5,000 rows: split it into smaller files." in response.text


def test_sending_no_file_asks_for_one(client, moderator):
    client.force_login(moderator)
    response = client.post(URL, {"state": State.PENDING, "action": "check"})
    assert response.status_code == 400
    assert "Choose a CSV file." in response.text


# The template


def test_the_template_downloads_as_csv_with_every_column(client, moderator):
    client.force_login(moderator)
    response = client.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(import_columns.COLUMNS)
    assert len(rows) == 2


def test_the_template_example_imports_as_it_is(client, moderator, directory):
    client.force_login(moderator)
    data = client.get(TEMPLATE_URL).content
    response = upload(client, data, action="check")
    assert response.status_code == 200, response.context["report"].error_rows
    assert response.context["report"].new_count == 1
