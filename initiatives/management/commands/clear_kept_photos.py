"""Remove photos kept for forms that were never sent again.

When a submission form is shown again because of an error, the photos that
passed their checks are kept under photos.KEPT_DIR for a day, so that nobody
has to choose them twice. A scheduler runs this command daily.
"""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from initiatives.catalogue.photos import KEPT_DIR


class Command(BaseCommand):
    help = "Remove kept photos older than a day (from forms never sent again)."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="Age in hours (default 24).")
        parser.add_argument("--dry-run", action="store_true", help="List, but remove nothing.")

    def handle(self, *args, hours, dry_run, verbosity, **options):
        cutoff = timezone.now() - timedelta(hours=hours)
        try:
            _dirs, files = default_storage.listdir(KEPT_DIR)
        except FileNotFoundError:
            files = []
        removed = 0
        for name in files:
            path = f"{KEPT_DIR}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                removed += 1
                if not dry_run:
                    default_storage.delete(path)
        if verbosity:
            verb = "Would remove" if dry_run else "Removed"
            self.stdout.write(f"{verb} {removed} kept photo file(s).")
