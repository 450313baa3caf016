"""Moderators' decisions: only the moves in the table happen, each is
recorded and told to the submitter, and nothing is decided twice."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from initiatives.models import Initiative, InitiativeRevision, ModerationDecision, RevisionImage
from initiatives.moderation import decisions, states
from initiatives.submissions.entries import live_entry_data
from tests.factories import make_initiative
from tests.submission_forms import verified_user

State = Initiative.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def submitter(db):
    return verified_user("submitter@example.org")


def submission(state, england, theme, submitter):
    return make_initiative(
        f"Tool library ({state})",
        places=[england],
        themes=[theme],
        state=state,
        submitted_by=submitter,
    )


ALLOWED = {
    (State.PENDING, "approve"): State.PUBLISHED,
    (State.PENDING, "request_changes"): State.CHANGES_REQUESTED,
    (State.PENDING, "reject"): State.REJECTED,
    (State.CHANGES_REQUESTED, "reject"): State.REJECTED,
    (State.PUBLISHED, "archive"): State.ARCHIVED,
    (State.ARCHIVED, "approve"): State.PUBLISHED,
}
EVERY_MOVE = list(itertools.product(State.values, decisions.ACTIONS))


@pytest.mark.parametrize(("state", "action"), EVERY_MOVE)
def test_only_the_moves_in_the_table_happen(
    state,
    action,
    england,
    theme,
    submitter,
    moderator,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    initiative = submission(state, england, theme, submitter)
    expected = ALLOWED.get((state, action))
    with django_capture_on_commit_callbacks(execute=True):
        if expected is None:
            with pytest.raises(states.IllegalTransition):
                decisions.decide(initiative, moderator=moderator, action=action, message="Because.")
        else:
            decisions.decide(initiative, moderator=moderator, action=action, message="Because.")
    initiative.refresh_from_db()
    if expected is None:
        assert initiative.moderation_state == state
        assert not ModerationDecision.objects.exists()
        assert not mailoutbox
    else:
        assert initiative.moderation_state == expected
        decision = ModerationDecision.objects.get()
        assert (decision.from_state, decision.to_state) == (state, expected)
        assert decision.moderator == moderator and decision.message == "Because."
        assert len(mailoutbox) == 1 and mailoutbox[0].to == ["submitter@example.org"]
        assert "Because." in mailoutbox[0].body


def test_approving_publishes_and_the_public_sees_it(client, england, theme, submitter, moderator):
    initiative = submission(State.PENDING, england, theme, submitter)
    assert client.get(f"/initiatives/{initiative.slug}/").status_code == 404
    decisions.decide(initiative, moderator=moderator, action="approve")
    initiative.refresh_from_db()
    assert initiative.published_at is not None
    assert client.get(f"/initiatives/{initiative.slug}/").status_code == 200


@pytest.mark.parametrize("action", ["request_changes", "reject"])
def test_asking_for_changes_or_rejecting_needs_a_message(
    action, england, theme, submitter, moderator
):
    initiative = submission(State.PENDING, england, theme, submitter)
    with pytest.raises(ValidationError) as error:
        decisions.decide(initiative, moderator=moderator, action=action, message="  ")
    assert "message" in error.value.message_dict
    initiative.refresh_from_db()
    assert initiative.moderation_state == State.PENDING
    assert not ModerationDecision.objects.exists()


def test_the_internal_note_is_kept_but_never_emailed(
    england, theme, submitter, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    initiative = submission(State.PENDING, england, theme, submitter)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.decide(
            initiative,
            moderator=moderator,
            action="request_changes",
            message="Please add a photo.",
            note="Looks like a duplicate of the Bristol one.",
        )
    assert ModerationDecision.objects.get().internal_note.startswith("Looks like")
    assert "duplicate" not in mailoutbox[0].body
    assert "duplicate" not in mailoutbox[0].alternatives[0].content


def test_a_second_moderator_deciding_the_same_item_is_told_and_nothing_happens_twice(
    england, theme, submitter, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    other = verified_user("other-moderator@example.org")
    initiative = submission(State.PENDING, england, theme, submitter)
    # Both opened it while it was pending; the other moderator decides first.
    seen_by_both = Initiative.objects.get(pk=initiative.pk)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.decide(
            Initiative.objects.get(pk=initiative.pk), moderator=other, action="approve"
        )
        with pytest.raises(decisions.AlreadyDecided) as error:
            decisions.decide(
                seen_by_both,
                moderator=moderator,
                action="reject",
                message="No.",
                seen_state=State.PENDING,
            )
    assert "other-moderator@example.org" in error.value.messages[0]
    initiative.refresh_from_db()
    assert initiative.moderation_state == State.PUBLISHED
    assert ModerationDecision.objects.count() == 1
    assert len(mailoutbox) == 1


def test_an_approved_edit_goes_live_and_is_recorded(
    client, england, theme, submitter, moderator, django_capture_on_commit_callbacks, mailoutbox
):

    live = submission(State.PUBLISHED, england, theme, submitter)
    data = {**live_entry_data(live), "title": "Hartcliffe tool library"}
    revision = InitiativeRevision.objects.create(initiative=live, proposed_by=submitter, data=data)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.decide_revision(revision, moderator=moderator, action="approve")
    live.refresh_from_db()
    revision.refresh_from_db()
    assert live.title == "Hartcliffe tool library"
    assert revision.state == InitiativeRevision.State.APPROVED
    decision = ModerationDecision.objects.get()
    assert decision.revision == revision and decision.to_state == "approved"
    assert "edit" in mailoutbox[0].subject
    assert "Hartcliffe tool library" in client.get(live.get_absolute_url()).text


def test_an_edit_sent_back_for_changes_leaves_the_live_page_alone(
    england, theme, submitter, moderator
):

    live = submission(State.PUBLISHED, england, theme, submitter)
    data = {**live_entry_data(live), "title": "Renamed"}
    revision = InitiativeRevision.objects.create(initiative=live, proposed_by=submitter, data=data)
    decisions.decide_revision(
        revision, moderator=moderator, action="request_changes", message="Which name is right?"
    )
    with pytest.raises(states.IllegalTransition):
        decisions.decide_revision(
            revision, moderator=moderator, action="approve", seen_state="changes_requested"
        )
    live.refresh_from_db()
    assert live.title != "Renamed"
    assert InitiativeRevision.objects.get().state == "changes_requested"


def test_photos_of_an_approved_edit_join_the_initiative_with_their_size(
    england, theme, submitter, moderator
):

    live = submission(State.PUBLISHED, england, theme, submitter)
    revision = InitiativeRevision.objects.create(
        initiative=live, proposed_by=submitter, data=live_entry_data(live)
    )
    RevisionImage.objects.create(
        revision=revision,
        image="initiatives/shed.jpg",
        alt_text="The shed",
        width=800,
        height=600,
    )
    decisions.decide_revision(revision, moderator=moderator, action="approve")
    image = live.images.get()
    assert (image.image.name, image.alt_text) == ("initiatives/shed.jpg", "The shed")
    assert (image.width, image.height) == (800, 600)


def test_a_decision_names_the_item_decided(
    england, theme, submitter, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    initiative = submission(State.PENDING, england, theme, submitter)
    with django_capture_on_commit_callbacks(execute=True):
        decision = decisions.decide(initiative, moderator=moderator, action="approve")
    assert decision.item == initiative
    assert list(ModerationDecision.objects.for_item(initiative)) == [decision]
    assert len(mailoutbox) == 1


def test_an_edits_decision_names_the_edit_and_joins_its_initiatives_history(
    england, theme, submitter, moderator
):
    live = submission(State.PUBLISHED, england, theme, submitter)
    revision = InitiativeRevision.objects.create(
        initiative=live, proposed_by=submitter, data=live_entry_data(live)
    )
    decision = decisions.decide_revision(
        revision, moderator=moderator, action="reject", message="Not needed."
    )
    assert decision.item == revision
    assert decision.revision == revision
    assert list(live.decisions.all()) == [decision]
    # The initiative's own decisions are not its edits'.
    assert not ModerationDecision.objects.for_item(live).exists()


def test_any_item_can_be_decided_and_one_of_no_initiative_emails_nobody(
    england, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = decisions.record(
            england, moderator=moderator, from_state="proposed", to_state="accepted"
        )
    decision.refresh_from_db()
    assert decision.item == england
    assert decision.initiative is None
    assert mailoutbox == []


def test_a_decision_that_names_no_item_is_refused_by_the_database(moderator):
    with pytest.raises(IntegrityError, match="decision_names_item"):
        ModerationDecision.objects.create(moderator=moderator, from_state="a", to_state="b")


def test_deciding_refuses_an_item_that_left_the_state_the_moderator_saw(
    england, theme, submitter, moderator
):
    initiative = submission(State.PENDING, england, theme, submitter)
    decisions.decide(initiative, moderator=moderator, action="approve")
    with (
        pytest.raises(decisions.AlreadyDecided, match="already decided by") as error,
        decisions.deciding(Initiative, initiative.pk, State.PENDING),
    ):
        pytest.fail("An item decided already is not handed over.")
    assert error.value.code == "already_decided"
    assert str(moderator) in error.value.messages[0]
