"""Reports of problems with published initiatives: anyone sends one, a
moderator resolves it, unpublishes the initiative or dismisses it, and the
reporter (if they left an address) is told the outcome."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.emails import send_templated
from initiatives.models import Initiative, Report
from initiatives.moderation import decisions
from initiatives.submissions.tasks import send_new_item_notice

# What a moderator may decide on a report, and the state it leaves the report in.
ACTIONS: dict[str, str] = {
    "resolve": Report.State.RESOLVED,
    "unpublish": Report.State.RESOLVED,
    "dismiss": Report.State.DISMISSED,
}


def decision_actions(report: Report) -> list[str]:
    """What may be decided on `report` now: only a published initiative can be unpublished."""
    if report.state != Report.State.OPEN:
        return []
    return [a for a in ACTIONS if a != "unpublish" or report.initiative.is_public]


def report_create(*, initiative: Initiative, reason: str, details: str, email: str) -> Report:
    if not initiative.is_public:
        raise ValidationError(_("Only published initiatives can be reported."), code="not_public")
    report = Report(
        initiative=initiative,
        reason=reason,
        details=details.strip(),
        email=email.strip(),
    )
    report.full_clean()
    with transaction.atomic():
        report.save()
        transaction.on_commit(lambda: send_new_item_notice.enqueue("report", report.pk))
    return report


def already_decided(report: Report) -> decisions.AlreadyDecided:
    return decisions.already_decided(report.decided_by)


def report_decide(
    report: Report,
    *,
    moderator,
    action: str,
    message: str = "",
    seen_state: str | None = None,
) -> Report:
    """Decide a report. For "unpublish", `message` is the reason the
    submitter is sent with the archiving; otherwise it goes to the reporter.

    Raises AlreadyDecided when the report is no longer open (or no longer in
    `seen_state`): another moderator was quicker, and nothing is done twice.
    """
    if action not in ACTIONS:
        raise ValidationError(_("Choose a decision."), code="unknown_action")
    message = message.strip()
    if action == "unpublish" and not message:
        raise ValidationError(
            {"message": _("Give the reason for unpublishing it: it is sent to the submitter.")},
            code="message_required",
        )
    # Only an open report is decided, whatever state the moderator saw.
    if (seen_state or report.state) != Report.State.OPEN:
        raise already_decided(report)
    with decisions.deciding(Report, report.pk, Report.State.OPEN) as live:
        if action == "unpublish":
            _unpublish(live, moderator=moderator, message=message)
        live.state = ACTIONS[action]
        # The reporter is not sent what was written to the submitter.
        live.outcome = "" if action == "unpublish" else message
        live.decided_by = moderator
        live.decided_at = timezone.now()
        live.save(update_fields=["state", "outcome", "decided_by", "decided_at"])
        if live.email:
            transaction.on_commit(lambda: send_report_outcome.enqueue(live.pk, action))
    report.state = live.state
    report.outcome = live.outcome
    report.decided_by = live.decided_by
    report.decided_at = live.decided_at
    return live


def _unpublish(report: Report, *, moderator, message: str) -> None:
    """Archive the reported initiative through the one table of moves:
    recorded as a decision, and the submitter is emailed the reason."""
    if not report.initiative.is_public:
        raise ValidationError(
            _("This initiative is no longer published: resolve or dismiss the report."),
            code="not_public",
        )
    decisions.decide(
        report.initiative,
        moderator=moderator,
        action="archive",
        message=message,
        note=_("Unpublished after report #%(pk)s (%(reason)s).")
        % {"pk": report.pk, "reason": report.get_reason_display()},
        seen_state=Initiative.State.PUBLISHED,
    )


@task
def send_report_outcome(report_id: int, action: str) -> None:
    """Tell the reporter what a moderator decided about their report."""
    report = Report.objects.select_related("initiative").filter(pk=report_id).first()
    if report is None or not report.email or report.state == Report.State.OPEN:
        return
    initiative = report.initiative
    send_templated(
        "report_outcome",
        [report.email],
        {
            "report": report,
            "initiative": initiative,
            "action": action,
            # Linked only while it is public: the reporter sees no more than anyone.
            "initiative_path": initiative.get_absolute_url() if initiative.is_public else "",
        },
    )
