"""Work done after a submission or a proposed edit (and a report: every new
item in the moderation queue): emails, each task taking ids, enqueued once the
transaction has committed.

The notice to moderators lives here rather than in moderation/ so that
submitting depends on nothing of moderation but its state machine."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.tasks import task
from django.urls import reverse

from accounts.emails import send_templated
from initiatives.catalogue.photos import remove_kept
from initiatives.models import Initiative, InitiativeRevision, Report
from initiatives.ops.schedule import daily, scheduled


@task
def send_submission_received(initiative_id: int) -> None:
    initiative = Initiative.objects.select_related("submitted_by").filter(pk=initiative_id).first()
    if initiative is None or initiative.submitted_by is None:
        return
    send_templated(
        "submission_received",
        [initiative.submitted_by.email],
        {
            "initiative": initiative,
            "submissions_path": reverse("initiatives:my-submissions"),
        },
    )


def moderators_to_notify():
    """Moderators who asked to hear of new items (the default)."""
    permission = Q(groups__permissions__codename="moderate_initiative") | Q(
        user_permissions__codename="moderate_initiative"
    )
    return (
        get_user_model()
        .objects.filter(permission, is_active=True, notify_new_items=True)
        .distinct()
        .order_by("pk")
    )


@task
def send_new_item_notice(kind: str, item_id: int) -> None:
    """Tell moderators that something new waits in the queue."""
    if kind == "submission":
        item = Initiative.objects.filter(pk=item_id).first()
        initiative, path = (
            item,
            item and reverse("initiatives:moderation-initiative", args=[item_id]),
        )
    elif kind == "edit":
        item = InitiativeRevision.objects.select_related("initiative").filter(pk=item_id).first()
        initiative = item and item.initiative
        path = item and reverse("initiatives:moderation-revision", args=[item_id])
    else:
        item = Report.objects.select_related("initiative").filter(pk=item_id).first()
        initiative = item and item.initiative
        path = item and reverse("initiatives:moderation-report", args=[item_id])
    if item is None:
        return
    for moderator in moderators_to_notify():
        send_templated(
            "new_item",
            [moderator.email],
            {
                "kind": kind,
                "initiative": initiative,
                "item_path": path,
                "settings_path": reverse("initiatives:moderation-notifications"),
            },
        )


@scheduled("kept-photos", daily(hour=3, minute=30))
@task
def clear_kept_photos() -> int:
    """Remove the photos kept for forms never sent again (a day old)."""
    return remove_kept()
