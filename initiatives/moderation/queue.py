"""What waits for a moderator: the one definition that the queue page and the
dashboard both ask."""

from django.db.models import Count, Min, QuerySet, Value
from django.utils.translation import gettext_lazy as _

from communities.models import Place
from initiatives.models import (
    Initiative,
    InitiativeRevision,
    ProposalState,
    ProposedOrganisation,
    ProposedPlace,
    Report,
    RevisionState,
    Theme,
)
from initiatives.moderation.states import State

QUEUE_LIMIT = 100

# Each kind of waiting item, as the queue's filter names it.
KINDS = {
    "new": _("New submissions"),
    "edit": _("Proposed edits"),
    "report": _("Reports"),
    "proposal": _("Proposed places and organisations"),
}


def open_reports() -> QuerySet[Report]:
    """The reports waiting for a moderator, oldest first (report_queue_idx)."""
    return (
        Report.objects.filter(state=Report.State.OPEN)
        .select_related("initiative")
        .order_by("created_at", "pk")
    )


def waiting(*, theme: Theme | None = None, place: Place | None = None) -> dict[str, list[QuerySet]]:
    """Each kind's waiting items (a list of querysets: proposals come in two
    models), narrowed to those about an initiative with `theme` or serving
    `place` when given."""
    submissions = Initiative.objects.filter(moderation_state=State.PENDING)
    about = Initiative.objects.all()
    if theme:
        submissions, about = submissions.with_theme(theme), about.with_theme(theme)
    if place:
        submissions, about = submissions.in_place(place), about.in_place(place)
    others = {
        "edit": [InitiativeRevision.objects.filter(state=RevisionState.PENDING)],
        "report": [open_reports()],
        "proposal": [
            ProposedPlace.objects.filter(state=ProposalState.PENDING),
            ProposedOrganisation.objects.filter(state=ProposalState.PENDING),
        ],
    }
    if theme or place:
        about_ids = about.values("pk")
        others = {
            kind: [qs.filter(initiative__in=about_ids) for qs in querysets]
            for kind, querysets in others.items()
        }
    return {"new": [submissions], **others}


def counts(items: dict[str, list[QuerySet]]) -> dict[str, int]:
    """How many of each kind wait (one count query per queryset)."""
    return {kind: sum(qs.count() for qs in querysets) for kind, querysets in items.items()}


def ages() -> list[dict]:
    """For the dashboard: how many submissions, edits and reports wait, and
    since when (the oldest), in one query (a count for each kind, joined by
    UNION ALL)."""
    items = waiting()
    kinds = ("new", "edit", "report")
    counts = [
        items[kind][0]
        .order_by()
        .annotate(waiting_kind=Value(kind))
        .values_list("waiting_kind")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        for kind in kinds
    ]
    found = {
        kind: {"n": n, "oldest": oldest}
        for kind, n, oldest in counts[0].union(*counts[1:], all=True).order_by()
    }
    return [{"label": KINDS[kind], "kind": kind, **found[kind]} for kind in kinds]


def _rows(kind: str, key: str, queryset: QuerySet, *, by: str | None) -> list[dict]:
    """Queue rows: the item under `key`, its initiative, when and by whom it came."""
    return [
        {
            "kind": kind,
            key: item,
            "initiative": item.initiative,
            "at": item.created_at,
            "by": getattr(item, by) if by else None,
        }
        for item in queryset.order_by("created_at", "pk")[:QUEUE_LIMIT]
    ]


def queue_items(items: dict[str, list[QuerySet]], kind: str = "") -> list[dict]:
    """The waiting items of `kind` (or of every kind), oldest first, at most QUEUE_LIMIT."""
    rows = []
    if kind in ("", "new"):
        submissions = items["new"][0].with_primary_place().select_related("submitted_by")
        rows += [
            {"kind": "new", "initiative": i, "at": i.created_at, "by": i.submitted_by}
            for i in submissions.order_by("created_at")[:QUEUE_LIMIT]
        ]
    if kind in ("", "edit"):
        edits = items["edit"][0].select_related("initiative", "proposed_by")
        rows += _rows("edit", "revision", edits, by="proposed_by")
    if kind in ("", "report"):
        rows += _rows("report", "report", items["report"][0], by=None)
    if kind in ("", "proposal"):
        for proposals in items["proposal"]:
            rows += _rows(
                "proposal",
                "proposal",
                proposals.select_related("initiative", "proposed_by"),
                by="proposed_by",
            )
    rows.sort(key=lambda row: row["at"])
    return rows[:QUEUE_LIMIT]
