"""Restore a file written by export_all into an empty database
(initiatives/backup.py): every row with its id, in one transaction, then the
public counts and search vectors computed again."""

import time

from django.core.management.base import BaseCommand, CommandError

from initiatives.ops import restore


class Command(BaseCommand):
    help = (
        "Restore a file written by export_all into this database, which must be new: "
        "migrated, and holding nothing else."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A zip file written by export_all.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Restore everything and check it, then roll it all back: a test of the file.",
        )

    def handle(self, *args, file, dry_run, verbosity, **options):
        started = time.perf_counter()

        def log(message):
            if verbosity > 1:
                self.stdout.write(f"{time.perf_counter() - started:7.1f} s  {message}")

        try:
            result = restore.restore(file, dry_run=dry_run, log=log)
        except restore.BackupError as error:
            raise CommandError(f"Cannot restore {file}: {error} Nothing was written.") from error
        if not verbosity:
            return
        restored, media = result["restored"], result["media"]
        if media["included"]:
            files = (
                f"{restored['files']} media files stored ({restored['files_present']} were there)"
            )
        else:
            files = (
                f"no media files: copy the {media['references']} that the rows name (listed in "
                "its media.jsonl) to this site's media storage"
            )
        done = "Checked, then rolled back," if dry_run else "Restored"
        self.stdout.write(
            self.style.SUCCESS(
                f"{done} {file} (made {result['created_at']}) in "
                f"{time.perf_counter() - started:.1f} s: {restored['rows']} rows; {files}."
            )
        )
