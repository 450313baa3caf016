"""Moderators hear of resubmissions and of membership requests; each person
turns each kind of email off on /account/notifications/; an address the mail
server refused for good gets no more mail and its owner is told on sign-in."""

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts import notifications
from accounts.models import OutgoingEmail, UndeliverableAddress
from accounts.services import is_undeliverable, mark_undeliverable
from communities.services import membership_request
from communities.tasks import send_membership_requested
from initiatives.models import Initiative
from initiatives.submissions.tasks import send_new_item_notice, send_submission_received
from tests.factories import make_initiative, make_organisation
from tests.submission_forms import form_data, verified_user

pytestmark = pytest.mark.django_db


def a_moderator(email, **choices):
    user = verified_user(email)
    user.groups.add(Group.objects.get(name="Moderators"))
    for field, value in choices.items():
        setattr(user, field, value)
    user.save()
    return user


def sent_to(address):
    return [e for e in OutgoingEmail.objects.order_by("pk") if address in e.to]


def test_moderators_hear_that_a_submission_came_back_after_changes(england, theme):
    keen = a_moderator("keen@example.org")
    quiet = a_moderator("quiet@example.org", notify_resubmissions=False)
    initiative = make_initiative(
        "Tool library", places=[england], themes=[theme], state=Initiative.State.PENDING
    )
    send_new_item_notice.call("resubmission", initiative.pk)
    [email] = sent_to(keen.email)
    assert "again" in email.subject and "Tool library" in email.subject
    assert "changes a moderator asked for" in email.body
    path = reverse("initiatives:moderation-initiative", args=[initiative.pk])
    assert f"{settings.SITE_URL}{path}" in email.body
    assert sent_to(quiet.email) == []


def test_a_moderator_who_wants_no_new_items_may_still_want_resubmissions(england, theme):
    moderator = a_moderator("m@example.org", notify_new_items=False)
    initiative = make_initiative("Repair cafe", places=[england], themes=[theme])
    send_new_item_notice.call("submission", initiative.pk)
    assert sent_to(moderator.email) == []
    send_new_item_notice.call("resubmission", initiative.pk)
    assert len(sent_to(moderator.email)) == 1


def test_a_submitter_who_makes_the_changes_asked_for_sends_moderators_the_notice(
    client, places, theme, django_capture_on_commit_callbacks
):
    moderator = a_moderator("m@example.org")
    submitter = verified_user("sam@example.org")
    client.force_login(submitter)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/initiatives/submit/", form_data(themes=[theme], place="Lawrence Weston")
        )
        draft = Initiative.objects.get(submitted_by=submitter)
        client.post(f"/initiatives/submit/{draft.pk}/review/", {"submit": "1"})
    assert response.status_code == 302
    assert [e.subject for e in sent_to(moderator.email)] == [f"To moderate: {draft.title}"]
    Initiative.objects.filter(pk=draft.pk).update(
        moderation_state=Initiative.State.CHANGES_REQUESTED
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/account/submissions/{draft.pk}/edit/",
            form_data(themes=[theme], place="Lawrence Weston", summary="With opening hours."),
        )
    assert response.status_code == 302
    assert sent_to(moderator.email)[-1].subject == f"To moderate again: {draft.title}"
    # Editing it again while it waits is no resubmission.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/account/submissions/{draft.pk}/edit/",
            form_data(themes=[theme], place="Lawrence Weston", summary="Hours and prices."),
        )
    assert len(sent_to(moderator.email)) == 2


def test_a_membership_request_reaches_the_moderators_who_want_it(
    resident, django_capture_on_commit_callbacks
):
    keen = a_moderator("keen@example.org")
    quiet = a_moderator("quiet@example.org", notify_membership_requests=False)
    organisation = make_organisation("Sea Mills Growers")
    with django_capture_on_commit_callbacks(execute=True):
        membership = membership_request(
            user=resident, organisation=organisation, job_title="Secretary"
        )
    [email] = sent_to(keen.email)
    assert "Sea Mills Growers" in email.subject
    assert resident.email in email.body and "Secretary" in email.body
    assert f"/communities/membership/{membership.pk}/change/" in email.body
    assert sent_to(quiet.email) == []
    assert sent_to(resident.email) == []  # the person hears only of the outcome


def test_a_decided_membership_is_not_announced_late(resident):
    a_moderator("keen@example.org")
    membership = membership_request(user=resident, organisation=make_organisation("Allotments"))
    membership.state = membership.State.APPROVED
    membership.save()
    send_membership_requested.call(membership.pk)
    assert OutgoingEmail.objects.count() == 0


def test_the_account_page_offers_moderators_their_kinds_and_residents_theirs(client, resident):
    client.force_login(resident)
    page = client.get("/account/notifications/").content.decode()
    assert "What happens to what I submit" in page
    assert "Resubmissions" not in page and "New items to moderate" not in page
    moderator = a_moderator("m@example.org")
    client.force_login(moderator)
    page = client.get("/account/notifications/").content.decode()
    for label in ("Resubmissions", "New items to moderate", "Requests to act for an organisation"):
        assert label in page


def test_a_person_turns_a_kind_off_and_on_again(client, resident):
    client.force_login(resident)
    response = client.post("/account/notifications/", {"membership_updates": "on"})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.notify_submission_updates is False
    assert resident.notify_membership_updates is True
    assert notifications.wants(resident, notifications.SUBMISSION_UPDATES) is False
    # A moderator's kinds are not the resident's to set.
    assert resident.notify_resubmissions is True
    client.post("/account/notifications/", {"submission_updates": "on"})
    resident.refresh_from_db()
    assert resident.notify_submission_updates is True


def test_a_submitter_who_turned_updates_off_gets_no_receipt(england, theme, resident):
    resident.notify_submission_updates = False
    resident.save()
    initiative = make_initiative(
        "Food bank", places=[england], themes=[theme], submitted_by=resident
    )
    send_submission_received.call(initiative.pk)
    assert sent_to(resident.email) == []


def test_a_hard_bounce_stops_mail_and_the_person_is_told_at_sign_in(client):
    user = verified_user("gone@example.org")
    mark_undeliverable("Gone@Example.org")
    assert is_undeliverable("gone@example.org")
    assert notifications.wants(user, notifications.SUBMISSION_UPDATES) is False
    response = client.post(
        "/account/login/",
        {"login": "gone@example.org", "password": "a-long-password-1"},
        follow=True,
    )
    page = response.content.decode()
    assert "cannot be delivered" in page
    assert 'href="/account/email/"' in page
    assert "cannot be delivered" in client.get("/account/notifications/").content.decode()


def test_confirming_the_address_again_lets_mail_go_to_it():
    user = verified_user("back@example.org")
    mark_undeliverable("back@example.org")
    address = EmailAddress.objects.get(user=user)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    assert not is_undeliverable("back@example.org")
    assert notifications.wants(user, notifications.SUBMISSION_UPDATES) is True


def test_marking_an_address_twice_keeps_the_first_date():
    mark_undeliverable("twice@example.org")
    first = UndeliverableAddress.objects.get().marked_at
    mark_undeliverable("twice@example.org")
    assert UndeliverableAddress.objects.get().marked_at == first
