"""The counts the public pages show, kept up to date as initiatives change.

Counting the published initiatives under a place, with a theme or in view on
the map means reading every one of them, which costs ten times as much with
ten times the initiatives. Instead every change to an initiative (its
moderation state, activity status, location, places, themes, organisations)
updates a few rows of counts in the same transaction, and a page reads the
counts it needs from an index:

- `Tally`: for each place (with everything under it), theme (with its
  sub-themes) and activity status, each also "any", and for each
  organisation, how many published initiatives are there;
- `MapCell`: for each cell of grids of 360 / 2**level degrees, how many
  published initiatives are in it and the sums of their coordinates (the
  map's clusters and the home page's dot map).

What each published initiative adds is stored with it (`TallyMark`), so
refresh(ids) takes away what was there and adds what is there now: calling
it twice, or after any sequence of changes, gives the same counts. The
signals (signals.py) call it for changes made through save() and delete();
writes in bulk call it themselves. rebuild() starts again from nothing.

Filters the counts do not cover (a search, a distance, an organisation,
several themes at once) are counted from the rows as before.
"""

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Q, Sum

from communities.models import Place
from initiatives import public
from initiatives.models import (
    Initiative,
    InitiativeOrganisation,
    InitiativePlace,
    MapCell,
    Tally,
    TallyMark,
)

# Grids from the whole world (level 0) down to cells of about 2.4 km (level
# 14, what the map clusters on at zoom 12). Finer views are counted from the
# rows: they hold few initiatives.
GRID_LEVELS = range(15)
BATCH = 2000
UPSERT_BATCH = 500

ANY_PLACE, ANY_THEME, ANY_STATUS, ANY_ORGANISATION = "", 0, "", 0

# Parameters of the public filters that choose no initiatives by themselves:
# the order, and a radius without a place to measure it from.
NOT_FILTERS = {"sort", "radius_km"}


def cell_size(level: int) -> float:
    return 360 / 2**level


def grid_cell(latitude: float, longitude: float, level: int) -> tuple[int, int]:
    """The (y, x) of the cell holding the point: the same arithmetic as the
    SQL that clusters rows (geo._clusters)."""
    size = cell_size(level)
    return math.floor(latitude / size), math.floor(longitude / size)


# Keeping the counts.


def _ancestry(path: str) -> list[str]:
    """A place's path and the paths of every place above it."""
    step = Place.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def _signatures(ids: list[int]) -> dict[int, str]:
    """{id: what the initiative adds to the counts now} for those of `ids`
    that are published, as stable text."""
    found = {}
    for pk, status, latitude, longitude in (
        public.published_initiatives()
        .filter(pk__in=ids)
        .values_list("pk", "activity_status", "latitude", "longitude")
    ):
        located = latitude is not None and longitude is not None
        found[pk] = {
            "s": status,
            "p": set(),
            "t": set(),
            "o": set(),
            "g": [latitude, longitude] if located else None,
        }
    if not found:
        return {}
    for pk, path in InitiativePlace.objects.filter(initiative_id__in=found).values_list(
        "initiative_id", "place__path"
    ):
        found[pk]["p"].update(_ancestry(path))
    for pk, theme, parent in Initiative.themes.through.objects.filter(
        initiative_id__in=found
    ).values_list("initiative_id", "theme_id", "theme__parent_id"):
        found[pk]["t"].update(t for t in (theme, parent) if t)
    for pk, organisation in InitiativeOrganisation.objects.filter(
        initiative_id__in=found
    ).values_list("initiative_id", "organisation_id"):
        found[pk]["o"].add(organisation)
    for data in found.values():
        for key in ("p", "t", "o"):
            data[key] = sorted(data[key])
    return {
        pk: json.dumps(data, separators=(",", ":"), sort_keys=True) for pk, data in found.items()
    }


