"""A person's data: they can download all of it and delete their account;
contact details and submitters are public only when they agreed."""

import json
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from communities.models import Membership
from communities.services import membership_request
from initiatives.catalogue import photos
from initiatives.models import (
    Initiative,
    InitiativeImage,
    InitiativeRevision,
    ModerationDecision,
)
from tests.factories import make_initiative, make_organisation
from tests.submission_forms import jpeg_bytes, verified_user

pytestmark = pytest.mark.django_db

DATA_URL = reverse("initiatives:account-data")
DELETE_URL = reverse("initiatives:account-delete")
PASSWORD = "a-long-password-1"
State = Initiative.State


def add_photo(initiative, alt_text="A photo") -> InitiativeImage:
    """A stored photo, as the submission form stores one."""
    upload = SimpleUploadedFile("photo.jpg", jpeg_bytes(size=(900, 600)), "image/jpeg")
    photo = InitiativeImage(initiative=initiative, alt_text=alt_text)
    photos.attach(photo, photos.process(upload))
    photo.save()
    return photo


def photo_paths(photo) -> list[Path]:
    return [Path(f.path) for f in photo.files()]


@pytest.fixture
def person(db):
    user = verified_user("jo@example.org", PASSWORD)
    user.full_name = "Joanna Private"
    user.public_name = "Jo from Hartcliffe"
    user.save()
    return user


@pytest.fixture
def other(db):
    user = verified_user("someone-else@example.org", PASSWORD)
    user.public_name = "Sam Other"
    user.save()
    return user


def submissions_of(user, england, theme, prefix=""):
    """One initiative in every moderation state, submitted by `user`."""
    return {
        state: make_initiative(
            f"{prefix}{state} initiative",
            places=[england],
            themes=[theme],
            state=state,
            submitted_by=user,
            credit_submitter=True,
            credit_name=user.public_name,
        )
        for state in State.values
    }


# Downloading one's data --------------------------------------------------


