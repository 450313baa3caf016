"""Moderators see at /moderation/background/ what the queue, the outbox and
the scheduler are doing, and try a failed email again from there."""

import uuid
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.tasks import TaskResultStatus
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import OutgoingEmail
from initiatives.ops import queries, schedule
from initiatives.ops.models import ScheduledRun
from tests.submission_forms import verified_user

URL = "/moderation/background/"
pytestmark = pytest.mark.django_db

DATABASE_QUEUE = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
)
FOLLOWER = "follower@example.org"
REFUSED = f"Refused by the mail server: {{'{FOLLOWER}': (550, b'5.1.1 No such user')}}"


def retry_url(email):
    return f"/moderation/background/emails/{email.pk}/retry/"


def failed_email(subject="3 new initiatives in Bristol", to=(FOLLOWER,), **fields):
    return OutgoingEmail.objects.create(
        to=list(to),
        subject=subject,
        body="The new initiatives.",
        kind="alert_digest",
        attempts=12,
        last_error=REFUSED,
        failed_at=timezone.now(),
        **fields,
    )


def failed_task(n=0, **fields):
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=TaskResultStatus.FAILED,
        task_path="initiatives.alerts.tasks.send_alert_digests",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=now,
        finished_at=now - timedelta(minutes=n),
        exception_class_path="builtins.ValueError",
        traceback=(
            "Traceback (most recent call last):\n"
            '  File "initiatives/alerts/tasks.py", line 20, in send_alert_digests\n'
            f"ValueError: No place for the alert of {FOLLOWER} ({n})\n"
        ),
        **fields,
    )


# Who may open it -------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for response in (client.get(URL), client.post(retry_url(failed_email()))):
        assert response.status_code == 302 and "/account/login/" in response.url


def test_residents_and_curators_are_refused(client, resident, curator):
    email = failed_email()
    for user in (resident, curator):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(retry_url(email)).status_code == 403
    email.refresh_from_db()
    assert email.failed_at is not None


def test_moderators_and_superusers_open_it(client, moderator, staff):
    for user in (moderator, staff):
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 200
        assert "<h1>Background work</h1>" in response.text


def test_a_moderator_without_a_second_factor_is_sent_to_set_one_up(client):
    moderator = verified_user("new-moderator@example.org")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(moderator)
    response = client.get(URL)
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


def test_the_dashboard_links_to_it_and_says_what_failed(client, moderator):
    client.force_login(moderator)
    page = client.get("/moderation/dashboard/").text
    assert f'<a href="{URL}">Background work</a>: nothing has failed.' in page
    failed_email()
    failed_email()
    with DATABASE_QUEUE:
        failed_task()
        page = client.get("/moderation/dashboard/").text
    assert "<strong>2 failed emails, 1 failed task</strong>" in page


def test_the_staff_menu_offers_it(client, moderator):
    client.force_login(moderator)
    page = client.get(URL).text
    assert f'<a href="{URL}" aria-current="page">Background work</a>' in page


# The emails ------------------------------------------------------------------


def test_a_failed_email_shows_without_its_recipients_addresses(client, moderator):
    failed_email(to=[FOLLOWER, "second@example.org"])
    client.force_login(moderator)
    page = client.get(URL).text
    rows = page[page.index('id="failed-email-list"') :]
    rows = rows[: rows.index("</ol>")]
    assert "<strong>3 new initiatives in Bristol</strong>" in rows
    assert "2 recipients · 12 tries · failed" in rows
    assert "Last error: Refused by the mail server: {&#x27;[an address]&#x27;: (550" in rows
    assert "@example.org" not in rows
    assert FOLLOWER not in page


def test_trying_a_failed_email_again_sends_it_once(
    client, moderator, django_capture_on_commit_callbacks
):
    email = failed_email()
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url(email))
    assert response.status_code == 302
    assert response.url == URL
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [FOLLOWER]
    email.refresh_from_db()
    assert email.sent_at is not None and email.failed_at is None
    page = client.get(response.url).text
    assert "Trying again, for another day if need be: 3 new initiatives in Bristol" in page
    assert "No email has failed." in page


