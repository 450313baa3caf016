from django.tasks import task
from django.urls import reverse

from accounts.emails import send_templated
from communities.models import Membership


@task
def send_membership_decided(membership_id: int) -> None:
    membership = (
        Membership.objects.select_related("user", "organisation").filter(pk=membership_id).first()
    )
    if membership is None:
        return
    send_templated(
        "membership_decided",
        [membership.user.email],
        {"membership": membership, "memberships_path": reverse("communities:memberships")},
    )
