"""Moderators work through the queue at /moderation/; nobody else reaches it."""

import pytest

from communities.models import Membership
from initiatives.models import (
    Initiative,
    InitiativeRevision,
    ModerationDecision,
    ProposedOrganisation,
    ProposedPlace,
)
from initiatives.moderation import decisions
from initiatives.submissions.entries import live_entry_data
from tests.factories import make_initiative, make_organisation
from tests.submission_forms import verified_user

State = Initiative.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(england, theme):
    submitter = verified_user("submitter@example.org")
    return make_initiative(
        "Hartcliffe tool library",
        places=[england],
        themes=[theme],
        state=State.PENDING,
        submitted_by=submitter,
    )


def urls(pending):
    revision = InitiativeRevision.objects.create(initiative=pending, data=live_entry_data(pending))
    return [
        "/moderation/",
        f"/moderation/initiatives/{pending.pk}/",
        f"/moderation/edits/{revision.pk}/",
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, pending):
    for url in urls(pending):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response.url


def test_residents_and_curators_cannot_reach_moderation(client, pending, resident, curator):
    pages = urls(pending)
    for user in (resident, curator, verified_user("other@example.org")):
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 403, (user, url)
            assert client.post(url, {"action": "approve"}).status_code == 403
    pending.refresh_from_db()
    assert pending.moderation_state == State.PENDING


def test_the_queue_lists_what_waits_oldest_first_with_counts(
    client, moderator, pending, england, theme
):
    newer = make_initiative(
        "Knowle West fridge", places=[england], themes=[theme], state=State.PENDING
    )
    make_initiative("Already public", places=[england], themes=[theme])
    client.force_login(moderator)
    page = client.get("/moderation/").text
    assert page.index("Hartcliffe tool library") < page.index(newer.title)
    assert "Already public" not in page
    assert "2 new submissions" in page
    assert 'href="/moderation/"' in client.get("/").text  # the header offers it


def test_a_moderator_approves_a_submission_from_its_page(
    client, moderator, pending, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(moderator)
    page = client.get(f"/moderation/initiatives/{pending.pk}/")
    assert "Hartcliffe tool library" in page.text and "submitter@example.org" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/moderation/initiatives/{pending.pk}/",
            {"action": "approve", "message": "", "note": "", "seen_state": "pending"},
        )
    assert response.status_code == 302 and response.url == "/moderation/"
    pending.refresh_from_db()
    assert pending.moderation_state == State.PUBLISHED
    assert ModerationDecision.objects.get().moderator == moderator
    assert len(mailoutbox) == 1
    assert client.get(pending.get_absolute_url()).status_code == 200


def test_rejecting_without_a_reason_is_refused_with_a_message(client, moderator, pending):
    client.force_login(moderator)
    response = client.post(
        f"/moderation/initiatives/{pending.pk}/",
        {"action": "reject", "message": "", "seen_state": "pending"},
    )
    assert response.status_code == 400
    assert "Give the reason for rejecting it." in response.text
    pending.refresh_from_db()
    assert pending.moderation_state == State.PENDING


def test_a_decision_already_taken_by_someone_else_is_reported(client, moderator, pending):
    other = verified_user("quick@example.org")

    decisions.decide(pending, moderator=other, action="approve")
    client.force_login(moderator)
    response = client.post(
        f"/moderation/initiatives/{pending.pk}/",
        {"action": "reject", "message": "No.", "seen_state": "pending"},
        follow=True,
    )
    assert "already decided by quick@example.org" in response.text
    assert ModerationDecision.objects.count() == 1


def test_a_proposed_edit_shows_what_changes_and_goes_live_on_approval(
    client, moderator, england, theme
):
    live = make_initiative("Tool shed", places=[england], themes=[theme])
    data = {**live_entry_data(live), "title": "Hartcliffe tool shed", "summary": live.summary}
    revision = InitiativeRevision.objects.create(initiative=live, data=data)
    client.force_login(moderator)
    page = client.get(f"/moderation/edits/{revision.pk}/").text
    assert "<del>Tool shed</del>" in page and "<ins>Hartcliffe tool shed</ins>" in page
    client.post(f"/moderation/edits/{revision.pk}/", {"action": "approve", "seen_state": "pending"})
    live.refresh_from_db()
    assert live.title == "Hartcliffe tool shed"


def test_the_queue_costs_the_same_queries_whatever_its_length(
    client, moderator, england, theme, django_assert_max_num_queries
):
    client.force_login(moderator)
    for n in range(12):
        make_initiative(f"Waiting {n}", places=[england], themes=[theme], state=State.PENDING)
    # 19: one of them asks whether the moderator has a second factor.
    with django_assert_max_num_queries(19):
        assert client.get("/moderation/").status_code == 200


def test_proposed_places_and_organisations_are_in_the_queue(client, moderator, places, theme):

    live = make_initiative("Repair cafe", places=[places["bristol"]], themes=[theme])
    ProposedPlace.objects.create(initiative=live, name="Shirehampton", within=places["bristol"])
    ProposedOrganisation.objects.create(initiative=live, name="Fixers Bristol")
    client.force_login(moderator)
    page = client.get("/moderation/?kind=proposal").text
    assert "Shirehampton" in page and "Fixers Bristol" in page
    assert f'href="/moderation/initiatives/{live.pk}/"' in page
    assert "2 proposed places and organisations" in page


def test_an_organisation_member_cannot_reach_moderation_either(client, pending):

    member = verified_user("officer@example.org")
    Membership.objects.create(
        user=member,
        organisation=make_organisation("Bristol City Council", kind="council"),
        state=Membership.State.APPROVED,
    )
    client.force_login(member)
    for url in [*urls(pending), "/moderation/dashboard/", "/moderation/import/"]:
        assert client.get(url).status_code == 403, url
    assert (
        client.post("/moderation/decide/", {"action": "approve", "items": [pending.pk]}).status_code
        == 403
    )
    pending.refresh_from_db()
    assert pending.moderation_state == State.PENDING
