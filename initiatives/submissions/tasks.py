"""Work done after a submission or a proposed edit (and a report: every new
item in the moderation queue): emails, each task taking ids, enqueued once the
transaction has committed.

The notice to moderators lives here rather than in moderation/ so that
submitting depends on nothing of moderation but its state machine."""

from django.tasks import task
from django.urls import reverse

from accounts import notifications
from accounts.emails import send_templated
from accounts.roles import moderators
from initiatives.catalogue.photos import remove_kept
from initiatives.models import Initiative, InitiativeRevision, Report
from initiatives.ops.schedule import daily, scheduled


@task
def send_submission_received(initiative_id: int) -> None:
    initiative = Initiative.objects.select_related("submitted_by").filter(pk=initiative_id).first()
    if initiative is None or not notifications.wants(
        initiative.submitted_by, notifications.SUBMISSION_UPDATES
    ):
        return
    send_templated(
        "submission_received",
        [initiative.submitted_by.email],
        {
            "initiative": initiative,
            "submissions_path": reverse("initiatives:my-submissions"),
        },
    )


# What comes back to the queue after a moderator asked for changes: its own
# kind of email, which moderators may want when they want no other.
RESUBMITTED = {"resubmission": "submission", "resubmitted_edit": "edit"}


def moderators_to_notify(kind: str = "submission"):
    """Moderators who asked to hear of this kind of item (the default)."""
    wanted = notifications.RESUBMISSIONS if kind in RESUBMITTED else notifications.NEW_ITEMS
    return [
        m for m in notifications.opted_in(moderators(), wanted) if notifications.wants(m, wanted)
    ]


@task
def send_new_item_notice(kind: str, item_id: int) -> None:
    """Tell moderators that something new (or resubmitted after changes)
    waits in the queue."""
    item_kind = RESUBMITTED.get(kind, kind)
    if item_kind == "submission":
        item = Initiative.objects.filter(pk=item_id).first()
        initiative, path = (
            item,
            item and reverse("initiatives:moderation-initiative", args=[item_id]),
        )
    elif item_kind == "edit":
        item = InitiativeRevision.objects.select_related("initiative").filter(pk=item_id).first()
        initiative = item and item.initiative
        path = item and reverse("initiatives:moderation-revision", args=[item_id])
    else:
        item = Report.objects.select_related("initiative").filter(pk=item_id).first()
        initiative = item and item.initiative
        path = item and reverse("initiatives:moderation-report", args=[item_id])
    if item is None:
        return
    for moderator in moderators_to_notify(kind):
        send_templated(
            "new_item",
            [moderator.email],
            {
                "kind": kind,
                "initiative": initiative,
                "item_path": path,
                "settings_path": reverse("accounts:notifications"),
            },
        )


@scheduled("kept-photos", daily(hour=3, minute=30))
@task
def clear_kept_photos() -> int:
    """Remove the photos kept for forms never sent again (a day old)."""
    return remove_kept()
