"""Emails about memberships, each task taking ids and enqueued on commit:
moderators hear of a request, the person of the decision."""

from django.tasks import task
from django.urls import reverse

from accounts import notifications
from accounts.emails import send_templated
from accounts.roles import moderators
from communities.models import Membership


@task
def send_membership_decided(membership_id: int) -> None:
    membership = (
        Membership.objects.select_related("user", "organisation").filter(pk=membership_id).first()
    )
    if membership is None or not notifications.wants(
        membership.user, notifications.MEMBERSHIP_UPDATES
    ):
        return
    send_templated(
        "membership_decided",
        [membership.user.email],
        {"membership": membership, "memberships_path": reverse("communities:memberships")},
    )


@task
def send_membership_requested(membership_id: int) -> None:
    """Tell moderators (who decide memberships) that someone asks to act for
    an organisation, unless it was decided already."""
    membership = (
        Membership.objects.select_related("user", "organisation")
        .filter(pk=membership_id, state=Membership.State.REQUESTED)
        .first()
    )
    if membership is None:
        return
    kind = notifications.MEMBERSHIP_REQUESTS
    for moderator in notifications.opted_in(moderators(), kind):
        if notifications.wants(moderator, kind):
            send_templated(
                "membership_requested",
                [moderator.email],
                {
                    "membership": membership,
                    "review_path": reverse(
                        "admin:communities_membership_change", args=[membership.pk]
                    ),
                    "settings_path": reverse("accounts:notifications"),
                },
            )
