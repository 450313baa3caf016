"""Load the demo data: the places, organisations, themes and initiatives named
in the documents the platform grew from, each initiative citing its document.

Idempotent: every row is found by its slug and brought up to date, and only
what differs is written, so a second run writes no row at all (no history
rows, no recounts).
"""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from communities.models import Organisation, Place
from communities.services import place_create
from initiatives.catalogue.services import (
    initiative_create,
    initiative_locate,
    initiative_set_organisations,
    initiative_set_places,
)
from initiatives.models import Initiative, InitiativeSource, Theme

DEMO_DATA = Path(__file__).resolve().parents[2] / "demo_data.json"
INITIATIVE_FIELDS = ("summary", "description", "how_to_adapt", "website", "featured")


class DryRun(Exception):
    pass


def _date(value):
    return date.fromisoformat(value) if value else None


def _save_changed(obj, fields) -> bool:
    """Set `fields` on `obj` and save it only if one of them differs."""
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, fields[name])
    if changed:
        obj.full_clean()
        obj.save()
    return bool(changed)


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
            if any(getattr(place, name) != value for name, value in fields.items()):
                Place.objects.filter(pk=place.pk).update(**fields)
            current_parent = Place.objects.get_parent(place)
            if parent and (current_parent is None or current_parent.pk != parent.pk):
                Place.objects.move(place, Place.objects.get(pk=parent.pk), "sorted-child")
            elif parent is None and current_parent is not None:
                Place.objects.move(place, Place.objects.get_first_root_node(), "sorted-sibling")
        return len(rows)

    def load_themes(self, rows):
        for row in rows:
            fields = {
                "name": row["name"],
                "description": row.get("description", ""),
                "parent": Theme.objects.get(slug=row["parent"]) if row.get("parent") else None,
            }
            theme = Theme.objects.filter(slug=row["slug"]).first()
            if theme is None:
                Theme.objects.create(slug=row["slug"], **fields)
            else:
                _save_changed(theme, fields)
        return len(rows)

    def load_organisations(self, rows):
        for row in rows:
            fields = {
                "name": row["name"],
                "kind": row["kind"],
                "website": row.get("website", ""),
                "description": row.get("description", ""),
            }
            organisation = Organisation.objects.filter(slug=row["slug"]).first()
            if organisation is None:
                organisation = Organisation.objects.create(slug=row["slug"], **fields)
            else:
                _save_changed(organisation, fields)
            # set() writes only the links that differ.
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
                self.update_initiative(initiative, row["title"], fields, row_places)
                if self.served(initiative) != self.served_wanted(row_places):
                    initiative_set_places(initiative, row_places)
                initiative.themes.set(row_themes)
                wanted = {(org.pk, role) for org, role in row_orgs}
                if set(initiative.initiative_organisations.values_list("organisation", "role")) != (
                    wanted
                ):
                    initiative_set_organisations(initiative, row_orgs)
            self.load_sources(initiative, row["sources"], documents)
        return len(rows)

    @staticmethod
    def update_initiative(initiative, title, fields, places):
        """Bring an initiative up to date, saving it (and so writing its
        history) only when something differs."""
        located = Initiative(**fields)
        located.location_is_place_centre = located.latitude is None
        initiative_locate(located, places[0])
        fields = {
            **fields,
            "title": title,
            "location_is_place_centre": located.location_is_place_centre,
            "latitude": located.latitude,
            "longitude": located.longitude,
        }
        _save_changed(initiative, fields)

    @staticmethod
    def served(initiative):
        """The places an initiative serves, its primary place first."""
        links = initiative.initiative_places.order_by("-is_primary", "place_id")
        primary, *others = links.values_list("place_id", flat=True) or [None]
        return [primary, *sorted(others)]

    @staticmethod
    def served_wanted(places):
        return [places[0].pk, *sorted({p.pk for p in places[1:]} - {places[0].pk})]

    def load_sources(self, initiative, sources, documents):
        existing = {source.position: source for source in initiative.sources.all()}
        for position, source in enumerate(sources):
            document = documents[source["document"]]
            fields = {
                "title": document["title"],
                "url": document.get("url", ""),
                "publisher": document.get("publisher", ""),
                "author": document.get("author", ""),
                "published_on": _date(document.get("published_on")),
                "reference": document["file"],
                "quote": source.get("quote", ""),
            }
            if position in existing:
                _save_changed(existing[position], fields)
            else:
                InitiativeSource.objects.create(initiative=initiative, position=position, **fields)
        if any(position >= len(sources) for position in existing):
            initiative.sources.filter(position__gte=len(sources)).delete()
