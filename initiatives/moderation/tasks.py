"""Work done after a moderator's decision: the email to the submitter. The
task takes ids and is enqueued once the transaction has committed (Django's
Tasks; the immediate backend runs them at once unless TASKS names another)."""

from django.tasks import task
from django.urls import reverse

from accounts import notifications
from accounts.emails import send_templated
from initiatives.models import ModerationDecision


@task
def send_decision(decision_id: int) -> None:
    """Tell the submitter what a moderator decided, with their message."""
    decision = (
        ModerationDecision.objects.select_related("initiative__submitted_by", "revision")
        .filter(pk=decision_id)
        .first()
    )
    # Decisions on items of no initiative have no submitter to tell here.
    if decision is None or decision.initiative is None:
        return
    if not notifications.wants(decision.initiative.submitted_by, notifications.SUBMISSION_UPDATES):
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
