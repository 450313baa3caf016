"""The periodic jobs are declared once, beside their task, and the scheduler
(manage.py run_schedule) queues each once for each of its slots, in the
site's time (Europe/London): not twice for a slot, and after a stop once per
job, not once for every slot it missed."""

import signal
from datetime import UTC, datetime, timedelta
from io import StringIO
from itertools import pairwise
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.tasks import task
from django.tasks.backends.immediate import ImmediateBackend
from django.utils import timezone

from accounts.models import OutgoingEmail
from accounts.tasks import retry_due_emails
from initiatives.ops import schedule
from initiatives.ops.models import ScheduledRun
from initiatives.ops.schedule import KEEP_RUNS, MO, daily, every, register, run_due, weekly

LONDON = ZoneInfo("Europe/London")
JOBS = {
    "alert-digests": "weekly on Mondays at 07:00",
    "email-sweeper": "every 5 minutes",
    "kept-photos": "daily at 03:30",
    "retention": "daily at 02:15",
}


def london(text):
    """A time on London's clocks (away from a clock change)."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def in_utc(slot):
    """A slot in UTC: Python never finds a time in the hour that comes twice
    equal to one in another zone (PEP 495), so slots are compared in UTC."""
    return slot.astimezone(UTC)


@task
def tidy_up() -> None:
    pass


@task
def tidy_up_another_way() -> None:
    pass


@pytest.fixture
def registry(monkeypatch):
    """The declared jobs, which a test may add to without leaving them."""
    schedule.jobs()
    monkeypatch.setattr(schedule, "_jobs", dict(schedule._jobs))


@pytest.fixture
def scheduler(transactional_db):
    """manage.py run_schedule, its output returned. Its transactions commit,
    as outside a test: it closes the database connection each minute. It
    takes over SIGTERM, which is given back."""
    handler = signal.getsignal(signal.SIGTERM)

    def run(*args):
        out = StringIO()
        call_command("run_schedule", *args, stdout=out)
        return out.getvalue()

    yield run
    signal.signal(signal.SIGTERM, handler)


def names(queued):
    return sorted(job.name for job, _ in queued)


def test_every_job_is_declared_with_its_schedule():
    assert {job.name: str(job.rule) for job in schedule.jobs()} == JOBS
    sweeper = next(job for job in schedule.jobs() if job.name == "email-sweeper")
    assert sweeper.task.module_path == retry_due_emails.module_path


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        ("2026-06-01 10:07:30", "2026-06-01 10:05"),
        ("2026-06-01 10:05:00", "2026-06-01 10:05"),  # a slot's own minute is its
        ("2026-06-01 00:03", "2026-06-01 00:00"),
        ("2026-06-01 23:59", "2026-06-01 23:55"),
    ],
)
def test_every_five_minutes_counts_from_midnight(now, slot):
    assert every(minutes=5).latest(london(now)) == london(slot)


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        ("2026-06-01 02:14", "2026-05-31 02:15"),
        ("2026-06-01 02:15", "2026-06-01 02:15"),
        ("2026-06-01 23:00", "2026-06-01 02:15"),
    ],
)
def test_a_daily_job_has_its_time_of_day(now, slot):
    assert daily(hour=2, minute=15).latest(london(now)) == london(slot)


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        ("2026-06-01 06:59", "2026-05-25 07:00"),  # a Monday, before seven
        ("2026-06-01 07:00", "2026-06-01 07:00"),
        ("2026-06-07 23:59", "2026-06-01 07:00"),  # the Sunday after
    ],
)
def test_a_weekly_job_has_its_day_and_time(now, slot):
    assert weekly(weekday=MO, hour=7).latest(london(now)) == london(slot)


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        # The clocks go forward at 01:00 (GMT) on 29 March 2026: 02:15 is BST.
        ("2026-03-29 01:14", "2026-03-28 02:15"),
        ("2026-03-29 01:15", "2026-03-29 01:15"),
        ("2026-03-30 01:15", "2026-03-30 01:15"),
        # They go back at 01:00 (GMT) on 25 October 2026: 02:15 is GMT.
        ("2026-10-25 02:14", "2026-10-24 01:15"),
        ("2026-10-25 02:15", "2026-10-25 02:15"),
    ],
)
def test_a_daily_job_keeps_its_time_on_the_clock_across_a_clock_change(now, slot):
    """Given in UTC: 02:15 in London is 01:15 UTC in summer, 02:15 in winter."""
    assert in_utc(daily(hour=2, minute=15).latest(utc(now))) == utc(slot)


def test_a_daily_job_in_the_hour_that_comes_twice_runs_once():
    rule = daily(hour=1, minute=30)
    first = utc("2026-10-25 00:30")  # 01:30 BST
    assert in_utc(rule.latest(first)) == first
    assert in_utc(rule.latest(utc("2026-10-25 01:45"))) == first  # 01:45 GMT, the second time round


@pytest.mark.parametrize(
    ("now", "slot"),
    [
        ("2026-03-29 00:58", "2026-03-29 00:55"),  # 00:58 GMT
        ("2026-03-29 01:02", "2026-03-29 01:00"),  # 02:02 BST
        ("2026-10-25 00:58", "2026-10-25 00:55"),  # 01:58 BST
        ("2026-10-25 01:02", "2026-10-25 01:00"),  # 01:02 GMT, the hour again
        ("2026-10-25 01:58", "2026-10-25 01:55"),
        ("2026-10-25 02:03", "2026-10-25 02:00"),
    ],
)
def test_a_job_every_few_minutes_keeps_going_across_a_clock_change(now, slot):
    assert in_utc(every(minutes=5).latest(utc(now))) == utc(slot)


@pytest.mark.parametrize("day", ["2026-03-29", "2026-10-25"], ids=["spring", "autumn"])
def test_through_the_night_the_clocks_change_each_rule_keeps_its_pace(day):
    """The slots a scheduler waking each minute from midnight to 03:00 UTC finds."""
    start = utc(f"{day} 00:00")
    minutes = [start + timedelta(minutes=n) for n in range(1, 3 * 60 + 1)]

    def slots(rule):
        found = {in_utc(rule.latest(now)) for now in minutes}
        assert all(in_utc(rule.latest(now)) <= now for now in minutes)
        return sorted(found - {in_utc(rule.latest(start))})

    sweeps = slots(every(minutes=5))
    assert len(sweeps) == 36
    assert all(later - earlier == timedelta(minutes=5) for earlier, later in pairwise(sweeps))
    assert len(slots(daily(hour=2, minute=15))) == 1


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1])
def test_every_takes_a_sensible_number_of_minutes(minutes):
    with pytest.raises(ValueError):
        every(minutes=minutes)


@pytest.mark.django_db
def test_each_due_job_is_queued_once_for_its_slot():
    now = london("2026-06-01 10:07")  # a Monday
    assert names(run_due(now)) == sorted(JOBS)
    assert {(run.job, run.slot) for run in ScheduledRun.objects.all()} == {
        ("alert-digests", london("2026-06-01 07:00")),
        ("email-sweeper", london("2026-06-01 10:05")),
        ("kept-photos", london("2026-06-01 03:30")),
        ("retention", london("2026-06-01 02:15")),
    }
    assert run_due(now) == []
    assert run_due(london("2026-06-01 10:09:59")) == []  # the same slot
    assert names(run_due(london("2026-06-01 10:10"))) == ["email-sweeper"]
    assert ScheduledRun.objects.count() == 5


@pytest.mark.django_db
def test_a_slot_another_scheduler_took_is_not_queued_again():
    now = london("2026-06-01 10:07")
    ScheduledRun.objects.create(job="email-sweeper", slot=london("2026-06-01 10:05"))
    assert "email-sweeper" not in names(run_due(now))


@pytest.mark.django_db
def test_a_scheduler_stopped_for_a_week_catches_up_once_per_job():
    run_due(london("2026-06-01 10:07"))
    back = london("2026-06-08 12:01")  # the next Monday, afternoon
    assert names(run_due(back)) == sorted(JOBS)
    latest = {run.job: run.slot for run in ScheduledRun.objects.filter(enqueued_at=back)}
    assert latest == {
        "alert-digests": london("2026-06-08 07:00"),
        "email-sweeper": london("2026-06-08 12:00"),
        "kept-photos": london("2026-06-08 03:30"),
        "retention": london("2026-06-08 02:15"),
    }
    assert ScheduledRun.objects.count() == 2 * len(JOBS)


@pytest.mark.django_db
def test_a_dry_run_queues_nothing():
    now = london("2026-06-01 10:07")
    assert names(run_due(now, dry_run=True)) == sorted(JOBS)
    assert not ScheduledRun.objects.exists()
    run_due(now)
    assert run_due(now, dry_run=True) == []


@pytest.mark.django_db
def test_old_runs_are_cleared_and_recent_ones_kept():
    start = london("2026-06-01 10:07")
    run_due(start)
    run_due(start + timedelta(days=20))
    assert ScheduledRun.objects.filter(slot__lte=start).count() == len(JOBS)
    later = start + KEEP_RUNS + timedelta(days=1)
    run_due(later)
    assert not ScheduledRun.objects.filter(slot__lte=start).exists()
    assert ScheduledRun.objects.filter(enqueued_at=start + timedelta(days=20)).count() == len(JOBS)
    assert ScheduledRun.objects.filter(enqueued_at=later).count() == len(JOBS)


@pytest.mark.django_db
def test_a_job_the_queue_could_not_take_is_queued_the_next_minute():
    now = london("2026-06-01 10:07")
    with mock.patch.object(ImmediateBackend, "enqueue", side_effect=ConnectionError("away")):
        assert run_due(now) == []
    assert not ScheduledRun.objects.exists()
    assert names(run_due(now + timedelta(minutes=1))) == sorted(JOBS)


@pytest.mark.django_db
def test_a_queued_job_runs_its_task(mailoutbox):
    OutgoingEmail.objects.create(
        to=["sam@example.org"],
        subject="Waiting",
        body="Hi.",
        next_attempt_at=timezone.now() - timedelta(minutes=10),
    )
    run_due(timezone.now())
    assert [m.subject for m in mailoutbox] == ["Waiting"]


def test_two_jobs_cannot_share_a_name(registry):
    register("tidy-up", tidy_up, daily(hour=4))
    with pytest.raises(ValueError, match="tidy-up"):
        register("tidy-up", tidy_up_another_way, daily(hour=4))
    with pytest.raises(ValueError, match="email-sweeper"):
        register("email-sweeper", tidy_up, every(minutes=5))
    # The same declaration again (its module imported twice) is no clash.
    register("email-sweeper", retry_due_emails, every(minutes=5))


def test_the_list_names_every_job_with_its_schedule(scheduler):
    lines = scheduler("--list").splitlines()
    assert len(lines) == len(JOBS)
    for name, rule in JOBS.items():
        assert any(line.startswith(f"{name}: {rule} (") for line in lines), name


def test_a_dry_run_says_what_is_due_and_queues_nothing(scheduler, mailoutbox):
    OutgoingEmail.objects.create(
        to=["sam@example.org"], body="Hi.", next_attempt_at=timezone.now() - timedelta(hours=1)
    )
    out = scheduler("--dry-run")
    for name in JOBS:
        assert f"Due: {name} for " in out
    assert not ScheduledRun.objects.exists()
    assert mailoutbox == []


def test_once_queues_what_is_due_and_stops(scheduler, mailoutbox):
    OutgoingEmail.objects.create(
        to=["sam@example.org"],
        subject="Waiting",
        body="Hi.",
        next_attempt_at=timezone.now() - timedelta(hours=1),
    )
    out = scheduler("--once")
    for name in JOBS:
        assert f"Queued: {name} for " in out
    assert sorted(ScheduledRun.objects.values_list("job", flat=True)) == sorted(JOBS)
    assert all(ScheduledRun.objects.values_list("task_id", flat=True))
    assert [m.subject for m in mailoutbox] == ["Waiting"]


def test_once_says_nothing_when_asked_to_be_quiet(scheduler):
    assert scheduler("--once", "--verbosity", "0") == ""
    assert ScheduledRun.objects.count() == len(JOBS)
