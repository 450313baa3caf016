"""The staff dashboard at /moderation/dashboard/: what waits and for how long,
the pace of decisions, where the published initiatives are, and a link to
the background work page saying what has failed there."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, TruncWeek
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from communities.models import Place
from initiatives.browse.charts import bar_chart
from initiatives.models import Initiative, InitiativePlace, ModerationDecision, Theme
from initiatives.moderation import queue
from initiatives.ops import queries as background
from initiatives.permissions import moderator_required

WEEKS = 8


@moderator_required
@require_safe
def dashboard(request):
    published = Initiative.objects.published()
    by_state = dict(
        Initiative.objects.order_by().values_list("moderation_state").annotate(n=Count("pk"))
    )
    waiting = queue.ages()
    themes = Theme.objects.filter(parent=None).with_counts(published)
    return render(
        request,
        "moderation/dashboard.html",
        {
            "states": [
                (value, label, by_state.get(value, 0)) for value, label in Initiative.State.choices
            ],
            "total": sum(by_state.values()),
            "waiting": waiting,
            "oldest": min((w["oldest"] for w in waiting if w["oldest"]), default=None),
            "failed_work": background.failed_counts(),
            "decisions_chart": bar_chart(
                _decisions_per_week(),
                title=_("Moderation decisions per week, the last %(n)s weeks") % {"n": WEEKS},
                label_header=_("Week"),
                value_header=_("Decisions"),
                chart_id="chart-decisions",
            ),
            "themes_chart": bar_chart(
                _largest_first((t.name, t.n) for t in themes),
                title=_("Published initiatives by theme"),
                label_header=_("Theme (with its sub-themes)"),
                value_header=_("Published initiatives"),
                chart_id="chart-themes",
            ),
            "regions_chart": bar_chart(
                _largest_first((p.name, p.n) for p in _regions_with_counts(published)),
                title=_("Published initiatives by region"),
                label_header=_("Region"),
                value_header=_("Published initiatives"),
                chart_id="chart-regions",
            ),
        },
    )


def _largest_first(rows):
    return sorted(rows, key=lambda row: (-row[1], str(row[0]).lower()))


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _decisions_per_week() -> list[tuple[str, int]]:
    """(week, decisions) for the last WEEKS weeks from Monday, oldest first,
    the weeks without a decision included, in one query."""
    this_week = _week_start(timezone.localdate())
    weeks = [this_week - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
    since = timezone.make_aware(datetime.combine(weeks[0], time.min))
    counts = {}
    for week, n in (
        ModerationDecision.objects.filter(created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .order_by()
        .values_list("week")
        .annotate(n=Count("pk"))
    ):
        day = timezone.localtime(week).date() if isinstance(week, datetime) else week
        counts[day] = counts.get(day, 0) + n
    return [
        (
            _("This week")
            if week == this_week
            else _("Week of %(date)s") % {"date": date_format(week, "j M")},
            counts.get(week, 0),
        )
        for week in weeks
    ]


def _regions_with_counts(initiatives):
    """Regions, each annotated with `n`: how many of `initiatives` serve it or
    a place within it (each once), in one query whatever the depth of the
    region in the hierarchy."""
    within = (
        InitiativePlace.objects.filter(
            initiative__in=initiatives.values("pk"), place__path__startswith=OuterRef("path")
        )
        .order_by()
        .annotate(grouped=Value(1))
        .values("grouped")
        .annotate(n=Count("initiative_id", distinct=True))
        .values("n")
    )
    return (
        Place.objects.filter(kind=Place.Kind.REGION)
        .annotate(n=Coalesce(Subquery(within), 0))
        .only("name", "path")
    )
