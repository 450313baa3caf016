"""The rest of a moderator's tools: duplicates merged with nothing lost,
proposed places and organisations, bulk decisions, emails about new items,
and the history of changes."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from communities.models import Organisation, Place
from initiatives.models import (
    Initiative,
    InitiativeOrganisation,
    InitiativeSource,
    ModerationDecision,
    ProposedOrganisation,
    ProposedPlace,
)
from initiatives.moderation import decisions
from initiatives.submissions.services import submission_submit
from initiatives.submissions.similar import similar_initiatives
from tests.factories import make_initiative, make_organisation, make_theme
from tests.submission_forms import verified_user, with_second_factor

State = Initiative.State
pytestmark = pytest.mark.django_db


def make_moderator(email="moderator@example.org", notify=True):
    user = verified_user(email)
    user.is_staff = True
    user.notify_new_items = notify
    user.save()
    user.groups.add(Group.objects.get(name="Moderators"))
    return with_second_factor(user)


@pytest.fixture
def moderator(db):
    return make_moderator()


def test_merging_a_duplicate_keeps_everything_of_both(places, theme, moderator, client):
    other_theme = make_theme("Food")
    trust = make_organisation("Bristol Energy Trust")
    original = make_initiative(
        "Lawrence Weston solar farm", places=[places["lawrence-weston"]], themes=[theme]
    )
    submitter = verified_user("dup@example.org")
    duplicate = make_initiative(
        "Solar farm in Lawrence Weston",
        places=[places["bristol"]],
        themes=[other_theme],
        organisations=[(trust, "funder")],
        state=State.PENDING,
        submitted_by=submitter,
    )
    InitiativeSource.objects.create(
        initiative=duplicate, title="Local news", url="https://news.example.org/solar"
    )
    decisions.merge_duplicate(duplicate, into=original, moderator=moderator)
    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert set(original.places.all()) == {places["lawrence-weston"], places["bristol"]}
    assert original.primary_place == places["lawrence-weston"]
    assert set(original.themes.all()) == {theme, other_theme}
    assert InitiativeOrganisation.objects.filter(
        initiative=original, organisation=trust, role="funder"
    ).exists()
    assert original.sources.filter(url="https://news.example.org/solar").exists()
    # The duplicate is kept, pointing at the original, and not public.
    assert duplicate.duplicate_of == original
    assert duplicate.moderation_state == State.REJECTED
    assert duplicate.description and duplicate.sources.count() == 1
    decision = ModerationDecision.objects.get(initiative=duplicate)
    assert "Lawrence Weston solar farm" in decision.message
    # Moving it twice is refused.
    with pytest.raises(decisions.AlreadyDecided):
        decisions.merge_duplicate(duplicate, into=original, moderator=moderator)


def test_a_moderator_merges_from_the_item_page(places, theme, moderator, client):
    original = make_initiative(
        "Lawrence Weston community solar farm",
        places=[places["lawrence-weston"]],
        themes=[theme],
    )
    duplicate = make_initiative(
        "Lawrence Weston solar farm",
        places=[places["lawrence-weston"]],
        themes=[theme],
        state=State.PENDING,
    )
    client.force_login(moderator)
    page = client.get(f"/moderation/initiatives/{duplicate.pk}/").text
    assert f'value="{original.slug}"' in page  # offered as a possible duplicate
    response = client.post(
        f"/moderation/initiatives/{duplicate.pk}/merge/", {"into": original.slug}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.duplicate_of == original


def test_accepting_a_proposed_place_creates_it_under_the_larger_place(places, theme, moderator):
    initiative = make_initiative(
        "Shirehampton repair cafe",
        places=[places["bristol"]],
        themes=[theme],
        state=State.PENDING,
    )
    proposal = ProposedPlace.objects.create(
        initiative=initiative, name="Shirehampton", within=places["bristol"]
    )
    decisions.proposal_accept(proposal, moderator=moderator, kind="neighbourhood")
    proposal.refresh_from_db()
    place = Place.objects.get(name="Shirehampton")
    assert proposal.state == "accepted" and proposal.place == place
    assert Place.objects.get_parent(place) == places["bristol"]
    assert place.kind == "neighbourhood"
    assert initiative.primary_place == place
    assert list(initiative.places.all()) == [place]


def test_accepting_a_proposed_organisation_links_it_in_its_role(places, theme, moderator):
    initiative = make_initiative(
        "Repair cafe", places=[places["bristol"]], themes=[theme], state=State.PENDING
    )
    proposal = ProposedOrganisation.objects.create(
        initiative=initiative,
        name="Fixers Bristol",
        role="partner",
        website="https://fixers.example.org",
    )
    decisions.proposal_accept(proposal, moderator=moderator)
    organisation = Organisation.objects.get(name="Fixers Bristol")
    assert organisation.website == "https://fixers.example.org"
    assert InitiativeOrganisation.objects.filter(
        initiative=initiative, organisation=organisation, role="partner"
    ).exists()
    with pytest.raises(decisions.AlreadyDecided):
        decisions.proposal_reject(proposal, moderator=moderator)


def test_a_moderator_rejects_a_proposal_from_the_item_page(client, places, theme, moderator):
    initiative = make_initiative(
        "Repair cafe", places=[places["bristol"]], themes=[theme], state=State.PENDING
    )
    proposal = ProposedPlace.objects.create(
        initiative=initiative, name="Nowhere", within=places["bristol"]
    )
    client.force_login(moderator)
    client.post(f"/moderation/proposals/place/{proposal.pk}/", {"action": "reject"})
    proposal.refresh_from_db()
    assert proposal.state == "rejected"
    assert not Place.objects.filter(name="Nowhere").exists()
    assert client.post(f"/moderation/proposals/thing/{proposal.pk}/").status_code == 404


def test_bulk_approval_decides_each_and_reports_what_it_could_not(
    client, england, theme, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    submitter = verified_user("many@example.org")
    first, second = (
        make_initiative(
            title, places=[england], themes=[theme], state=State.PENDING, submitted_by=submitter
        )
        for title in ("First", "Second")
    )
    already = make_initiative("Already public", places=[england], themes=[theme])
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/moderation/decide/",
            {"action": "approve", "items": [first.pk, second.pk, already.pk]},
            follow=True,
        )
    assert Initiative.objects.published().filter(pk__in=[first.pk, second.pk]).count() == 2
    assert "2 decided" in response.text
    assert "Already public" in response.text  # refused, and said so
    assert len(mailoutbox) == 2


def test_bulk_rejection_needs_a_message(client, england, theme, moderator):
    pending = make_initiative("Pending", places=[england], themes=[theme], state=State.PENDING)
    client.force_login(moderator)
    response = client.post(
        "/moderation/decide/", {"action": "reject", "items": [pending.pk]}, follow=True
    )
    assert "Give the reason for rejecting it." in response.text
    pending.refresh_from_db()
    assert pending.moderation_state == State.PENDING


def test_moderators_hear_of_new_submissions_unless_they_opted_out(
    client, england, theme, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    make_moderator("quiet@example.org", notify=False)
    verified_user("resident-only@example.org")
    draft = make_initiative(
        "Tool library",
        places=[england],
        themes=[theme],
        state=State.DRAFT,
        submitted_by=verified_user("sub@example.org"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        submission_submit(draft)
    to_moderators = [m for m in mailoutbox if "To moderate" in m.subject]
    assert [m.to for m in to_moderators] == [["moderator@example.org"]]
    assert f"/moderation/initiatives/{draft.pk}/" in to_moderators[0].body
    # The opt-out is one click away, in every such email and on the page.
    client.force_login(moderator)
    client.post("/moderation/notifications/", {})
    moderator.refresh_from_db()
    assert moderator.notify_new_items is False


def test_every_change_is_in_the_history_with_who_made_it(client, england, theme, moderator):
    pending = make_initiative("Tool library", places=[england], themes=[theme], state=State.PENDING)
    client.force_login(moderator)
    client.post(
        f"/moderation/initiatives/{pending.pk}/",
        {"action": "approve", "seen_state": "pending"},
    )
    pending.refresh_from_db()
    latest = pending.history.first()
    assert latest.moderation_state == State.PUBLISHED
    assert latest.history_user == moderator
    page = client.get(f"/moderation/initiatives/{pending.pk}/").text
    assert "History of changes" in page and "moderation_state" in page


def test_possible_duplicates_are_found_by_similar_titles_near_the_same_place(
    client, places, theme, moderator
):

    solar = make_initiative(
        "Lawrence Weston community solar farm",
        places=[places["lawrence-weston"]],
        themes=[theme],
    )
    make_initiative("Bath community solar farm", places=[places["bath"]], themes=[theme])
    # A misspelt title: trigrams on PostgreSQL see through it; on SQLite
    # the words in common ("solar") are enough.
    typo = make_initiative(
        "Lawrence Westen solar farme",
        places=[places["lawrence-weston"]],
        themes=[theme],
        state=State.PENDING,
    )
    unrelated = make_initiative(
        "Knitting circle",
        places=[places["lawrence-weston"]],
        themes=[theme],
        state=State.PENDING,
    )
    client.force_login(moderator)
    page = client.get(f"/moderation/initiatives/{typo.pk}/").text
    assert f'value="{solar.slug}"' in page
    assert "Bath community solar farm" not in page  # another place
    assert (
        f'value="{solar.slug}"' not in client.get(f"/moderation/initiatives/{unrelated.pk}/").text
    )
    if connection.vendor == "postgresql":
        # (Read afresh: adding Bath beside Bristol renumbered the tree's paths.)
        lawrence_weston = Place.objects.get(slug="lawrence-weston")
        found = similar_initiatives("Lawrance Weston comunity solar", lawrence_weston)
        assert [i.pk for i in found] == [solar.pk]


def test_a_possible_duplicate_elsewhere_is_found_through_a_shared_organisation(
    client, places, theme, moderator
):
    trust = make_organisation("Ambition Lawrence Weston")
    listed = make_initiative(
        "Lawrence Weston community solar farm",
        places=[places["bath"]],
        themes=[theme],
        organisations=[(trust, "lead")],
    )
    pending = make_initiative(
        "Lawrence Weston solar farm",
        places=[places["west-midlands"]],
        themes=[theme],
        organisations=[(trust, "partner")],
        state=State.PENDING,
    )
    client.force_login(moderator)
    page = client.get(f"/moderation/initiatives/{pending.pk}/").text
    assert f'value="{listed.slug}"' in page


def test_moderators_find_the_moderation_page_from_an_initiative(client, published, moderator):
    assert "Moderate this initiative" not in client.get(published.get_absolute_url()).text
    client.force_login(moderator)
    page = client.get(published.get_absolute_url()).text
    assert f'href="/moderation/initiatives/{published.pk}/"' in page
