"""Importing initiatives from a CSV file: the report of what became of each row, and the writes.

Every row is checked before anything is written, against the themes, places
and organisations fetched once for the whole file. A check (dry run) stops
there; an import then creates the new rows in one transaction, or nothing at
all if any row has a problem. A row whose external_id is already on an
initiative was imported before: it is left as it is, so importing the same
file twice changes nothing. The file is read and its rows checked in
moderation.import_rows.
"""

import operator
from dataclasses import dataclass
from functools import reduce
from typing import IO

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from communities.slugs import RESERVED
from initiatives.catalogue import services as catalogue_services
from initiatives.catalogue.search import refresh_search_vectors
from initiatives.catalogue.signals import changed
from initiatives.models import (
    Initiative,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeSource,
)
from initiatives.moderation import states
from initiatives.moderation.import_rows import ImportFileError, RowResult, check_rows, read_csv


@dataclass
class ImportReport:
    rows: list[RowResult]
    state: str
    dry_run: bool
    blank_rows: int = 0

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    @property
    def error_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def written(self) -> bool:
        return any(row.created is not None for row in self.rows)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def new_count(self) -> int:
        return self.count("new")

    @property
    def created_count(self) -> int:
        return self.count("created")

    @property
    def unchanged_count(self) -> int:
        return self.count("unchanged")

    @property
    def error_count(self) -> int:
        return len(self.error_rows)


def import_initiatives(file: IO[bytes], *, state: str, dry_run: bool, user=None) -> ImportReport:
    """Check every row of the CSV `file`; unless `dry_run`, create the new
    ones in `state` (pending or published) if no row has a problem, recorded
    in their change history as imported by `user`.

    Raises ImportFileError when the file cannot be read as our CSV.
    """
    if state not in (Initiative.State.PENDING, Initiative.State.PUBLISHED):
        raise ValueError(f"Imported initiatives are pending or published, not {state!r}.")
    header, records, blank_rows = read_csv(file)
    report = ImportReport(rows=check_rows(header, records), state=state, dry_run=dry_run)
    report.blank_rows = blank_rows
    if not dry_run and not report.has_errors:
        _create(report, user)
    return report


def _create(report: ImportReport, user) -> None:
    """Create the new rows, all in one transaction.

    In bulk rather than through catalogue_services.initiative_create(), which takes
    some 40 queries a row: 5,000 rows would outlast any web request. The
    rules it applies are applied here from the same places: the state
    machine's moves, the pin at the primary place's centre, the change
    history and the search vectors; the checks above stand for its
    full_clean().
    """
    rows = [row for row in report.rows if row.status == "new"]
    initiatives = []
    for row, slug in zip(rows, _unique_slugs([r.title for r in rows]), strict=True):
        data = row.data
        initiative = Initiative(slug=slug, **data["fields"])
        initiative.location_is_place_centre = initiative.latitude is None
        catalogue_services.initiative_locate(initiative, data["places"][0])
        states.move(initiative, Initiative.State.PENDING)
        if report.state == Initiative.State.PUBLISHED:
            states.move(initiative, Initiative.State.PUBLISHED)
        initiatives.append(initiative)
    try:
        with transaction.atomic():
            initiatives = bulk_create_with_history(
                initiatives,
                Initiative,
                batch_size=500,
                default_user=user,
                default_change_reason=_("Imported from a CSV file"),
            )
            _create_links(rows, initiatives)
            # Bulk writes send no signals: say what changed.
            ids = [initiative.pk for initiative in initiatives]
            refresh_search_vectors(ids)
            changed(ids)
    except IntegrityError as error:
        # Only another import or edit saving the same external_id or slug
        # between the checks and now can get here: say so, rather than fail.
        raise ImportFileError(
            _(
                "Some of these initiatives were saved by someone else at the same moment. "
                "Check the file again."
            )
        ) from error
    for row, initiative in zip(rows, initiatives, strict=True):
        row.created = initiative


def _create_links(rows: list[RowResult], initiatives: list[Initiative]) -> None:
    """The places (the first primary), themes, organisations and source of each row."""
    places, themes, organisations, sources = [], [], [], []
    for row, initiative in zip(rows, initiatives, strict=True):
        data = row.data
        places += [
            InitiativePlace(initiative=initiative, place=place, is_primary=position == 0)
            for position, place in enumerate(data["places"])
        ]
        themes += [
            Initiative.themes.through(initiative=initiative, theme=theme)
            for theme in data["themes"]
        ]
        organisations += [
            InitiativeOrganisation(initiative=initiative, organisation=organisation, role=role)
            for organisation, role in dict.fromkeys(data["organisations"])
        ]
        if data["source"]:
            sources.append(InitiativeSource(initiative=initiative, **data["source"]))
    InitiativePlace.objects.bulk_create(places, batch_size=500)
    Initiative.themes.through.objects.bulk_create(themes, batch_size=500)
    InitiativeOrganisation.objects.bulk_create(organisations, batch_size=500)
    InitiativeSource.objects.bulk_create(sources, batch_size=500)


def _unique_slugs(titles: list[str]) -> list[str]:
    """A slug for each title, unique among initiatives and among these titles,
    made as communities.slugs.unique_slug() makes one ("newport-2"), with the
    slugs already taken fetched in a few queries rather than one a title."""
    max_length = Initiative._meta.get_field("slug").max_length
    bases = [slugify(title)[:max_length].strip("-") or "item" for title in titles]
    distinct = sorted(set(bases))
    taken = set(RESERVED)
    for start in range(0, len(distinct), 100):
        starts = [Q(slug__startswith=base) for base in distinct[start : start + 100]]
        taken.update(
            Initiative.objects.filter(reduce(operator.or_, starts)).values_list("slug", flat=True)
        )
    slugs = []
    for base in bases:
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            suffix = f"-{n}"
            candidate = f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}"
        taken.add(candidate)
        slugs.append(candidate)
    return slugs
