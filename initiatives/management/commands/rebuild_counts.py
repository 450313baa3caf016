"""Count the published initiatives again from scratch.

The public counts (initiatives/tallies.py) are kept up to date with every
change made through the application. Run this after writing to the database
by other means: a restore from a dump, SQL by hand.
"""

import time

from django.core.management.base import BaseCommand

from initiatives.browse import tallies
from initiatives.models import MapCell, Tally
from initiatives.ops import caching


class Command(BaseCommand):
    help = "Count the published initiatives again, for the public pages' counts and map."

    def handle(self, *args, verbosity, **options):
        started = time.perf_counter()
        tallies.rebuild()
        caching.public_changed()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Counted again in {time.perf_counter() - started:.1f} s: "
                    f"{Tally.objects.count()} counts, {MapCell.objects.count()} map cells."
                )
            )
