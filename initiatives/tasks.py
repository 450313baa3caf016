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
