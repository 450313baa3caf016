"""Scheduled jobs, declared once in code beside their task.

A package's tasks.py declares its periodic work with its rule:

    @scheduled("alert-digests", weekly(weekday=MO, hour=7))
    @task
    def send_alert_digests() -> ...

and one scheduler process (`manage.py run_schedule`) queues each job when its
latest slot has come and not yet run, recording a ScheduledRun(job, slot):
the database's unique constraint keeps a job from running twice for one
slot. Slots are in the site's time zone (TIME_ZONE). A scheduler that was
stopped catches up with the latest slot it missed, once, not every one."""

import importlib
import importlib.util
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil import rrule
from dateutil.rrule import FR, MO, SA, SU, TH, TU, WE
from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.tasks import Task
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from initiatives.ops.models import ScheduledRun

logger = logging.getLogger(__name__)

__all__ = [
    "FR",
    "MO",
    "SA",
    "SU",
    "TH",
    "TU",
    "WE",
    "Job",
    "Rule",
    "daily",
    "every",
    "jobs",
    "register",
    "run_due",
    "scheduled",
    "weekly",
]

# The rules' descriptions are shown to staff (the background work page):
# translated when shown, so built lazily.
weekday_names = [
    _("Mondays"),
    _("Tuesdays"),
    _("Wednesdays"),
    _("Thursdays"),
    _("Fridays"),
    _("Saturdays"),
    _("Sundays"),
]
# Runs are kept this long (the background work page shows the latest).
KEEP_RUNS = timedelta(days=30)


@dataclass(frozen=True)
class Rule:
    """When a job runs: a dateutil rrule, read in local time from `lookback`
    before now, so that the latest slot is always found among a few."""

    frequency: int
    options: tuple[tuple[str, object], ...]
    lookback: timedelta
    description: str | Promise

    def _slots(self, now: datetime) -> tuple[rrule.rrule, datetime]:
        local = timezone.localtime(now).replace(tzinfo=None)
        start = (local - self.lookback).replace(hour=0, minute=0, second=0, microsecond=0)
        return rrule.rrule(self.frequency, dtstart=start, **dict(self.options)), local

    def latest(self, now: datetime) -> datetime:
        """The latest slot at or before `now`."""
        slots, local = self._slots(now)
        slot = slots.before(local, inc=True)
        if self.frequency == rrule.MINUTELY:
            # When the clocks go back, an hour's times come round again: for
            # a job every few minutes they are new slots (a daily or weekly
            # job's time is not, and it runs once).
            slot = slot.replace(fold=local.fold)
        return timezone.make_aware(slot)

    def next(self, now: datetime) -> datetime:
        """The first slot after `now`."""
        slots, local = self._slots(now)
        return timezone.make_aware(slots.after(local))

    def __str__(self):
        return str(self.description)


def every(*, minutes: int) -> Rule:
    """Every `minutes` minutes, counted from midnight."""
    if not 1 <= minutes <= 24 * 60:
        raise ValueError("every() takes between 1 and 1,440 minutes.")
    return Rule(
        rrule.MINUTELY,
        (("interval", minutes), ("bysecond", 0)),
        timedelta(days=1),
        format_lazy(ngettext_lazy("every minute", "every {n} minutes", minutes), n=minutes),
    )


def daily(*, hour: int, minute: int = 0) -> Rule:
    return Rule(
        rrule.DAILY,
        (("byhour", hour), ("byminute", minute), ("bysecond", 0)),
        timedelta(days=2),
        format_lazy(_("daily at {time}"), time=f"{hour:02}:{minute:02}"),
    )


def weekly(*, weekday: rrule.weekday, hour: int, minute: int = 0) -> Rule:
    return Rule(
        rrule.WEEKLY,
        (("byweekday", weekday), ("byhour", hour), ("byminute", minute), ("bysecond", 0)),
        timedelta(days=15),
        format_lazy(
            _("weekly on {weekdays} at {time}"),
            weekdays=weekday_names[weekday.weekday],
            time=f"{hour:02}:{minute:02}",
        ),
    )


@dataclass(frozen=True)
class Job:
    name: str
    task: Task
    rule: Rule


_jobs: dict[str, Job] = {}


def register(name: str, task: Task, rule: Rule) -> Task:
    """Declare `task` (taking no arguments) a scheduled job called `name`."""
    existing = _jobs.get(name)
    if existing is not None and existing.task.module_path != task.module_path:
        raise ValueError(f"Two scheduled jobs are called {name!r}.")
    _jobs[name] = Job(name, task, rule)
    return task


def scheduled(name: str, rule: Rule) -> Callable[[Task], Task]:
    """Decorator form of register(), above a task's @task."""
    return lambda task: register(name, task, rule)


def discover() -> None:
    """Import every tasks module (each app's, and each package's inside an
    app), where jobs declare themselves."""
    for app in apps.get_app_configs():
        names = [app.name] + [
            f"{app.name}.{module.name}"
            for module in pkgutil.iter_modules([app.path])
            if module.ispkg
        ]
        for name in names:
            if importlib.util.find_spec(f"{name}.tasks") is not None:
                importlib.import_module(f"{name}.tasks")


def jobs() -> list[Job]:
    discover()
    return sorted(_jobs.values(), key=lambda job: job.name)


def run_due(now: datetime | None = None, *, dry_run: bool = False) -> list[tuple[Job, datetime]]:
    """Queue each job whose latest slot has not run; return what was queued."""
    now = now or timezone.now()
    queued = []
    for job in jobs():
        slot = job.rule.latest(now)
        if dry_run:
            if not ScheduledRun.objects.filter(job=job.name, slot=slot).exists():
                queued.append((job, slot))
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot, enqueued_at=now)
        except IntegrityError:
            continue  # This slot has run, or another scheduler has it.
        try:
            result = job.task.enqueue()
        except Exception:
            # The queue is away: the slot stays due, for the next minute,
            # and the other jobs are still queued.
            logger.exception("%s not queued for %s; tried again next minute.", job.name, slot)
            ScheduledRun.objects.filter(pk=run.pk).delete()
            continue
        ScheduledRun.objects.filter(pk=run.pk).update(task_id=str(result.id))
        queued.append((job, slot))
    if not dry_run:
        ScheduledRun.objects.filter(slot__lt=now - KEEP_RUNS).delete()
    return queued


def last_runs() -> dict[str, ScheduledRun | None]:
    """The latest run of each job, by name (None for a job not yet run), in
    one query: each job's latest slot is found through the (job, slot)
    unique index, so the query reads one row a job however many are kept."""
    names = [job.name for job in jobs()]
    latest_slot = ScheduledRun.objects.filter(job=OuterRef("job")).order_by("-slot").values("slot")
    runs = {
        run.job: run
        for run in ScheduledRun.objects.filter(job__in=names, slot=Subquery(latest_slot[:1]))
    }
    return {name: runs.get(name) for name in names}
