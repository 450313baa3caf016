"""People ask to act for an organisation; moderators approve or decline in
the admin, and the person is told by email. Approved members submit on the
organisation's behalf."""

import pytest
from django.urls import reverse

from communities.models import Membership
from communities.services import membership_request
from initiatives import permissions
from initiatives.models import Initiative
from tests.factories import make_organisation
from tests.submission_forms import form_data, verified_user

pytestmark = pytest.mark.django_db

MEMBERSHIPS_URL = reverse("communities:memberships")
CHANGELIST_URL = reverse("admin:communities_membership_changelist")
SUBMIT_URL = reverse("initiatives:submit")


@pytest.fixture
def organisation(db):
    return make_organisation("Ambition Lawrence Weston")


@pytest.fixture
def officer(db):
    return verified_user("officer@example.org")


@pytest.fixture
def request_to_join(officer, organisation):
    return membership_request(
        user=officer, organisation=organisation, job_title="Project officer", message="Ask Kim"
    )


def ask(client, name, **fields):
    return client.post(
        MEMBERSHIPS_URL,
        {"organisation": name, "job_title": "", "message": "My work email is at their domain."}
        | fields,
    )


def run_action(client, action, *memberships):
    return client.post(
        CHANGELIST_URL,
        {"action": action, "_selected_action": [str(m.pk) for m in memberships], "index": "0"},
    )


# Asking to join -------------------------------------------------------------


def test_the_organisations_page_needs_signing_in(client):
    response = client.get(MEMBERSHIPS_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_person_asks_to_join_an_organisation_by_its_name(client, officer, organisation):
    client.force_login(officer)

    response = ask(client, "  ambition   lawrence WESTON ", job_title="Project officer")

    assert response.status_code == 302
    assert response.url == MEMBERSHIPS_URL
    membership = Membership.objects.get()
    assert (membership.user, membership.organisation) == (officer, organisation)
    assert membership.state == Membership.State.REQUESTED
    assert membership.job_title == "Project officer"
    assert membership.message == "My work email is at their domain."
    assert membership.decided_by is None
    page = client.get(MEMBERSHIPS_URL).content.decode()
    assert "Ambition Lawrence Weston" in page
    assert "Waiting for approval" in page


def test_an_unknown_organisation_is_explained(client, officer, organisation):
    client.force_login(officer)

    response = ask(client, "Ambition Lawrence Weston Trust")

    assert response.status_code == 400
    assert (
        "We do not know an organisation called “Ambition Lawrence Weston Trust”."
        in response.content.decode()
    )
    assert not Membership.objects.exists()


def test_asking_twice_is_an_error(client, officer, organisation):
    client.force_login(officer)
    assert ask(client, "Ambition Lawrence Weston").status_code == 302

    response = ask(client, "Ambition Lawrence Weston")

    assert response.status_code == 400
    assert "You have already asked to join this organisation." in response.content.decode()
    assert Membership.objects.count() == 1


# Deciding, in the admin ------------------------------------------------------


def test_a_moderator_approves_a_request_and_the_person_is_emailed(
    client,
    moderator,
    officer,
    organisation,
    request_to_join,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    client.force_login(moderator)
    changelist = client.get(CHANGELIST_URL)
    assert changelist.status_code == 200
    assert "officer@example.org" in changelist.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, "approve", request_to_join)

    assert response.status_code == 302
    request_to_join.refresh_from_db()
    assert request_to_join.state == Membership.State.APPROVED
    assert request_to_join.decided_by == moderator
    assert request_to_join.decided_at is not None
    [email] = mailoutbox
    assert email.to == ["officer@example.org"]
    assert email.subject == "You can now submit for Ambition Lawrence Weston"
    assert "approved your request" in email.body
    assert MEMBERSHIPS_URL in email.body
    assert permissions.can_submit_for(officer, organisation)


def test_a_moderator_declines_a_request_and_the_person_is_emailed(
    client,
    moderator,
    officer,
    organisation,
    request_to_join,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    client.force_login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client, "decline", request_to_join)

    assert response.status_code == 302
    request_to_join.refresh_from_db()
    assert request_to_join.state == Membership.State.DECLINED
    assert request_to_join.decided_by == moderator
    [email] = mailoutbox
    assert email.to == ["officer@example.org"]
    assert email.subject == "Your request to join Ambition Lawrence Weston"
    assert "your request was declined" in email.body
    assert not permissions.can_submit_for(officer, organisation)


def test_a_decision_already_made_is_not_made_again(
    client, moderator, request_to_join, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, "decline", request_to_join)

    with django_capture_on_commit_callbacks(execute=True):
        run_action(client, "approve", request_to_join)

    request_to_join.refresh_from_db()
    assert request_to_join.state == Membership.State.DECLINED
    assert len(mailoutbox) == 1


def test_a_resident_cannot_reach_the_membership_admin(client, resident, request_to_join):
    client.force_login(resident)

    assert client.get(CHANGELIST_URL).status_code == 302
    response = run_action(client, "approve", request_to_join)

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    request_to_join.refresh_from_db()
    assert request_to_join.state == Membership.State.REQUESTED


def test_a_person_waiting_for_approval_cannot_submit_for_the_organisation(
    officer, organisation, request_to_join
):
    assert not permissions.can_submit_for(officer, organisation)


# Submitting on an organisation's behalf --------------------------------------


def submit_as_choice(organisation) -> str:
    return f'name="on_behalf_of" value="{organisation.pk}"'


def test_an_approved_member_can_submit_as_the_organisation(
    client, officer, organisation, request_to_join, moderator, england, theme
):
    client.force_login(moderator)
    run_action(client, "approve", request_to_join)
    client.force_login(officer)

    form = client.get(SUBMIT_URL).content.decode()

    assert "Submit as" in form
    assert submit_as_choice(organisation) in form
    assert "Ambition Lawrence Weston" in form

    response = client.post(
        SUBMIT_URL,
        form_data(themes=[theme], place="England", on_behalf_of=str(organisation.pk)),
    )

    assert response.status_code == 302
    assert Initiative.objects.get().on_behalf_of == organisation


def test_a_declined_member_cannot_submit_as_the_organisation(
    client, officer, organisation, request_to_join, moderator, england, theme
):
    client.force_login(moderator)
    run_action(client, "decline", request_to_join)
    client.force_login(officer)

    form = client.get(SUBMIT_URL).content.decode()

    assert submit_as_choice(organisation) not in form
    response = client.post(
        SUBMIT_URL,
        form_data(themes=[theme], place="England", on_behalf_of=str(organisation.pk)),
    )
    assert response.status_code == 400
    assert not Initiative.objects.exists()
