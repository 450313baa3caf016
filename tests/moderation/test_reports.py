"""Reporting a problem with a published initiative: anyone reports, a
moderator resolves, unpublishes or dismisses, and the reporter is told."""

import time

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from initiatives.abuse import form_started_token
from initiatives.models import Initiative, ModerationDecision, Report
from initiatives.moderation import decisions, queue, reports
from tests.factories import make_initiative
from tests.submission_forms import verified_user, with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_moderator(db):
    user = verified_user("other-moderator@example.org")
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Moderators"))
    return with_second_factor(user)


@pytest.fixture
def submitted(england, theme):
    """A published initiative with a submitter to email."""
    return make_initiative(
        "Hartcliffe tool library",
        places=[england],
        themes=[theme],
        submitted_by=verified_user("submitter@example.org"),
    )


def report_url(initiative):
    return reverse("initiatives:report", args=[initiative.slug])


def item_url(report):
    return reverse("initiatives:moderation-report", args=[report.pk])


def report_data(seconds_ago=10, **overrides):
    return {
        "reason": "ended",
        "details": "It closed last spring.",
        "email": "reporter@example.org",
        "form_started": form_started_token(time.time() - seconds_ago),
        "fax_number": "",
        **overrides,
    }


def make_report(initiative, **fields):
    return reports.report_create(
        initiative=initiative,
        **{
            "reason": "wrong",
            "details": "The opening hours are wrong.",
            "email": "reporter@example.org",
            **fields,
        },
    )


# Reporting


def test_the_detail_page_links_to_the_report_form(client, published):
    response = client.get(published.get_absolute_url())
    assert report_url(published).encode() in response.content


def test_anyone_sees_the_report_form(client, published):
    response = client.get(report_url(published))
    assert response.status_code == 200
    assert b"Report a problem" in response.content
    assert b'name="fax_number"' in response.content


def test_an_anonymous_person_reports_a_problem_and_is_told_what_happens_next(client, published):
    response = client.post(report_url(published), report_data())
    assert response.status_code == 302
    assert response.url == report_url(published) + "?sent=1"
    report = Report.objects.get()
    assert report.initiative == published
    assert report.state == Report.State.OPEN
    assert (report.reason, report.details, report.email) == (
        "ended",
        "It closed last spring.",
        "reporter@example.org",
    )
    done = client.get(response.url)
    assert done.status_code == 200
    assert b"What happens next" in done.content


