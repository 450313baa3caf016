"""When the database fails, people are told so plainly and nothing is left
half-written: a write that fails part-way leaves no trace (no rows, no photo
files, no history), and while the database is unreachable every page answers
503 with Retry-After, then works again by itself once the database is back.

The load run that restarts a real PostgreSQL under traffic is
`python -m reliability.load` (`make load`); CI runs its short form."""

import contextlib
import socket
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, OperationalError, connection
from django.test import Client
from simple_history.models import HistoricalRecords

from initiatives.models import (
    Initiative,
    InitiativeImage,
    InitiativePlace,
    InitiativeRevision,
    InitiativeSource,
    ModerationDecision,
    ProposedPlace,
)
from initiatives.submissions import entries
from initiatives.submissions import services as submission_services
from reliability import load
from tests.factories import make_initiative
from tests.submission_forms import form_data, jpeg_bytes, verified_user

pytestmark = pytest.mark.django_db

SUBMIT = "/initiatives/submit/"
SERVER_ERROR_TEXT = "Sorry, there is a problem with the service"
OUTAGE_TEXT = "Sorry, the map is unavailable for a moment"


@pytest.fixture
def browser():
    """A client that gets the page a browser would get when a request fails,
    rather than the test client re-raising the error."""
    return Client(raise_request_exception=False)


@pytest.fixture
def submitter(browser):
    user = verified_user("submitter@example.org")
    browser.force_login(user)
    return user


def stored_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def history_rows() -> int:
    return Initiative.history.model.objects.count()


def assert_friendly(response, status, text):
    assert response.status_code == status
    page = response.content.decode()
    assert text in page
    assert "Traceback" not in page
    assert "Error" not in page  # no exception's name
    assert "/static/css/site.css" in page  # the site's look


def submission(theme):
    """A new initiative in a new place, with a source, a photo and a name to credit."""
    return form_data(
        themes=[theme],
        place="Hartcliffe",
        new_place="on",
        new_place_within="England",
        source_url="https://example.org/tool-library",
        source_title="Tool library opens",
        credit_submitter="on",
        public_name="Sam from Hartcliffe",
        **{
            "photo-0-image": SimpleUploadedFile("shed.jpg", jpeg_bytes(), "image/jpeg"),
            "photo-0-alt_text": "The tool shed by the community centre",
        },
    )


# A step of submission_create() fails after the Initiative row is written.
FAILING_STEPS = {
    "the history of the new initiative": (
        mock.patch.object(HistoricalRecords, "create_historical_record"),
        IntegrityError("duplicate key value violates unique constraint"),
    ),
    "the source link": (
        mock.patch.object(submission_services, "_save_source"),
        DatabaseError("could not extend file: No space left on device"),
    ),
    "the photo's row, its files already stored": (
        mock.patch.object(InitiativeImage, "save"),
        DatabaseError("could not extend file: No space left on device"),
    ),
    "the last step, the name to credit": (
        mock.patch.object(submission_services, "_remember_credit_name"),
        IntegrityError("deadlock detected"),
    ),
}


@pytest.mark.parametrize("step", FAILING_STEPS)
def test_a_submission_that_fails_part_way_leaves_nothing_behind_and_can_be_sent_again(
    step, browser, submitter, england, theme
):
    patcher, error = FAILING_STEPS[step]
    with patcher as failing:
        failing.side_effect = error
        response = browser.post(SUBMIT, submission(theme))

    assert_friendly(response, 500, SERVER_ERROR_TEXT)
    assert "it was not saved" in response.text
    assert not Initiative.objects.exists()
    assert not InitiativePlace.objects.exists()
    assert not Initiative.themes.through.objects.exists()
    assert not InitiativeSource.objects.exists()
    assert not InitiativeImage.objects.exists()
    assert not ProposedPlace.objects.exists()
    assert history_rows() == 0
    assert stored_files() == []
    submitter.refresh_from_db()
    assert submitter.public_name != "Sam from Hartcliffe"

    # Nothing half-written stands in the way of sending it again.
    response = browser.post(SUBMIT, submission(theme))
    assert response.status_code == 302
    draft = Initiative.objects.get()
    assert draft.slug == "hartcliffe-tool-library"
    assert draft.images.count() == 1 and draft.sources.count() == 1
    photo = draft.images.get()
    named = {f.name for f in (photo.image, photo.card, photo.large) if f}
    root = Path(django_settings.MEDIA_ROOT)
    assert {p.relative_to(root).as_posix() for p in stored_files()} == named


def test_a_submission_cut_off_by_the_database_going_away_answers_503_and_leaves_nothing(
    browser, submitter, england, theme
):
    with mock.patch.object(submission_services, "_remember_credit_name") as failing:
        failing.side_effect = OperationalError("server closed the connection unexpectedly")
        response = browser.post(SUBMIT, submission(theme))
    assert_friendly(response, 503, OUTAGE_TEXT)
    assert not Initiative.objects.exists()
    assert not InitiativeImage.objects.exists()
    assert history_rows() == 0
    assert stored_files() == []


