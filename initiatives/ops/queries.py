"""Reads for the background work page (/moderation/background/) and for the
dashboard's link to it: the queue, the outbox and the scheduled jobs, in a
fixed number of queries however many rows there are, each list at most
LIMIT rows.

The queue's own table is read only when the queue is django-tasks-db's
(the default); Redis Queue keeps its counts in Redis, and the immediate
backend (the test suite's) keeps no queue at all.

Nothing here shows an email address: the outbox holds those of people whom
moderators may not see (alert followers, reporters), so an email shows its
number of recipients, and addresses in its subject or error are masked."""

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, Count, F, Max, Min, Q, Value, When
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from accounts.models import OutgoingEmail
from initiatives.ops import schedule
from initiatives.ops.models import ScheduledRun

LIMIT = 20
ERROR_LENGTH = 300
# A job whose latest slot is this old and not yet queued shows as behind
# (the scheduler wakes each minute).
SCHEDULER_GRACE = timedelta(minutes=2)

# The labels of the outbox's rows in counts(), beside the queue's statuses.
EMAILS_PENDING = "emails-pending"
EMAILS_FAILED = "emails-failed"

ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def masked(text: str) -> str:
    """`text` with every email address in it masked."""
    mask = _("[an address]")
    return ADDRESS.sub(lambda match: mask, text)


def last_line(text: str) -> str:
    """The last line of an error or a traceback (where Python names the
    exception), masked and cut short."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = masked(lines[-1]) if lines else ""
    return line if len(line) <= ERROR_LENGTH else line[: ERROR_LENGTH - 1] + "…"


def queue_in_database() -> bool:
    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def queue_backend_name() -> str:
    backend = type(task_backends[DEFAULT_TASK_BACKEND_ALIAS])
    return f"{backend.__module__}.{backend.__qualname__}"


@dataclass(frozen=True)
class Tally:
    n: int = 0
    # The queue's: the oldest task queued in that state. The outbox's
    # pending: the next attempt due; its failed: the latest failure.
    at: datetime | None = None


def _tally(queryset, label: str, when):
    return (
        queryset.order_by()
        .annotate(label=Value(label))
        .values_list("label")
        .annotate(n=Count("pk"), at=when)
    )


def counts() -> dict[str, Tally]:
    """How many emails wait and have failed and, when the queue is the
    database's, how many tasks are in each state (TaskResultStatus), in one
    query. A label with nothing counted may be missing: ask with .get()."""
    parts = [
        _tally(OutgoingEmail.objects.pending(), EMAILS_PENDING, Min("next_attempt_at")),
        _tally(OutgoingEmail.objects.failed(), EMAILS_FAILED, Max("failed_at")),
    ]
    if queue_in_database():
        parts.append(
            DBTaskResult.objects.order_by()
            .values_list("status")
            .annotate(n=Count("pk"), at=Min("enqueued_at"))
        )
    rows = parts[0].union(*parts[1:], all=True).order_by()
    return {label: Tally(n, at) for label, n, at in rows}


def failed_counts() -> dict[str, int]:
    """For the dashboard's link: how many emails and tasks failed (one query)."""
    tallies = counts()
    return {
        "emails": tallies.get(EMAILS_FAILED, Tally()).n,
        "tasks": tallies.get(TaskResultStatus.FAILED, Tally()).n,
    }


def _uuids(ids: Iterable[str]) -> list[uuid.UUID]:
    """The ids that are the database queue's (a run queued while another
    backend was in use has an id of that backend's)."""
    found = []
    for value in ids:
        try:
            found.append(uuid.UUID(value))
        except (TypeError, ValueError):
            continue
    return found


