"""Moderators see at /moderation/dashboard/ what waits, the pace of decisions
and where published initiatives are; the charts are SVG drawn on the server."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from initiatives.browse.charts import bar_chart
from initiatives.models import (
    Initiative,
    InitiativeRevision,
    ModerationDecision,
    Report,
)
from initiatives.submissions.entries import live_entry_data
from tests.factories import make_initiative, make_place, make_theme

State = Initiative.State
URL = "/moderation/dashboard/"
pytestmark = pytest.mark.django_db


def days_ago(queryset, days):
    queryset.update(created_at=timezone.now() - timedelta(days=days))


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/account/login/" in response.url


def test_residents_and_curators_cannot_see_the_dashboard(client, resident, curator):
    for user in (resident, curator):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_it_counts_initiatives_in_each_moderation_state(client, moderator, england, theme):
    for title, state in [
        ("Published one", State.PUBLISHED),
        ("Published two", State.PUBLISHED),
        ("Waiting", State.PENDING),
        ("Draft", State.DRAFT),
        ("Rejected", State.REJECTED),
        ("Archived", State.ARCHIVED),
    ]:
        make_initiative(title, places=[england], themes=[theme], state=state)
    client.force_login(moderator)
    response = client.get(URL)
    assert response.status_code == 200
    counts = {value: n for value, _label, n in response.context["states"]}
    assert counts == {
        "draft": 1,
        "pending": 1,
        "changes_requested": 0,
        "published": 2,
        "rejected": 1,
        "archived": 1,
    }
    assert response.context["total"] == 6
    page = response.text
    assert '<span class="state state--published">Published</span></th><td>2</td>' in page
    assert '<span class="state state--changes_requested">' in page


def test_it_shows_how_long_the_oldest_item_has_waited(client, moderator, england, theme):
    pending = make_initiative("Waiting", places=[england], themes=[theme], state=State.PENDING)
    days_ago(Initiative.objects.filter(pk=pending.pk), 3)
    published = make_initiative("Live", places=[england], themes=[theme])
    revision = InitiativeRevision.objects.create(
        initiative=published, data=live_entry_data(published)
    )
    days_ago(InitiativeRevision.objects.filter(pk=revision.pk), 5)
    report = Report.objects.create(initiative=published, reason=Report.Reason.WRONG)
    days_ago(Report.objects.filter(pk=report.pk), 10)
    # Decided items no longer wait, however old.
    old = Report.objects.create(initiative=published, reason=Report.Reason.ENDED, state="resolved")
    days_ago(Report.objects.filter(pk=old.pk), 40)
    client.force_login(moderator)
    response = client.get(URL)
    waiting = {item["kind"]: item["n"] for item in response.context["waiting"]}
    assert waiting == {"new": 1, "edit": 1, "report": 1}
    assert "The oldest item has waited <strong>1\xa0week, 3\xa0days</strong>" in response.text
    assert "5\xa0days" in response.text and "3\xa0days" in response.text


def test_when_nothing_waits_it_says_so(client, moderator):
    client.force_login(moderator)
    response = client.get(URL)
    assert response.context["oldest"] is None
    assert "Nothing is waiting." in response.text


def test_it_charts_decisions_per_week_for_eight_weeks(client, moderator, england, theme):
    initiative = make_initiative("Decided", places=[england], themes=[theme])

    def decide(days):
        decision = ModerationDecision.objects.create(
            initiative=initiative, moderator=moderator, from_state="pending", to_state="published"
        )
        days_ago(ModerationDecision.objects.filter(pk=decision.pk), days)

    decide(0)
    decide(0)
    decide(21)
    decide(70)  # Ten weeks ago: too old to show.
    client.force_login(moderator)
    page = client.get(URL).text
    chart = page[page.index('id="chart-decisions"') :]
    chart = chart[: chart.index("</table>")]
    assert chart.count('<tr><th scope="row">') == 8
    assert '<tr><th scope="row">This week</th><td>2</td></tr>' in chart
    today = timezone.localdate()
    three_weeks_ago = today - timedelta(days=today.weekday(), weeks=3)
    label = f"Week of {date_format(three_weeks_ago, 'j M')}"
    assert f'<tr><th scope="row">{label}</th><td>1</td></tr>' in chart
    assert chart.count("<td>0</td>") == 6


def test_the_theme_chart_counts_published_initiatives_with_sub_themes(client, moderator, england):
    environment = make_theme("Environment")
    energy = make_theme("Community energy", parent=environment)
    food = make_theme("Food")
    make_initiative("Solar", places=[england], themes=[energy])
    make_initiative("Trees", places=[england], themes=[environment, energy])
    make_initiative("Waiting", places=[england], themes=[food], state=State.PENDING)
    client.force_login(moderator)
    page = client.get(URL).text
    chart = page[page.index('id="chart-themes"') :]
    chart = chart[: chart.index("</table>")]
    assert '<svg role="img" aria-labelledby="chart-themes-title"' in chart
    assert '<title id="chart-themes-title">Published initiatives by theme</title>' in chart
    assert '<tr><th scope="row">Environment</th><td>2</td></tr>' in chart
    assert '<tr><th scope="row">Food</th><td>0</td></tr>' in chart
    assert "Community energy" not in chart  # Sub-themes count in their theme.
    assert chart.index("Environment") < chart.index("Food")  # Largest first.


def test_theme_names_are_escaped_in_the_chart(client, moderator, england):
    make_initiative("Odd", places=[england], themes=[make_theme("<script>alert(1)</script>")])
    client.force_login(moderator)
    page = client.get(URL).text
    assert "<script>alert(1)</script>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2  # The bar and the table.


def test_the_region_chart_counts_each_initiative_once_in_its_region(
    client, moderator, places, theme
):
    make_initiative(
        "Citywide", places=[places["bristol"], places["lawrence-weston"]], themes=[theme]
    )
    make_initiative("Bath fridge", places=[places["bath"]], themes=[theme])
    make_initiative("Birmingham", places=[places["west-midlands"]], themes=[theme])
    make_initiative("Nationwide", places=[places["england"]], themes=[theme])
    make_initiative("Waiting", places=[places["bath"]], themes=[theme], state=State.PENDING)
    client.force_login(moderator)
    page = client.get(URL).text
    chart = page[page.index('id="chart-regions"') :]
    chart = chart[: chart.index("</table>")]
    assert '<tr><th scope="row">South West</th><td>2</td></tr>' in chart
    assert '<tr><th scope="row">West Midlands</th><td>1</td></tr>' in chart
    assert "England" not in chart and "Bristol" not in chart


def test_the_dashboard_takes_the_same_queries_however_much_there_is(
    client, moderator, places, theme, django_assert_max_num_queries
):
    client.force_login(moderator)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(6):
        region = make_place(f"Region {n}", kind="region", parent=places["england"])
        sub_theme = make_theme(f"Sub-theme {n}", parent=make_theme(f"Theme {n}"))
        initiative = make_initiative(f"Initiative {n}", places=[region], themes=[sub_theme])
        make_initiative(f"Pending {n}", places=[region], themes=[theme], state=State.PENDING)
        ModerationDecision.objects.create(
            initiative=initiative, moderator=moderator, from_state="pending", to_state="published"
        )
        Report.objects.create(initiative=initiative, reason=Report.Reason.WRONG)
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)
    assert response.status_code == 200
    assert len(few) <= 12


def test_a_bar_chart_is_an_image_with_a_title_and_a_table_of_its_numbers():
    chart = bar_chart(
        [("Bristol & Bath", 1200), ('"Quoted" <b>', 0)],
        title="Places <by> count",
        label_header="Place",
        value_header="Initiatives",
    )
    assert chart.startswith('<div class="chart" id="chart-places-by-count">')
    assert '<svg role="img" aria-labelledby="chart-places-by-count-title"' in chart
    assert '<title id="chart-places-by-count-title">Places &lt;by&gt; count</title>' in chart
    assert "Bristol &amp; Bath" in chart and "&quot;Quoted&quot; &lt;b&gt;" in chart
    assert "<b>" not in chart
    assert '<th scope="col">Place</th><th scope="col">Initiatives</th>' in chart
    assert '<tr><th scope="row">Bristol &amp; Bath</th><td>1,200</td></tr>' in chart
    assert chart.count("<rect ") == 2
    assert 'width="576.0"' in chart and 'width="0.0"' in chart  # Zero draws no bar.


def test_a_bar_chart_of_nothing_says_so():
    assert bar_chart([], title="Regions") == (
        '<p class="chart chart--empty" id="chart-regions">Regions: nothing to show yet.</p>'
    )
    assert 'width="0.0"' in bar_chart([("None yet", 0)], title="Zero")
