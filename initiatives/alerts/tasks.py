"""The alerts' scheduled work: the weekly digests."""

from django.tasks import task

from initiatives.alerts.services import send_digests
from initiatives.ops.schedule import MO, scheduled, weekly


@scheduled("alert-digests", weekly(weekday=MO, hour=7))
@task
def send_alert_digests() -> dict[str, int]:
    """Email each confirmed alert what was newly published for it."""
    run = send_digests()
    if run.failed:
        # Those alerts are tried again next week; the page of background
        # work shows this run as failed.
        raise RuntimeError(f"{run.failed} digest email(s) could not be queued.")
    return {"sent": run.sent, "expired": run.expired}