def test_downloading_ones_data_needs_signing_in(client):
    response = client.get(DATA_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_person_downloads_everything_held_about_them_and_nothing_else(
    client, person, other, england, theme
):
    garden = make_organisation("Hartcliffe Community Garden")
    membership_request(user=person, organisation=garden, job_title="Volunteer", message="Ask Pat")
    membership_request(user=other, organisation=garden, message="Other person's message")
    mine = make_initiative(
        "Tool library",
        places=[england],
        themes=[theme],
        state=State.CHANGES_REQUESTED,
        submitted_by=person,
        contact_email="tools@example.org",
    )
    published = make_initiative(
        "Repair café", places=[england], themes=[theme], submitted_by=person
    )
    ModerationDecision.objects.create(
        initiative=mine,
        from_state=State.PENDING,
        to_state=State.CHANGES_REQUESTED,
        message="Please add when it is open.",
        internal_note="Moderators only: checked with the council.",
    )
    theirs = make_initiative(
        "Someone else's bike kitchen",
        places=[england],
        themes=[theme],
        state=State.CHANGES_REQUESTED,
        submitted_by=other,
    )
    ModerationDecision.objects.create(
        initiative=theirs,
        from_state=State.PENDING,
        to_state=State.CHANGES_REQUESTED,
        message="A message for someone else.",
    )
    edit = InitiativeRevision.objects.create(
        initiative=published, proposed_by=person, data={"title": "Repair café and library"}
    )
    InitiativeRevision.objects.create(
        initiative=make_initiative("Bike kitchen", places=[england], themes=[theme]),
        proposed_by=other,
        data={"title": "Someone else's edit"},
    )
    client.force_login(person)

    response = client.get(DATA_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control or "private" in cache_control
    data = json.loads(response.content)
    assert data["account"]["email"] == "jo@example.org"
    assert data["account"]["full_name"] == "Joanna Private"
    assert data["account"]["public_name"] == "Jo from Hartcliffe"
    assert data["email_addresses"] == [
        {"email": "jo@example.org", "verified": True, "primary": True}
    ]
    [membership] = data["organisation_memberships"]
    assert membership["organisation"] == "Hartcliffe Community Garden"
    assert membership["job_title"] == "Volunteer"
    assert membership["message"] == "Ask Pat"
    assert membership["state"] == Membership.State.REQUESTED
    submissions = {s["title"]: s for s in data["submissions"]}
    assert set(submissions) == {"Tool library", "Repair café"}
    assert submissions["Tool library"]["moderation_state"] == "changes_requested"
    assert submissions["Tool library"]["contact_email"] == "tools@example.org"
    assert submissions["Repair café"]["moderation_state"] == "published"
    assert submissions["Repair café"]["slug"] == published.slug
    assert [m["message"] for m in submissions["Tool library"]["moderators_messages"]] == [
        "Please add when it is open."
    ]

    [proposed_edit] = data["proposed_edits"]
    assert proposed_edit["initiative"] == "Repair café"
    assert proposed_edit["state"] == edit.state
    assert proposed_edit["entry"] == {"title": "Repair café and library"}

    body = response.content.decode()
    for not_theirs in (
        "someone-else@example.org",
        "Sam Other",
        "Someone else's bike kitchen",
        "A message for someone else.",
        "Other person's message",
        "Someone else's edit",
        "Moderators only",  # internal notes stay internal
    ):
        assert not_theirs not in body


# Deleting one's account ----------------------------------------------------


def test_the_delete_page_says_what_will_go_and_what_stays(client, person, england, theme):
    submissions_of(person, england, theme)
    client.force_login(person)

    response = client.get(DELETE_URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "4 submissions that are not public will be deleted." in content
    assert "2 published initiatives stay on the map" in content


def test_deleting_needs_the_right_password(client, person, england, theme):
    mine = submissions_of(person, england, theme)
    client.force_login(person)

    response = client.post(DELETE_URL, {"password": "not-my-password"})

    assert response.status_code == 400
    assert "That is not your password." in response.content.decode()
    assert get_user_model().objects.filter(pk=person.pk).exists()
    assert Initiative.objects.filter(submitted_by=person).count() == len(mine)
    assert client.get(DATA_URL).status_code == 200  # still signed in


def test_deleting_an_account_forgets_the_person(
    client, person, other, england, theme, django_capture_on_commit_callbacks
):
    mine = submissions_of(person, england, theme)
    theirs = submissions_of(other, england, theme, prefix="other ")
    membership_request(user=person, organisation=make_organisation("Knowle West Media Centre"))
    draft_photo = add_photo(mine[State.DRAFT], "Draft photo")
    rejected_photo = add_photo(mine[State.REJECTED], "Rejected photo")
    published_photo = add_photo(mine[State.PUBLISHED], "Published photo")
    others_photo = add_photo(theirs[State.PENDING], "Someone else's photo")
    gone = photo_paths(draft_photo) + photo_paths(rejected_photo)
    kept = photo_paths(published_photo) + photo_paths(others_photo)
    assert all(path.exists() for path in gone + kept)
    published = mine[State.PUBLISHED]
    page = client.get(published.get_absolute_url())
    assert "Submitted by Jo from Hartcliffe" in page.content.decode()
    client.force_login(person)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE_URL, {"password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("initiatives:home")
    assert not get_user_model().objects.filter(pk=person.pk).exists()
    assert not EmailAddress.objects.filter(email="jo@example.org").exists()
    assert not Membership.objects.exists()
    # Signed out.
    assert "_auth_user_id" not in client.session
    assert client.get(DATA_URL).status_code == 302

    # What was not public is gone, with its photos.
    remaining = Initiative.objects.filter(pk__in=[i.pk for i in mine.values()])
    assert set(remaining.values_list("moderation_state", flat=True)) == {
        State.PUBLISHED,
        State.ARCHIVED,
    }
    assert not any(path.exists() for path in gone)
    assert set(InitiativeImage.objects.values_list("alt_text", flat=True)) == {
        "Published photo",
        "Someone else's photo",
    }
    assert all(path.exists() for path in kept)

    # What is public stays, no longer linked to or crediting the person.
    published.refresh_from_db()
    assert published.moderation_state == State.PUBLISHED
    assert published.submitted_by is None
    assert published.credit_submitter is False
    page = client.get(published.get_absolute_url())
    assert page.status_code == 200
    content = page.content.decode()
    assert "Jo from Hartcliffe" not in content
    assert "Submitted by" not in content

    # Someone else's submissions are untouched.
    for state, initiative in theirs.items():
        initiative.refresh_from_db()
        assert initiative.moderation_state == state
        assert initiative.submitted_by == other
        assert initiative.credit_submitter is True


# Public pages show only what people agreed to show -------------------------


@pytest.mark.parametrize("consent", [False, True])
def test_contact_details_are_public_only_with_consent(client, england, theme, consent):
    submitter = get_user_model().objects.create_user(
        "submitter-private@example.org", PASSWORD, public_name="Alex"
    )
    initiative = make_initiative(
        "Community fridge",
        places=[england],
        themes=[theme],
        contact_name="Priya Contact",
        contact_email="fridge-contact@example.org",
        contact_phone="0117 496 0000",
        contact_consent=consent,
        submitted_by=submitter,
        credit_submitter=True,
        credit_name="Alex",
    )

    response = client.get(initiative.get_absolute_url())

    assert response.status_code == 200
    content = response.content.decode()
    for detail in ("Priya Contact", "fridge-contact@example.org", "0117 496 0000"):
        assert (detail in content) is consent
    assert "Submitted by Alex" in content
    # The submitter's own email address is never shown.
    assert "submitter-private@example.org" not in content


def test_an_uncredited_submitter_is_not_named(client, person, england, theme):
    initiative = make_initiative(
        "Street party", places=[england], themes=[theme], submitted_by=person
    )

    content = client.get(initiative.get_absolute_url()).content.decode()

    assert "Jo from Hartcliffe" not in content
    assert "Joanna Private" not in content
    assert "jo@example.org" not in content