@pytest.fixture
def pending(england, theme):
    author = verified_user("author@example.org")
    return make_initiative(
        "Hartcliffe tool library",
        places=[england],
        themes=[theme],
        state=Initiative.State.PENDING,
        submitted_by=author,
    )


def test_a_moderation_decision_that_fails_is_not_half_applied(
    browser, moderator, pending, django_capture_on_commit_callbacks
):
    browser.force_login(moderator)
    before = history_rows()
    with (
        django_capture_on_commit_callbacks() as emails,
        mock.patch.object(ModerationDecision, "save", side_effect=IntegrityError("deadlock")),
    ):
        response = browser.post(
            f"/moderation/initiatives/{pending.pk}/",
            {"action": "approve", "message": "", "note": "", "seen_state": "pending"},
        )
    assert_friendly(response, 500, SERVER_ERROR_TEXT)
    pending.refresh_from_db()
    assert pending.moderation_state == Initiative.State.PENDING
    assert pending.published_at is None
    assert not ModerationDecision.objects.exists()
    assert history_rows() == before
    assert emails == []  # the submitter is not told of a decision that did not happen
    assert browser.get(f"/initiatives/{pending.slug}/").status_code == 404

    # The moderator can decide again.
    response = browser.post(
        f"/moderation/initiatives/{pending.pk}/",
        {"action": "approve", "message": "", "note": "", "seen_state": "pending"},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.moderation_state == Initiative.State.PUBLISHED


def test_an_approved_edit_that_fails_part_way_leaves_the_live_initiative_as_it_was(
    browser, moderator, published
):
    data = {
        **entries.live_entry_data(published),
        "title": "Hartcliffe community solar farm",
        "source_url": "https://example.org/solar",
        "source_title": "Solar farm grows",
    }
    revision = InitiativeRevision.objects.create(initiative=published, data=data)
    browser.force_login(moderator)
    before = history_rows()
    # Copying the edit's photos comes after the live row, its places, themes
    # and organisations, its proposals and its source are written.
    with mock.patch.object(
        submission_services, "copy_photos", side_effect=DatabaseError("disk full")
    ):
        response = browser.post(
            f"/moderation/edits/{revision.pk}/", {"action": "approve", "seen_state": "pending"}
        )
    assert_friendly(response, 500, SERVER_ERROR_TEXT)
    published.refresh_from_db()
    revision.refresh_from_db()
    assert published.title == "Community solar farm"
    assert not published.sources.exists()
    assert revision.state == InitiativeRevision.State.PENDING
    assert not ModerationDecision.objects.exists()
    assert history_rows() == before
    assert "Hartcliffe" not in browser.get(published.get_absolute_url()).text


def test_featuring_that_fails_to_write_its_history_leaves_the_initiative_unfeatured(
    browser, curator, published
):
    browser.force_login(curator)
    before = history_rows()
    with mock.patch.object(
        HistoricalRecords, "create_historical_record", side_effect=IntegrityError("deadlock")
    ):
        response = browser.post(f"/curation/initiatives/{published.pk}/feature/", {"featured": "1"})
    assert_friendly(response, 500, SERVER_ERROR_TEXT)
    published.refresh_from_db()
    assert not published.featured
    assert history_rows() == before


# The database unreachable


@contextlib.contextmanager
def database_down():
    """Every attempt to reach the database fails as a refused connection does."""
    refused = OperationalError(
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
    )
    with mock.patch.object(connection, "ensure_connection", side_effect=refused):
        yield


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert "Connection refused" not in response.content.decode()


def test_public_pages_answer_503_while_the_database_is_down_and_recover_by_themselves(
    browser, published
):
    pages = ["/", "/initiatives/", f"/initiatives/{published.slug}/", "/map/"]
    with database_down():
        for page in pages:
            response = browser.get(page)
            assert_unavailable(response)
            assert_friendly(response, 503, OUTAGE_TEXT)
            assert "send it again once the site is back" in response.text
    for page in pages:
        assert browser.get(page).status_code == 200


def test_the_api_answers_503_in_json_while_the_database_is_down(browser, published):
    endpoints = ["/api/initiatives/", "/api/initiatives.geojson"]
    with database_down():
        for endpoint in endpoints:
            response = browser.get(endpoint)
            assert_unavailable(response)
            assert response["Content-Type"] == "application/json"
            assert "unavailable" in response.json()["detail"]
    for endpoint in endpoints:
        assert browser.get(endpoint).status_code == 200


def test_a_form_sent_while_the_database_is_down_is_refused_and_can_be_sent_again(
    browser, submitter, england, theme
):
    with database_down():
        response = browser.post(SUBMIT, submission(theme))
    assert_unavailable(response)
    assert_friendly(response, 503, OUTAGE_TEXT)
    assert not Initiative.objects.exists()
    assert stored_files() == []

    response = browser.post(SUBMIT, submission(theme))
    assert response.status_code == 302
    assert Initiative.objects.filter(submitted_by=submitter).count() == 1


def test_a_failure_outside_the_views_answers_503_too(browser, submitter):
    # The 404 page asks who is signed in, which loads the session: that
    # fails in Django's error handling, not in a view.
    with database_down():
        response = browser.get("/no-such-page/")
    assert_unavailable(response)
    assert_friendly(response, 503, OUTAGE_TEXT)
    assert browser.get("/no-such-page/").status_code == 404


def test_a_public_page_already_in_the_cache_is_still_served(browser, published, settings):
    settings.PAGE_CACHE = True
    assert browser.get("/initiatives/").status_code == 200
    with database_down():
        response = browser.get("/initiatives/")
    assert response.status_code == 200
    assert "Community solar farm" in response.text


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_server_that_refuses_connections_gets_503_then_200_when_it_is_back(
    browser,
):
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = unused_port()
    try:
        for page in ("/", "/api/initiatives/"):
            assert_unavailable(browser.get(page))
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port
    for page in ("/", "/api/initiatives/"):
        assert browser.get(page).status_code == 200


# The load run's judgement (reliability/load.py), on made-up requests


def load_run(*records, accepted=(1, 2), queued=(1, 2), emails=None):
    """Whether the load run passes, and what it prints, for `records`
    (label, start, end, status, retry_after) around an outage from 10 s to 12 s."""
    outage = load.Outage(began=10.0, ended=12.0)
    requests = [
        load.Record("browse", label, start, end, status, retry_after)
        for label, start, end, status, retry_after in [("home", 0.0, 0.5, 200, False), *records]
    ]
    outcomes = [load.Outcome(n, accepted_pk=n, draft_pk=n) for n in accepted]
    queue = {"in_queue": list(queued), "refused_in_queue": 0, "queue": len(queued)}
    queue["emails"] = len(accepted) if emails is None else emails
    plan = load.Plan(clients=1, seconds=20, submissions=len(accepted))
    return load.report(plan, requests, outcomes, outage, 0.0, queue)


def test_the_load_run_passes_with_503s_during_the_outage(capsys):
    assert load_run(("home", 10.5, 10.6, 503, True), ("list", 9.0, 11.0, 503, True))
    assert "PASSED" in capsys.readouterr().out


def test_the_load_run_counts_a_request_in_flight_when_the_restart_began_in_the_outage():
    assert load_run(("search", 9.5, 10.1, 503, True))


def test_the_load_run_fails_on_a_5xx_or_no_answer_outside_the_outage(capsys):
    assert not load_run(("home", 20.0, 20.1, 503, True))
    assert "1 requests failed (5xx or no answer) outside the outage" in capsys.readouterr().out
    assert not load_run(("home", 13.5, 73.5, None, False))  # timed out after it


def test_the_load_run_fails_on_a_500_even_during_the_outage(capsys):
    assert not load_run(("home", 10.5, 10.6, 500, False))
    assert "were not a 503 with Retry-After: [500]" in capsys.readouterr().out


def test_the_load_run_fails_when_an_accepted_submission_is_not_in_the_queue(capsys):
    assert not load_run(accepted=(1, 2, 3), queued=(1, 3))
    assert "missing from the moderation queue: [2]" in capsys.readouterr().out


def test_the_load_run_fails_when_an_accepted_submission_has_no_email(capsys):
    assert not load_run(accepted=(1, 2, 3), queued=(1, 2, 3), emails=2)
    assert "1 accepted submissions have no email in the outbox" in capsys.readouterr().out


def test_the_load_run_sends_a_form_as_a_browser_would():
    page = load.FormReader.read(
        """<form method="get"><input name="q" value="solar"></form>
        <form method="post" enctype="multipart/form-data">
          <input type="hidden" name="csrfmiddlewaretoken" value="token">
          <input type="hidden" name="form_started" value="signed">
          <input name="fax_number">
          <input type="checkbox" name="themes" value="3">
          <input type="checkbox" name="themes" value="4" checked>
          <input type="file" name="photo-0-image">
          <select name="activity_status"><option value="active">Active</option>
            <option value="ended" selected>Ended</option></select>
          <input name="place" list="place-options">
          <datalist id="place-options"><option value="Bristol"><option value="Bath"></datalist>
          <button type="submit" name="send" value="1">Send</button>
        </form>"""
    )
    assert page.form_with("form_started") == [
        ("csrfmiddlewaretoken", "token"),
        ("form_started", "signed"),
        ("themes", "4"),
        ("activity_status", "ended"),
    ]
    assert page.choices["themes"] == ["3", "4"]
    assert page.datalists["place-options"] == ["Bristol", "Bath"]
