"""Queue the scheduled jobs when they are due (initiatives/ops/schedule.py).

Run one scheduler: `make run` and docker compose start it. It wakes at the
start of each minute; `--once` looks once and stops, for cron
(`* * * * * manage.py run_schedule --once`) and for tests. A job never runs
twice for one slot, even if two schedulers run.
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from initiatives.ops import schedule


class Command(BaseCommand):
    help = "Queue the scheduled jobs that are due, each minute (or --once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Look once, then stop.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what is due, but queue nothing."
        )
        parser.add_argument("--list", action="store_true", help="List the jobs and stop.")

    def handle(self, *args, once, dry_run, verbosity, **options):
        if options["list"]:
            for job in schedule.jobs():
                self.stdout.write(f"{job.name}: {job.rule} ({job.task.module_path})")
            return
        self.running = True
        signal.signal(signal.SIGTERM, self.stop)
        try:
            while self.running:
                close_old_connections()
                for job, slot in schedule.run_due(dry_run=dry_run):
                    if verbosity:
                        verb = "Due" if dry_run else "Queued"
                        self.stdout.write(f"{verb}: {job.name} for {slot:%Y-%m-%d %H:%M}")
                if once or dry_run:
                    return
                now = timezone.now()
                time.sleep(60 - now.second - now.microsecond / 1_000_000 + 0.5)
        except KeyboardInterrupt:
            pass

    def stop(self, signum, frame):
        self.running = False
        raise KeyboardInterrupt
