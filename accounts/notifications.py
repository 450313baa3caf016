"""The kinds of email a person may turn off, and the one question every
sender asks before sending one: `wants(user, kind)`.

Emails a person cannot do without (confirming an address, resetting a
password) have no kind here. Alert digests are chosen alert by alert, and a
report's outcome goes only to whoever left an address for it."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import UndeliverableAddress
from accounts.roles import is_moderator

SUBMISSION_UPDATES = "submission_updates"
MEMBERSHIP_UPDATES = "membership_updates"
NEW_ITEMS = "new_items"
RESUBMISSIONS = "resubmissions"
MEMBERSHIP_REQUESTS = "membership_requests"


@dataclass(frozen=True)
class Kind:
    name: str
    field: str  # the User field holding the person's choice
    label: str
    help_text: str
    for_moderators: bool = False  # offered to moderators only


KINDS = {
    kind.name: kind
    for kind in (
        Kind(
            SUBMISSION_UPDATES,
            "notify_submission_updates",
            _("What happens to what I submit"),
            _("A receipt when you send an initiative or an edit, and the moderators' decision."),
        ),
        Kind(
            MEMBERSHIP_UPDATES,
            "notify_membership_updates",
            _("My requests to act for an organisation"),
            _("Whether your request was approved or declined."),
        ),
        Kind(
            NEW_ITEMS,
            "notify_new_items",
            _("New items to moderate"),
            _("A new submission, a proposed edit or a report waits in the queue."),
            for_moderators=True,
        ),
        Kind(
            RESUBMISSIONS,
            "notify_resubmissions",
            _("Resubmissions"),
            _("A submission or an edit comes back after you asked for changes."),
            for_moderators=True,
        ),
        Kind(
            MEMBERSHIP_REQUESTS,
            "notify_membership_requests",
            _("Requests to act for an organisation"),
            _("Someone asks to be recognised as a member of an organisation."),
            for_moderators=True,
        ),
    )
}


def offered_to(user) -> list[Kind]:
    """The kinds `user` may choose about: everyone's, and their role's."""
    moderator = is_moderator(user)
    return [k for k in KINDS.values() if moderator or not k.for_moderators]


def wants(user, kind: str) -> bool:
    """Whether to send `user` an email of `kind`: they have not turned that
    kind off, their account is active and their address takes mail."""
    if user is None or not user.is_active or not user.email:
        return False
    if not getattr(user, KINDS[kind].field):
        return False
    return not UndeliverableAddress.objects.filter(email=user.email.lower()).exists()


def opted_in(users, kind: str):
    """`users` (a QuerySet) narrowed to those who have not turned `kind` off."""
    return users.filter(**{KINDS[kind].field: True})