def test_trying_again_an_email_that_has_not_failed_says_so(
    client, moderator, django_capture_on_commit_callbacks
):
    sent = OutgoingEmail.objects.create(
        to=[FOLLOWER], subject="Sent already", body="-", sent_at=timezone.now()
    )
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(retry_url(sent), follow=True)
    assert response.status_code == 200
    assert "This email has not failed (it was sent, or is still being tried): Sent already" in (
        response.text
    )
    assert mail.outbox == []


def test_an_email_that_does_not_exist_is_not_found(client, moderator):
    client.force_login(moderator)
    assert client.post("/moderation/background/emails/999999/retry/").status_code == 404


def test_trying_again_is_a_post_with_its_csrf_token(moderator):
    email = failed_email()
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    assert client.get(retry_url(email)).status_code == 405
    assert client.post(retry_url(email)).status_code == 403
    page = client.get(URL).text
    assert f'action="{retry_url(email)}"' in page and "csrfmiddlewaretoken" in page
    email.refresh_from_db()
    assert email.failed_at is not None


def test_it_counts_the_emails_on_their_way_and_says_when_the_next_is_due(client, moderator):
    soon = timezone.now() + timedelta(minutes=30)
    OutgoingEmail.objects.create(to=[FOLLOWER], subject="Waiting", body="-", next_attempt_at=soon)
    OutgoingEmail.objects.create(
        to=[FOLLOWER], subject="Later", body="-", next_attempt_at=soon + timedelta(hours=1)
    )
    OutgoingEmail.objects.create(to=[FOLLOWER], subject="Gone", body="-", sent_at=timezone.now())
    client.force_login(moderator)
    response = client.get(URL)
    work = response.context["work"]
    assert work.emails_pending.n == 2 and work.emails_pending.at == soon
    assert work.emails_failed.n == 0
    assert "The next try is due in" in response.text


# The queue -------------------------------------------------------------------


def test_with_another_queue_it_says_the_queue_is_not_counted_here(client, moderator):
    # The suite runs tasks at once (ImmediateBackend); Redis Queue is the same.
    client.force_login(moderator)
    page = client.get(URL).text
    assert 'id="queue-elsewhere"' in page
    assert "<code>django.tasks.backends.immediate.ImmediateBackend</code>" in page
    assert 'id="queue-counts"' not in page


@DATABASE_QUEUE
def test_a_failed_task_shows_with_the_last_line_of_its_error(client, moderator):
    failed_task()
    DBTaskResult.objects.create(
        task_path="accounts.tasks.deliver_email",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now(),
    )
    client.force_login(moderator)
    response = client.get(URL)
    work = response.context["work"]
    assert (work.tasks_ready.n, work.tasks_running.n, work.tasks_failed.n) == (1, 0, 1)
    page = response.text
    rows = page[page.index('id="failed-tasks"') :]
    rows = rows[: rows.index("</ol>")]
    assert "<code>initiatives.alerts.tasks.send_alert_digests</code>" in rows
    assert "ValueError: No place for the alert of [an address] (0)" in rows
    assert "Traceback" not in rows and FOLLOWER not in page


@DATABASE_QUEUE
def test_a_task_queued_through_the_database_backend_is_counted(client, moderator):
    schedule.discover()
    job = next(job for job in schedule.jobs() if job.name == "email-sweeper")
    job.task.enqueue()
    client.force_login(moderator)
    assert client.get(URL).context["work"].tasks_ready.n == 1


# The schedule ----------------------------------------------------------------


def test_each_job_shows_its_schedule_in_words_and_its_next_slot(client, moderator):
    client.force_login(moderator)
    response = client.get(URL)
    jobs = {job.name: job for job in response.context["work"].jobs}
    assert jobs["email-sweeper"].schedule == "every 5 minutes"
    assert jobs["retention"].schedule == "daily at 02:15"
    assert jobs["alert-digests"].schedule == "weekly on Mondays at 07:00"
    assert all(job.next_slot > timezone.now() for job in jobs.values())
    assert "every 5 minutes" in response.text


