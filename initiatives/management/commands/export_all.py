"""Write everything the site holds to one file (initiatives/backup.py), to
restore with import_all: into a new database, on another machine or another
engine. docs/backups.md says when to use this rather than pg_dump."""

import time

from django.core.management.base import BaseCommand, CommandError

from initiatives.ops import backup


class Command(BaseCommand):
    help = "Write every row the site holds (and, if asked, its media files) to one zip file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The zip file to write; it appears once complete.")
        parser.add_argument(
            "--with-media",
            action="store_true",
            help="Include the stored files (photos, logos) as well as their names.",
        )

    def handle(self, *args, file, with_media, verbosity, **options):
        started = time.perf_counter()

        def log(message):
            if verbosity > 1:
                self.stdout.write(f"{time.perf_counter() - started:7.1f} s  {message}")

        try:
            manifest = backup.export(file, with_media=with_media, log=log)
        except OSError as error:
            raise CommandError(f"Cannot write {file}: {error}") from error
        media = manifest["media"]
        if media["missing"]:
            self.stderr.write(
                f"{len(media['missing'])} stored file(s) named by rows are missing and were "
                f"not included: {', '.join(media['missing'][:10])}"
                + (" …" if len(media["missing"]) > 10 else "")
            )
        if verbosity:
            files = (
                f"{media['files']} of them included"
                if media["included"]
                else "not included (--with-media includes them)"
            )
            self.stdout.write(
                self.style.SUCCESS(
                    f"Wrote {file} in {time.perf_counter() - started:.1f} s: "
                    f"{manifest['data']['rows']} rows of {len(manifest['counts'])} tables; "
                    f"{media['references']} media file references, {files}."
                )
            )
