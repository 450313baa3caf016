"""Work done after a request: emails. Each task takes ids and is enqueued
once the transaction has committed (Django's Tasks; the immediate backend
runs them at once unless TASKS names another)."""

from django.tasks import task
from django.urls import reverse

from accounts.emails import send_templated

from .models import Initiative


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


@task
def send_decision(decision_id: int) -> None:
    """Tell the submitter what a moderator decided, with their message."""
    from .models import ModerationDecision

    decision = (
        ModerationDecision.objects.select_related("initiative__submitted_by", "revision")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None or decision.initiative.submitted_by is None:
        return
    send_templated(
        "decision",
        [decision.initiative.submitted_by.email],
        {
            "decision": decision,
            "initiative": decision.initiative,
            "is_edit": decision.revision_id is not None,
            "submissions_path": reverse("initiatives:my-submissions"),
        },
    )