@DATABASE_QUEUE
def test_a_jobs_latest_run_shows_with_its_tasks_status(client, moderator):
    now = timezone.now()
    result = DBTaskResult.objects.create(
        status=TaskResultStatus.SUCCESSFUL,
        task_path="accounts.tasks.retry_due_emails",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=now,
        finished_at=now,
    )
    latest = schedule.every(minutes=5).latest(now)
    ScheduledRun.objects.create(job="email-sweeper", slot=latest - timedelta(minutes=5))
    ScheduledRun.objects.create(
        job="email-sweeper", slot=latest, enqueued_at=latest, task_id=str(result.id)
    )
    client.force_login(moderator)
    response = client.get(URL)
    jobs = {job.name: job for job in response.context["work"].jobs}
    sweeper = jobs["email-sweeper"]
    assert sweeper.last.slot == latest and sweeper.status == "Successful"
    assert not sweeper.behind
    assert jobs["retention"].last is None and jobs["retention"].behind
    row = response.text[response.text.index('data-job="email-sweeper"') :]
    row = row[: row.index("</tr>")]
    assert timezone.localtime(latest).strftime("%H:%M") in row and "Successful" in row


def test_a_run_queued_by_another_backend_has_no_status():
    ScheduledRun.objects.create(job="email-sweeper", slot=timezone.now(), task_id="not-a-uuid")
    with DATABASE_QUEUE:
        work = queries.overview()
    assert {job.name: job.status for job in work.jobs}["email-sweeper"] == ""


def test_the_latest_run_of_every_job_takes_one_query(django_assert_num_queries):
    now = timezone.now()
    for job in schedule.jobs():
        for n in range(3):
            ScheduledRun.objects.create(job=job.name, slot=now - timedelta(days=n))
    ScheduledRun.objects.create(job="a-job-no-longer-declared", slot=now + timedelta(days=1))
    with django_assert_num_queries(1):
        runs = schedule.last_runs()
    assert set(runs) == {job.name for job in schedule.jobs()}
    assert all(run.slot == now for run in runs.values())


def test_the_next_slot_follows_the_rule():
    tz = timezone.get_current_timezone()
    at = datetime(2026, 3, 4, 3, 0, tzinfo=tz)  # a Wednesday
    assert schedule.daily(hour=2, minute=15).next(at) == datetime(2026, 3, 5, 2, 15, tzinfo=tz)
    assert schedule.every(minutes=5).next(at) == datetime(2026, 3, 4, 3, 5, tzinfo=tz)
    monday = schedule.weekly(weekday=schedule.MO, hour=7)
    assert monday.next(at) == datetime(2026, 3, 9, 7, 0, tzinfo=tz)


# Bounds ----------------------------------------------------------------------


@DATABASE_QUEUE
def test_the_page_takes_the_same_few_queries_and_lists_at_most_20_of_each(
    client, moderator, django_assert_max_num_queries
):
    for n in range(25):
        failed_email(subject=f"Email {n}")
        failed_task(n)
    now = timezone.now()
    for job in schedule.jobs():
        result = failed_task(99) if job.name == "retention" else None
        for n in range(3):
            ScheduledRun.objects.create(
                job=job.name,
                slot=now - timedelta(days=n),
                task_id=str(result.id if result and n == 0 else uuid.uuid4()),
            )
    client.force_login(moderator)
    client.get(URL)  # the session and the user's permissions, as every request
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    work = response.context["work"]
    assert len(work.failed_emails) == 20 and work.more_failed_emails == 5
    assert len(work.failed_tasks) == 20 and work.more_failed_tasks == 6
    assert {job.name: job.status for job in work.jobs}["retention"] == "Failed"
    assert "And 5 more failed emails, not shown here" in response.text
    assert "And 6 more failed tasks, not shown here" in response.text
    assert response.text.count("Try again<span") == 20
    assert response.text.count('<li class="work-item">') == 40
