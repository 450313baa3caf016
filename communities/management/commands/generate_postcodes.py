"""Write a synthetic ONSPD file of N rows in the official layout, for the
import's tests and benchmark (no real ONS file can be fetched there)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from communities import postcode_generator


class Command(BaseCommand):
    help = "Write N synthetic rows in the ONSPD layout to FILE (deterministic for a seed)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")

    def handle(self, *args, count, file, seed, verbosity, **options):
        if count < 1:
            raise CommandError("Give a positive number of rows.")
        started = time.monotonic()
        try:
            written = postcode_generator.write(file, count, seed)
        except OSError as error:
            raise CommandError(f"Cannot write {file}: {error.strerror}.") from error
        if verbosity:
            elapsed = time.monotonic() - started
            self.stdout.write(f"{written:,} rows written to {file} in {elapsed:.1f} s.")
