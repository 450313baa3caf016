"""Remove photos kept for forms that were never sent again.

When a submission form is shown again because of an error, the photos that
passed their checks are kept under photos.KEPT_DIR for a day, so that nobody
has to choose them twice. The scheduler runs this work daily (the job
"kept-photos" in initiatives/submissions/tasks.py); the command is for a
run by hand.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand

from initiatives.catalogue.photos import remove_kept


class Command(BaseCommand):
    help = "Remove kept photos older than a day (from forms never sent again)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="Age in hours (default 24).")
        parser.add_argument("--dry-run", action="store_true", help="List, but remove nothing.")

    def handle(self, *args, hours, dry_run, verbosity, **options):
        removed = remove_kept(timedelta(hours=hours), dry_run=dry_run)
        if verbosity:
            verb = "Would remove" if dry_run else "Removed"
            self.stdout.write(f"{verb} {removed} kept photo file(s).")
