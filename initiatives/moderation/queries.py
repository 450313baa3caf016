"""What a moderator reads beside an item: its history of changes, and the
submitter's other submissions."""

from initiatives.models import Initiative

HISTORY_LIMIT = 20
EARLIER_LIMIT = 10


def history(obj, limit: int = HISTORY_LIMIT) -> list[dict]:
    """Who changed what, newest first: each change against the one before."""
    records = list(
        obj.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    changes = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(changes) == limit:
            break
        fields = [change.field for change in newer.diff_against(older).changes] if older else []
        changes.append({"record": newer, "fields": fields})
    return changes


def earlier_submissions(initiative: Initiative):
    """The submitter's other submissions, newest first."""
    if not initiative.submitted_by_id:
        return []
    return (
        Initiative.objects.filter(submitted_by=initiative.submitted_by)
        .exclude(pk=initiative.pk)
        .order_by("-created_at")[:EARLIER_LIMIT]
    )