def tasks(ids: Iterable[str]) -> tuple[list[DBTaskResult], dict[uuid.UUID, DBTaskResult]]:
    """The latest failed tasks (at most LIMIT), and the tasks of `ids` (the
    scheduled jobs' latest runs) by id, in one query: the rows of `ids` come
    first, then the failed from the latest, and LIMIT more than there are
    ids leaves at least LIMIT of the failed that are not among them."""
    wanted = _uuids(ids)
    rows = list(
        DBTaskResult.objects.filter(Q(status=TaskResultStatus.FAILED) | Q(id__in=wanted))
        .annotate(asked=Case(When(id__in=wanted, then=Value(0)), default=Value(1)))
        .order_by("asked", F("finished_at").desc(nulls_last=True), "-enqueued_at")
        .only(
            "status",
            "task_path",
            "enqueued_at",
            "started_at",
            "finished_at",
            "exception_class_path",
            "traceback",
        )[: LIMIT + len(wanted)]
    )
    failed = sorted(
        (row for row in rows if row.status == TaskResultStatus.FAILED),
        key=lambda row: row.finished_at or row.enqueued_at,
        reverse=True,
    )
    return failed[:LIMIT], {row.id: row for row in rows if row.id in wanted}


@dataclass(frozen=True)
class FailedTask:
    task: str
    failed_at: datetime | None
    error: str


@dataclass(frozen=True)
class FailedEmail:
    pk: int
    subject: str
    kind: str
    recipients: int
    attempts: int
    created_at: datetime
    failed_at: datetime
    error: str


@dataclass(frozen=True)
class JobRow:
    name: str
    schedule: str
    task: str
    last: ScheduledRun | None  # None before its first run
    status: str  # the label of its task's status, or "" when unknown
    next_slot: datetime
    behind: bool  # its latest slot has come and gone unqueued


@dataclass(frozen=True)
class Overview:
    now: datetime
    queue_in_database: bool
    queue_backend: str
    tasks_ready: Tally
    tasks_running: Tally
    tasks_failed: Tally
    tasks_successful: Tally
    failed_tasks: list[FailedTask]
    emails_pending: Tally
    emails_failed: Tally
    failed_emails: list[FailedEmail]
    jobs: list[JobRow]

    @property
    def more_failed_tasks(self) -> int:
        return max(self.tasks_failed.n - len(self.failed_tasks), 0)

    @property
    def more_failed_emails(self) -> int:
        return max(self.emails_failed.n - len(self.failed_emails), 0)


def failed_emails() -> list[FailedEmail]:
    return [
        FailedEmail(
            pk=email.pk,
            subject=masked(email.subject),
            kind=email.kind,
            recipients=len(email.to),
            attempts=email.attempts,
            created_at=email.created_at,
            failed_at=email.failed_at,
            error=last_line(email.last_error),
        )
        for email in OutgoingEmail.objects.failed()
        .order_by("-failed_at", "-pk")
        .only("subject", "kind", "to", "attempts", "created_at", "failed_at", "last_error")[:LIMIT]
    ]


def overview(now: datetime | None = None) -> Overview:
    """Everything the background work page shows, in four queries."""
    now = now or timezone.now()
    in_database = queue_in_database()
    tallies = counts()
    jobs = schedule.jobs()
    runs = schedule.last_runs()
    failed, job_tasks = (
        tasks(run.task_id for run in runs.values() if run) if in_database else ([], {})
    )
    rows = []
    for job in jobs:
        run = runs.get(job.name)
        ids = _uuids([run.task_id]) if run else []
        result = job_tasks.get(ids[0]) if ids else None
        due = job.rule.latest(now)
        rows.append(
            JobRow(
                name=job.name,
                schedule=str(job.rule),
                task=job.task.module_path,
                last=run,
                status=TaskResultStatus(result.status).label if result else "",
                next_slot=job.rule.next(now),
                behind=(run is None or run.slot < due) and now - due > SCHEDULER_GRACE,
            )
        )
    return Overview(
        now=now,
        queue_in_database=in_database,
        queue_backend=queue_backend_name(),
        tasks_ready=tallies.get(TaskResultStatus.READY, Tally()),
        tasks_running=tallies.get(TaskResultStatus.RUNNING, Tally()),
        tasks_failed=tallies.get(TaskResultStatus.FAILED, Tally()),
        tasks_successful=tallies.get(TaskResultStatus.SUCCESSFUL, Tally()),
        failed_tasks=[
            FailedTask(
                task=row.task_path,
                failed_at=row.finished_at,
                error=last_line(row.traceback) or row.exception_class_path,
            )
            for row in failed
        ],
        emails_pending=tallies.get(EMAILS_PENDING, Tally()),
        emails_failed=tallies.get(EMAILS_FAILED, Tally()),
        failed_emails=failed_emails(),
        jobs=rows,
    )
