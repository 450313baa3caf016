"""Import place boundaries from an ONS boundary GeoJSON file (local
authorities, wards, parishes: a generalised "BGC" or "BUC" release from the
Open Geography Portal, in WGS 84).

    manage.py import_boundaries LAD_DEC_2024_UK_BGC.geojson \\
        --code-field LAD24CD --name-field LAD24NM

Each feature goes to the place with its GSS code, simplified to a few KB;
a code no place has is counted, or made a place with --create. Running it
again replaces the boundaries it stored.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from communities import boundaries
from communities.models import Place


class DryRun(Exception):
    """Raised to roll the import back."""


class Command(BaseCommand):
    help = "Import place boundaries (ONS GeoJSON, WGS 84), matched to places by GSS code."

    def add_arguments(self, parser):
        parser.add_argument("file", help="An ONS boundary GeoJSON file (FeatureCollection).")
        parser.add_argument(
            "--code-field",
            help="The property that holds the GSS code (LAD24CD, WD24CD...). "
            "Found by itself when there is one such property.",
        )
        parser.add_argument("--name-field", help="The property that holds the name (LAD24NM...).")
        parser.add_argument(
            "--create",
            action="store_true",
            help="Make a place of each code no place has, under --parent or else under "
            "the smallest place whose boundary contains it.",
        )
        parser.add_argument(
            "--kind",
            choices=Place.Kind.values,
            help="The kind of the places --create makes (by default, from the GSS code).",
        )
        parser.add_argument("--parent", help="The slug of the place --create puts new ones under.")
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=boundaries.MAX_BOUNDARY_BYTES,
            help="The most each simplified boundary may take, as GeoJSON.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, and write nothing.")

    def handle(self, *args, file, code_field, name_field, create, kind, parent, **options):
        if parent is not None:
            parent = Place.objects.filter(slug=parent).first()
            if parent is None:
                raise CommandError(f"No place has the slug {options['parent']!r}.")
        if options["max_bytes"] < 500:
            raise CommandError("--max-bytes must be at least 500.")
        started = time.monotonic()
        try:
            with transaction.atomic():
                result = boundaries.import_boundaries(
                    file,
                    code_field=code_field,
                    name_field=name_field,
                    create=create,
                    kind=kind,
                    parent=parent,
                    max_bytes=options["max_bytes"],
                )
                if options["dry_run"]:
                    raise DryRun
        except boundaries.BoundaryFileError as error:
            raise CommandError(str(error)) from error
        except DryRun:
            pass
        self._report(result, time.monotonic() - started, options)

    def _report(self, result, elapsed, options):
        verbosity = options["verbosity"]
        if verbosity >= 2:
            for code in result.unmatched:
                self.stderr.write(f"No place has the code {code}.")
            for code in result.skipped:
                self.stderr.write(f"Skipped {code}: no area, or no place to put it under.")
        if verbosity >= 1:
            done = "Would import" if options["dry_run"] else "Imported"
            self.stdout.write(
                f"{done} boundaries in {elapsed:.1f} s: {result.matched} matched, "
                f"{len(result.unmatched)} unmatched, {result.created} created, "
                f"{len(result.skipped)} skipped; the largest takes "
                f"{result.largest_bytes / 1000:.1f} KB."
            )