def _add(signature: str, sign: int, tallies: Counter, cells: defaultdict) -> None:
    """Add (sign 1) or take away (sign -1) what `signature` counts."""
    data = json.loads(signature)
    paths = [ANY_PLACE, *data["p"]]
    themes = [ANY_THEME, *data["t"]]
    statuses = [ANY_STATUS, data["s"]]
    for path in paths:
        for theme in themes:
            for status in statuses:
                tallies[(path, theme, status, ANY_ORGANISATION)] += sign
    for organisation in data["o"]:
        tallies[(ANY_PLACE, ANY_THEME, ANY_STATUS, organisation)] += sign
    if data["g"]:
        latitude, longitude = data["g"]
        for level in GRID_LEVELS:
            cell = cells[(level, *grid_cell(latitude, longitude, level))]
            cell[0] += sign
            cell[1] += sign * latitude
            cell[2] += sign * longitude


def _upsert(model, keys: list[str], fixed: list[str], values: list[str], rows: list[tuple]):
    """Add `rows` (keys, then fixed columns, then values) to the model's rows
    with the same keys, creating those that do not exist (with the fixed
    columns, which follow from the keys): one statement per batch, on
    PostgreSQL and SQLite alike."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(c) for c in keys + fixed + values)
    conflict = ", ".join(quote(c) for c in keys)
    sets = ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in values)
    row = "(" + ", ".join(["%s"] * (len(keys) + len(fixed) + len(values))) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_BATCH):
            batch = rows[start : start + UPSERT_BATCH]
            cursor.execute(
                # Names from the model's own meta; the values are parameters.
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(batch))} "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}",
                [value for item in batch for value in item],
            )


def _apply(tallies: Counter, cells: defaultdict) -> None:
    tally_rows = sorted(
        (path, theme, status, organisation, len(path) // Place.steplen, n)
        for (path, theme, status, organisation), n in tallies.items()
        if n
    )
    _upsert(
        Tally,
        ["place_path", "theme_id", "status", "organisation_id"],
        ["place_depth"],
        ["n"],
        tally_rows,
    )
    # A move within a cell changes its sums, not its count.
    cell_rows = sorted((*key, *value) for key, value in cells.items() if any(value))
    _upsert(MapCell, ["level", "y", "x"], [], ["n", "latitude_sum", "longitude_sum"], cell_rows)


def refresh(ids: Iterable[int]) -> None:
    """Bring the counts up to date for these initiatives, whatever changed
    about them (or whether they still exist)."""
    ids = sorted({int(pk) for pk in ids})
    if not ids:
        return
    with transaction.atomic():
        tallies, cells = Counter(), defaultdict(lambda: [0, 0.0, 0.0])
        changed, gone = [], []
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            # Two refreshes of one initiative at once would both add it:
            # the second waits for the first to commit.
            list(Initiative.objects.select_for_update().filter(pk__in=chunk).values_list("pk"))
            before = dict(
                TallyMark.objects.select_for_update()
                .filter(initiative_id__in=chunk)
                .values_list("initiative_id", "signature")
            )
            now = _signatures(chunk)
            for pk in chunk:
                old, new = before.get(pk), now.get(pk)
                if old == new:
                    continue
                if old:
                    _add(old, -1, tallies, cells)
                if new:
                    _add(new, 1, tallies, cells)
                    changed.append(TallyMark(initiative_id=pk, signature=new))
                else:
                    gone.append(pk)
        if not (changed or gone):
            return
        _apply(tallies, cells)
        for start in range(0, len(gone), BATCH):
            TallyMark.objects.filter(initiative_id__in=gone[start : start + BATCH]).delete()
        TallyMark.objects.bulk_create(
            changed,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["initiative_id"],
            update_fields=["signature"],
        )


def rebuild() -> None:
    """Count everything again from the initiatives themselves."""
    with transaction.atomic():
        for model in (Tally, MapCell, TallyMark):
            model.objects.all().delete()
        refresh(public.published_initiatives().values_list("pk", flat=True))


# Reading the counts.


def covers(data: dict) -> bool:
    """Whether the counts answer for these cleaned filters: a place, one
    theme and an activity status, in any combination."""
    used = {name for name, value in data.items() if value not in (None, "", [])}
    return used - NOT_FILTERS <= {"place", "theme", "status"} and len(data.get("theme") or []) <= 1


def count_for(data: dict) -> int | None:
    """How many published initiatives these cleaned filters give, when the
    counts cover them (see covers()); otherwise None."""
    if not covers(data):
        return None
    theme = (data.get("theme") or [None])[0]
    return count(data.get("place"), theme, data.get("status") or "")


def _cells(place=None, theme=None, status=""):
    return Tally.objects.filter(
        organisation_id=ANY_ORGANISATION, status=status or ANY_STATUS, n__gt=0
    ).filter(
        **({} if place is ... else {"place_path": place.path if place else ANY_PLACE}),
        **({} if theme is ... else {"theme_id": theme.pk if theme else ANY_THEME}),
    )


def count(place=None, theme=None, status="") -> int:
    """How many published initiatives serve `place` (or anywhere under it),
    have `theme` (or one of its sub-themes) and `status`; None is any."""
    return _cells(place, theme, status).aggregate(n=Sum("n"))["n"] or 0


def theme_counts(place=None, status="") -> dict[int, int]:
    """{theme id: the count with that theme}, for every theme with any."""
    rows = _cells(place, ..., status).exclude(theme_id=ANY_THEME)
    return dict(rows.values_list("theme_id", "n"))


def place_counts(below=None, theme=None, status="", *, top_depth) -> dict[str, int]:
    """{path: the count there} for the places one level below `below`, as
    InitiativeQuerySet.counts_below gives them; without `below`, the places
    at `top_depth` and any leaf place above that level."""
    rows = _cells(..., theme, status)
    if below is None:
        leaves = Place.objects.filter(depth__lt=top_depth, numchild=0).values("path")
        rows = rows.filter(Q(place_depth=top_depth) | Q(place_path__in=leaves))
    else:
        rows = rows.filter(place_depth=below.depth + 1, place_path__startswith=below.path)
    return dict(rows.values_list("place_path", "n"))


def counts_by_place() -> dict[str, int]:
    """{path: the count there} for every place with any."""
    return dict(_cells(...).exclude(place_path=ANY_PLACE).values_list("place_path", "n"))


def organisation_counts(ids) -> dict[int, int]:
    """{organisation id: how many published initiatives name it}, for `ids`."""
    rows = Tally.objects.filter(n__gt=0, organisation_id__in=ids).exclude(
        organisation_id=ANY_ORGANISATION  # what the index holds
    )
    return dict(rows.values_list("organisation_id", "n"))


def organisations_involved() -> int:
    return Tally.objects.filter(n__gt=0).exclude(organisation_id=ANY_ORGANISATION).count()


def count_in_view(level: int, bbox) -> int:
    """How many published initiatives with a location are in the cells of
    the grid at `level` that touch `bbox`: those in it, and any beside it
    in the cells on its edges."""
    west, south, east, north = bbox
    south_y, west_x = grid_cell(south, west, level)
    north_y, east_x = grid_cell(north, east, level)
    cells = MapCell.objects.filter(
        level=level, y__range=(south_y, north_y), x__range=(west_x, east_x)
    )
    return cells.aggregate(n=Sum("n"))["n"] or 0


def map_cells(level: int, bbox=None):
    """(y, x, count, mean latitude, mean longitude) for the grid's occupied
    cells at `level` that overlap `bbox` (west, south, east, north)."""
    rows = MapCell.objects.filter(level=level, n__gt=0)
    if bbox is not None:
        west, south, east, north = bbox
        south_y, west_x = grid_cell(south, west, level)
        north_y, east_x = grid_cell(north, east, level)
        rows = rows.filter(y__range=(south_y, north_y), x__range=(west_x, east_x))
    return [
        (y, x, n, lat_sum / n, lng_sum / n)
        for y, x, n, lat_sum, lng_sum in rows.order_by("y", "x").values_list(
            "y", "x", "n", "latitude_sum", "longitude_sum"
        )
    ]