def test_moderators_are_told_of_a_new_report_but_not_who_sent_it(
    client, published, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(report_url(published), report_data())
    report = Report.objects.get()
    assert [email.to for email in mailoutbox] == [["moderator@example.org"]]
    assert item_url(report) in mailoutbox[0].body
    assert "reporter@example.org" not in mailoutbox[0].body


def test_a_report_needs_no_email_address_or_details(client, published):
    response = client.post(report_url(published), report_data(email="", details=""))
    assert response.status_code == 302
    assert Report.objects.get().email == ""


@pytest.mark.parametrize("state", [s for s in Initiative.State.values if s != "published"])
def test_only_published_initiatives_can_be_reported(client, england, theme, state):
    initiative = make_initiative("Not public", places=[england], themes=[theme], state=state)
    assert client.get(report_url(initiative)).status_code == 404
    assert client.post(report_url(initiative), report_data()).status_code == 404
    assert not Report.objects.exists()


def test_reporting_an_initiative_that_does_not_exist_is_404(client, db):
    assert client.get("/initiatives/no-such-thing/report/").status_code == 404


@pytest.mark.parametrize(
    "overrides",
    [{"fax_number": "+44 117 000 0000"}, {"seconds_ago": 0}, {"form_started": "forged"}],
    ids=["honeypot", "too-fast", "forged-time"],
)
def test_a_bot_is_turned_away_politely_and_nothing_is_stored(client, published, overrides):
    response = client.post(report_url(published), report_data(**overrides))
    assert response.status_code == 400
    assert "it looked like an automated submission" in response.content.decode()
    assert not Report.objects.exists()


def test_a_missing_or_unknown_reason_is_explained(client, published):
    response = client.post(report_url(published), report_data(reason="because"))
    assert response.status_code == 400
    assert "Choose one of the problems listed." in response.content.decode()
    assert 'href="#id_reason_0"' in response.content.decode()
    response = client.post(report_url(published), report_data(reason=""))
    assert response.status_code == 400
    assert "Choose what the problem is." in response.content.decode()
    assert not Report.objects.exists()


def test_details_longer_than_5000_characters_are_refused(client, published):
    response = client.post(report_url(published), report_data(details="x" * 5001))
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_bad_email_address_is_explained(client, published):
    response = client.post(report_url(published), report_data(email="not-an-address"))
    assert response.status_code == 400
    assert "Enter an email address like" in response.content.decode()


def test_at_most_five_reports_an_hour_from_one_address(client, published):
    for _ in range(5):
        assert client.post(report_url(published), report_data()).status_code == 302
    response = client.post(report_url(published), report_data(details="The sixth."))
    assert response.status_code == 429
    content = response.content.decode()
    assert "at most 5 reports an hour" in content
    assert "The sixth." in content  # The entries are kept.
    assert Report.objects.count() == 5


def test_the_limit_is_per_address(client, published):
    for _ in range(5):
        client.post(report_url(published), report_data())
    response = client.post(report_url(published), report_data(), REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302
    assert Report.objects.count() == 6


def test_turned_away_posts_do_not_count_towards_the_limit(client, published):
    for _ in range(6):
        client.post(report_url(published), report_data(seconds_ago=0))
    assert client.post(report_url(published), report_data()).status_code == 302


def test_reports_never_appear_on_public_pages(client, published):
    make_report(published, details="Secret details of the report.")
    for url in (published.get_absolute_url(), reverse("initiatives:list"), report_url(published)):
        content = client.get(url).content.decode()
        assert "reporter@example.org" not in content
        assert "Secret details of the report." not in content


# Who may open the moderator's page


def test_anonymous_people_are_sent_to_sign_in(client, published):
    report = make_report(published)
    for response in (client.get(item_url(report)), client.post(item_url(report), {})):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    report.refresh_from_db()
    assert report.state == Report.State.OPEN


def test_residents_may_not_see_or_decide_reports(client, published, resident):
    report = make_report(published)
    client.force_login(resident)
    assert client.get(item_url(report)).status_code == 403
    response = client.post(
        item_url(report), {"action": "dismiss", "message": "", "seen_state": "open"}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == Report.State.OPEN


def test_a_moderator_sees_the_report_and_how_to_fix_the_initiative(client, published, moderator):
    report = make_report(published)
    client.force_login(moderator)
    response = client.get(item_url(report))
    assert response.status_code == 200
    content = response.content.decode()
    assert "The opening hours are wrong." in content
    assert published.get_absolute_url() in content
    assert reverse("admin:initiatives_initiative_change", args=[published.pk]) in content
    assert 'value="unpublish"' in content
    # Only what the reporter asked for: the outcome, not their address.
    assert "reporter@example.org" not in content


def test_a_missing_report_is_404(client, moderator):
    client.force_login(moderator)
    assert client.get("/moderation/reports/999/").status_code == 404


# Decisions


def test_resolving_emails_the_reporter_the_moderators_message(
    client, published, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    report = make_report(published)
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            item_url(report),
            {"action": "resolve", "message": "We corrected the hours.", "seen_state": "open"},
        )
    assert response.status_code == 302
    assert response.url == reverse("initiatives:moderation-queue")
    report.refresh_from_db()
    assert report.state == Report.State.RESOLVED
    assert report.outcome == "We corrected the hours."
    assert report.decided_by == moderator
    assert report.decided_at is not None
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["reporter@example.org"]
    assert "Community solar farm" in email.subject
    assert "We corrected the hours." in email.body
    assert "page has been corrected" in email.body
    assert "We corrected the hours." in email.alternatives[0].content
    assert published.get_absolute_url() in email.body
    published.refresh_from_db()
    assert published.is_public
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert "The report is resolved. The reporter will be emailed the outcome." in messages


def test_dismissing_without_an_email_address_sends_nothing(
    client, published, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    report = make_report(published, email="")
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            item_url(report), {"action": "dismiss", "message": "", "seen_state": "open"}
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == Report.State.DISMISSED
    assert mailoutbox == []


def test_dismissing_tells_the_reporter_the_page_stays(
    published, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    report = make_report(published)
    with django_capture_on_commit_callbacks(execute=True):
        reports.report_decide(report, moderator=moderator, action="dismiss", message="")
    assert len(mailoutbox) == 1
    assert "can stay as it is" in mailoutbox[0].body
    assert "The moderator's message" not in mailoutbox[0].body


def test_unpublishing_archives_the_initiative_and_emails_both_people(
    client, submitted, moderator, django_capture_on_commit_callbacks, mailoutbox
):
    report = make_report(submitted, reason="private")
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            item_url(report),
            {
                "action": "unpublish",
                "message": "It showed a private phone number.",
                "seen_state": "open",
            },
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.moderation_state == Initiative.State.ARCHIVED
    report.refresh_from_db()
    assert report.state == Report.State.RESOLVED
    decision = ModerationDecision.objects.get()
    assert (decision.initiative, decision.moderator) == (submitted, moderator)
    assert (decision.from_state, decision.to_state) == ("published", "archived")
    assert decision.message == "It showed a private phone number."
    assert f"report #{report.pk}" in decision.internal_note
    by_recipient = {email.to[0]: email for email in mailoutbox}
    assert set(by_recipient) == {"submitter@example.org", "reporter@example.org"}
    assert "It showed a private phone number." in by_recipient["submitter@example.org"].body
    to_reporter = by_recipient["reporter@example.org"]
    assert "taken it off the map" in to_reporter.body
    # What was written to the submitter is not passed on to the reporter.
    assert "private phone number" not in to_reporter.body
    assert submitted.get_absolute_url() not in to_reporter.body
    client.logout()
    assert client.get(submitted.get_absolute_url()).status_code == 404
    assert client.get(report_url(submitted)).status_code == 404


def test_unpublishing_needs_a_reason(client, submitted, moderator, mailoutbox):
    report = make_report(submitted)
    client.force_login(moderator)
    response = client.post(
        item_url(report), {"action": "unpublish", "message": "  ", "seen_state": "open"}
    )
    assert response.status_code == 400
    assert "Give the reason for unpublishing it" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.is_public
    report.refresh_from_db()
    assert report.state == Report.State.OPEN
    assert not ModerationDecision.objects.exists()
    assert mailoutbox == []


def test_a_decision_must_be_chosen(client, published, moderator):
    report = make_report(published)
    client.force_login(moderator)
    response = client.post(item_url(report), {"message": "", "seen_state": "open"})
    assert response.status_code == 400
    assert "Choose a decision." in response.content.decode()
    report.refresh_from_db()
    assert report.state == Report.State.OPEN


def test_an_initiative_no_longer_published_cannot_be_unpublished(
    client, submitted, moderator, other_moderator
):
    report = make_report(submitted)
    decisions.decide(submitted, moderator=other_moderator, action="archive", message="Closed.")
    client.force_login(moderator)
    response = client.get(item_url(report))
    assert 'value="unpublish"' not in response.content.decode()
    assert 'value="resolve"' in response.content.decode()
    response = client.post(
        item_url(report), {"action": "unpublish", "message": "Why.", "seen_state": "open"}
    )
    assert response.status_code == 400
    assert ModerationDecision.objects.count() == 1


def test_a_report_is_decided_once(
    client, published, moderator, other_moderator, django_capture_on_commit_callbacks, mailoutbox
):
    report = make_report(published)
    reports.report_decide(report, moderator=other_moderator, action="resolve", message="Fixed.")
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            item_url(report),
            {"action": "unpublish", "message": "Take it down.", "seen_state": "open"},
            follow=True,
        )
    content = response.content.decode()
    assert "This was already decided by other-moderator@example.org" in content
    # The decided report shows its outcome and no form.
    assert "Fixed." in content
    assert 'name="action"' not in content
    report.refresh_from_db()
    assert (report.state, report.decided_by, report.outcome) == (
        "resolved",
        other_moderator,
        "Fixed.",
    )
    published.refresh_from_db()
    assert published.is_public
    assert not ModerationDecision.objects.exists()
    assert mailoutbox == []


def test_the_service_refuses_a_report_that_is_no_longer_open(published, moderator, other_moderator):
    report = make_report(published)
    stale = Report.objects.get(pk=report.pk)
    reports.report_decide(report, moderator=other_moderator, action="dismiss", message="")
    with pytest.raises(decisions.AlreadyDecided):
        reports.report_decide(stale, moderator=moderator, action="unpublish", message="No.")
    stale.refresh_from_db()
    assert (stale.state, stale.decided_by) == ("dismissed", other_moderator)
    published.refresh_from_db()
    assert published.is_public


def test_the_service_refuses_unknown_actions(published, moderator):
    report = make_report(published)
    with pytest.raises(ValidationError, match="Choose a decision") as error:
        reports.report_decide(report, moderator=moderator, action="delete", message="")
    assert error.value.code == "unknown_action"


def test_only_published_initiatives_are_reported_through_the_service(england, theme):
    draft = make_initiative("Draft", places=[england], themes=[theme], state="draft")
    with pytest.raises(ValidationError, match="Only published initiatives") as error:
        make_report(draft)
    assert error.value.code == "not_public"


def test_open_reports_are_listed_oldest_first(published, moderator, django_assert_num_queries):
    first = make_report(published)
    decided = make_report(published)
    last = make_report(published, reason="other")
    reports.report_decide(decided, moderator=moderator, action="dismiss", message="")
    with django_assert_num_queries(1):
        listed = [(r.pk, r.initiative.title) for r in queue.open_reports()]
    assert listed == [(first.pk, published.title), (last.pk, published.title)]
