"""Load the demo data: the places, organisations, themes and initiatives named
in the documents the platform grew from, each initiative citing its document.

Idempotent: every row is found by its slug and brought up to date, so a second
run leaves the same rows.
"""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from communities.models import Organisation, Place
from communities.services import place_create
from initiatives.models import Initiative, InitiativeSource, Theme
from initiatives.services import (
    initiative_create,
    initiative_locate,
    initiative_set_organisations,
    initiative_set_places,
)

DEMO_DATA = Path(__file__).resolve().parents[2] / "demo_data.json"
INITIATIVE_FIELDS = ("summary", "description", "how_to_adapt", "website", "featured")


class DryRun(Exception):
    pass


def _date(value):
    return date.fromisoformat(value) if value else None


class Command(BaseCommand):
    help = "Load the demo places, organisations, themes and initiatives (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEMO_DATA, help="The demo data file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, then roll everything back."
        )

    def handle(self, *args, file, dry_run, verbosity, **options):
        self.verbosity = verbosity
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            with transaction.atomic():
                counts = {
                    "places": self.load_places(data["places"]),
                    "themes": self.load_themes(data["themes"]),
                    "organisations": self.load_organisations(data["organisations"]),
                    "initiatives": self.load_initiatives(data["initiatives"], data["documents"]),
                }
                if dry_run:
                    raise DryRun
        except DryRun:
            self.log("Dry run: nothing was saved.", level=1)
        except KeyError as exc:
            raise CommandError(
                f"The demo data refers to something it does not define: {exc}"
            ) from exc
        summary = ", ".join(f"{n} {name}" for name, n in counts.items())
        self.log(self.style.SUCCESS(f"Demo data: {summary}."), level=1)

    def log(self, message, level=2):
        if self.verbosity >= level:
            self.stdout.write(message)

    def load_places(self, rows):
        for row in rows:
            parent = Place.objects.get(slug=row["parent"]) if row.get("parent") else None
            fields = {
                "name": row["name"],
                "kind": row["kind"],
                "gss_code": row.get("gss_code", ""),
                "latitude": row["latitude"],
                "longitude": row["longitude"],
            }
            place = Place.objects.filter(slug=row["slug"]).first()
            if place is None:
                place_create(slug=row["slug"], parent=parent, **fields)
                self.log(f"Added place {row['name']}")
                continue
            Place.objects.filter(pk=place.pk).update(**fields)
            current_parent = Place.objects.get_parent(place)
            if parent and (current_parent is None or current_parent.pk != parent.pk):
                Place.objects.move(place, Place.objects.get(pk=parent.pk), "sorted-child")
            elif parent is None and current_parent is not None:
                Place.objects.move(place, Place.objects.get_first_root_node(), "sorted-sibling")
        return len(rows)

    def load_themes(self, rows):
        for row in rows:
            Theme.objects.update_or_create(
                slug=row["slug"],
                defaults={
                    "name": row["name"],
                    "description": row.get("description", ""),
                    "parent": Theme.objects.get(slug=row["parent"]) if row.get("parent") else None,
                },
            )
        return len(rows)

    def load_organisations(self, rows):
        for row in rows:
            organisation, _ = Organisation.objects.update_or_create(
                slug=row["slug"],
                defaults={
                    "name": row["name"],
                    "kind": row["kind"],
                    "website": row.get("website", ""),
                    "description": row.get("description", ""),
                },
            )
            organisation.places.set(Place.objects.filter(slug__in=row.get("places", [])))
        return len(rows)

    def load_initiatives(self, rows, documents):
        places = {p.slug: p for p in Place.objects.all()}
        themes = {t.slug: t for t in Theme.objects.all()}
        organisations = {o.slug: o for o in Organisation.objects.all()}
        for row in rows:
            row_places = [places[slug] for slug in row["places"]]
            row_themes = [themes[slug] for slug in row["themes"]]
            row_orgs = [(organisations[o["slug"]], o["role"]) for o in row.get("organisations", [])]
            fields = {name: row.get(name, "") for name in INITIATIVE_FIELDS}
            fields.update(
                activity_status=row["status"],
                start_date=_date(row.get("start_date")),
                end_date=_date(row.get("end_date")),
                latitude=row.get("latitude"),
                longitude=row.get("longitude"),
            )
            initiative = Initiative.objects.filter(slug=row["slug"]).first()
            if initiative is None:
                initiative = initiative_create(
                    title=row["title"],
                    slug=row["slug"],
                    places=row_places,
                    themes=row_themes,
                    organisations=row_orgs,
                    moderation_state=Initiative.State.PUBLISHED,
                    **fields,
                )
                self.log(f"Added initiative {row['title']}")
            else:
                for name, value in fields.items():
                    setattr(initiative, name, value)
                initiative.title = row["title"]
                initiative.location_is_place_centre = initiative.latitude is None
                initiative_locate(initiative, row_places[0])
                initiative.full_clean()
                initiative.save()
                initiative_set_places(initiative, row_places)
                initiative.themes.set(row_themes)
                initiative_set_organisations(initiative, row_orgs)
            self.load_sources(initiative, row["sources"], documents)
        return len(rows)

    def load_sources(self, initiative, sources, documents):
        for position, source in enumerate(sources):
            document = documents[source["document"]]
            InitiativeSource.objects.update_or_create(
                initiative=initiative,
                position=position,
                defaults={
                    "title": document["title"],
                    "url": document.get("url", ""),
                    "publisher": document.get("publisher", ""),
                    "author": document.get("author", ""),
                    "published_on": _date(document.get("published_on")),
                    "reference": document["file"],
                    "quote": source.get("quote", ""),
                },
            )
        initiative.sources.filter(position__gte=len(sources)).delete()
