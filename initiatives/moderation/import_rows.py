"""Reading an import file: the file read as CSV, and each row
checked against the themes, places and organisations fetched once for the
whole file, with every problem found (moderation.importing writes what
passes).
"""

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from communities.models import Organisation, Place
from initiatives.models import (
    ActivityStatus,
    Initiative,
    InitiativeOrganisation,
    InitiativeSource,
    Theme,
)
from initiatives.moderation.import_columns import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    MAX_TEXT_LENGTH,
    REQUIRED_COLUMNS,
)

# The fields of Initiative that come straight from a column.
_TEXT_FIELDS = ("title", "summary", "description", "how_to_adapt", "website")
_SEPARATOR = ";"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ImportFileError(Exception):
    """The file as a whole cannot be read: nothing in it was looked at row by row."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class RowResult:
    """One data row of the file and what became, or would become, of it."""

    number: int  # As a spreadsheet numbers it: the header is row 1.
    external_id: str
    title: str
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    existing: Initiative | None = None  # Imported before: left unchanged.
    created: Initiative | None = None
    data: dict = field(default_factory=dict, repr=False)

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        if self.existing is not None:
            return "unchanged"
        return "created" if self.created is not None else "new"

    def add_error(self, column: str, message: str) -> None:
        self.errors.append((column, message))


def read_csv(file: IO[bytes]) -> tuple[list[str], list[tuple[int, list[str]]], int]:
    """The header (normalised column names), the data rows as (row number,
    values), and how many blank rows were left out."""
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)s MB: split it into smaller files.")
            % {"size": MAX_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if b"\x00" in data:
        # Spreadsheets (.xlsx, .ods) are zip files; no text file holds NUL
        # bytes, and PostgreSQL cannot store them.
        raise ImportFileError(
            _(
                "This is not a CSV file: it looks like a spreadsheet or another kind of file. "
                "In your spreadsheet, save it as “CSV UTF-8 (comma delimited)”."
            )
        )
    try:
        text = data.decode("utf-8-sig")  # Excel writes a byte order mark: it is dropped.
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _(
                "The file is not in UTF-8 (the problem is at byte %(position)s). In your "
                "spreadsheet, save it as “CSV UTF-8 (comma delimited)”."
            )
            % {"position": error.start + 1}
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        header = [name.strip().lower() for name in header]
        _check_header(header)
        records, blank_rows = [], 0
        for number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                blank_rows += 1
                continue
            if len(records) == MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(max)s rows: split it into smaller files.")
                    % {"max": f"{MAX_ROWS:,}"}
                )
            records.append((number, values))
    except csv.Error as error:
        raise ImportFileError(
            _("The file cannot be read as CSV near line %(line)s: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from error
    if not records:
        raise ImportFileError(_("The file has a header row but no rows of initiatives."))
    return header, records, blank_rows


def _check_header(header: list[str]) -> None:
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append(
            _("The header row lacks required columns: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    # Spreadsheets may add columns without a name: they are ignored if empty.
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        problems.append(
            _("The header row has columns we do not know: %(columns)s.")
            % {"columns": ", ".join(f"“{name}”" for name in unknown)}
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        problems.append(
            _("The header row names these columns more than once: %(columns)s.")
            % {"columns": ", ".join(repeated)}
        )
    if problems:
        if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
            problems.append(
                _("The columns seem to be separated by semicolons or tabs: use commas.")
            )
        problems.append(_("The columns are: %(columns)s.") % {"columns": ", ".join(COLUMNS)})
        raise ImportFileError(" ".join(problems))


def check_rows(header: list[str], records: list[tuple[int, list[str]]]) -> list[RowResult]:
    """Check every row, with the lookups for the whole file done at once."""
    rows = [dict(zip(header, values, strict=False)) for _number, values in records]
    lookups = _Lookups(rows)
    seen: dict[str, int] = {}
    results = []
    for (number, values), raw in zip(records, rows, strict=True):
        raw = {name: raw.get(name, "") for name in COLUMNS}
        result = RowResult(
            number=number,
            external_id=raw["external_id"].strip(),
            title=" ".join(raw["title"].split()),
        )
        results.append(result)
        if len(values) != len(header):
            result.add_error(
                "",
                _("This row has %(values)s values where the header has %(columns)s columns.")
                % {"values": len(values), "columns": len(header)},
            )
        if any(value.strip() for name, value in zip(header, values, strict=False) if not name):
            result.add_error("", _("This row has a value in a column without a name."))
        external_id = result.external_id
        if not external_id:
            result.add_error("external_id", _("Give every row an external_id."))
        elif len(external_id) > Initiative._meta.get_field("external_id").max_length:
            result.add_error("external_id", _("Keep the external_id to 100 characters."))
        elif external_id in seen:
            result.add_error(
                "external_id",
                _("“%(id)s” is also the external_id of row %(row)s.")
                % {"id": external_id, "row": seen[external_id]},
            )
        else:
            seen[external_id] = number
            result.existing = lookups.existing.get(external_id)
        if result.existing is None:  # Imported before: what the row holds now is not used.
            result.data = _check_row(raw, result, lookups)
        result.errors.sort(key=lambda e: COLUMNS.index(e[0]) if e[0] in COLUMNS else -1)
    return results


class _Lookups:
    """The themes, places, organisations and imported initiatives that the
    rows name, each fetched in one query (a few for very long files)."""

    def __init__(self, rows: list[dict]):
        def named(column):
            return {item for row in rows for item in _split(row.get(column, ""))}

        organisations = {item.partition(":")[0].strip() for item in named("organisations")}
        self.themes = _by(Theme.objects.all(), "slug", named("themes"))
        self.places = _by(Place.objects.all(), "slug", named("places"))
        self.organisations = _by(Organisation.objects.all(), "slug", organisations)
        ids = {(row.get("external_id") or "").strip() for row in rows} - {""}
        self.existing = _by(
            Initiative.objects.only("pk", "title", "slug", "external_id"), "external_id", ids
        )


def _by(queryset, name: str, values: set[str]) -> dict:
    # In chunks: SQLite limits the number of parameters of one query.
    values, found = sorted(values), {}
    for start in range(0, len(values), 900):
        chunk = values[start : start + 900]
        found.update((getattr(o, name), o) for o in queryset.filter(**{f"{name}__in": chunk}))
    return found


def _split(text: str) -> list[str]:
    """The items of a `;`-separated cell, stripped and in lower case (they are
    slugs and roles), each once, in order."""
    items = (item.strip().lower() for item in (text or "").split(_SEPARATOR))
    return list(dict.fromkeys(item for item in items if item))


def _check_row(raw: dict, result: RowResult, lookups: _Lookups) -> dict:
    """The row as arguments for initiative_create, with each problem added to `result`."""
    error = result.add_error
    fields = {"external_id": result.external_id, "title": result.title}
    required = {
        "title": _("Give every row a title."),
        "summary": _("Give every row a summary."),
        "description": _("Give every row a description."),
    }
    for name in ("summary", "website"):
        fields[name] = " ".join(raw[name].split())
    for name in ("description", "how_to_adapt"):
        fields[name] = raw[name].replace("\r\n", "\n").strip()
        if len(fields[name]) > MAX_TEXT_LENGTH:
            error(name, _("Keep this to %(max)s characters.") % {"max": f"{MAX_TEXT_LENGTH:,}"})

    themes = []
    for slug in _split(raw["themes"]):
        if slug in lookups.themes:
            themes.append(lookups.themes[slug])
        else:
            error("themes", _("There is no theme with the slug “%(slug)s”.") % {"slug": slug})
    if not _split(raw["themes"]):
        error("themes", _("Give at least one theme."))

    places = []
    for slug in _split(raw["places"]):
        if slug in lookups.places:
            places.append(lookups.places[slug])
        else:
            error("places", _("There is no place with the slug “%(slug)s”.") % {"slug": slug})
    if not _split(raw["places"]):
        error("places", _("Give at least one place; the first is the primary place."))

    organisations = []
    roles = InitiativeOrganisation.Role
    for item in _split(raw["organisations"]):
        slug, _colon, role = (part.strip() for part in item.partition(":"))
        role = role.lower() or roles.LEAD
        organisation = lookups.organisations.get(slug)
        if organisation is None:
            error(
                "organisations",
                _("There is no organisation with the slug “%(slug)s”.") % {"slug": slug},
            )
        if role not in roles.values:
            error(
                "organisations",
                _("“%(role)s” is not a role: use one of %(roles)s.")
                % {"role": role, "roles": ", ".join(roles.values)},
            )
        elif organisation is not None:
            organisations.append((organisation, role))

    fields["activity_status"] = _activity_status(raw["activity_status"], error)
    for name in ("start_date", "end_date"):
        fields[name] = _date(raw[name], name, error)
    if fields["start_date"] and fields["end_date"] and fields["end_date"] < fields["start_date"]:
        error("end_date", _("The end date is before the start date."))
    fields.update(_location(raw, error))

    blank = {name for name in required if not fields[name]}
    for name in blank:
        error(name, required[name])
    initiative = Initiative(**fields)
    try:
        initiative.clean_fields(exclude=_unchecked_fields() | blank)
    except ValidationError as invalid:
        for name, messages in invalid.message_dict.items():
            for message in messages:
                error(name, message)
    source = _source(raw, error)
    return {
        "fields": fields,
        "themes": themes,
        "places": places,
        "organisations": organisations,
        "source": source,
    }


def _unchecked_fields() -> set[str]:
    """The fields of Initiative that no column sets (the slug is made on creation)."""
    columns = {*_TEXT_FIELDS, "external_id", "activity_status", "start_date", "end_date"}
    columns |= {"latitude", "longitude"}
    return {f.name for f in Initiative._meta.concrete_fields} - columns


def _activity_status(text: str, error) -> str:
    text = text.strip().lower()
    if not text:
        return ActivityStatus.ACTIVE
    for value, label in ActivityStatus.choices:
        if text in (value, str(label).lower()):
            return value
    error(
        "activity_status",
        _("“%(value)s” is not an activity status: use one of %(values)s.")
        % {"value": text, "values": ", ".join(ActivityStatus.values)},
    )
    return ActivityStatus.ACTIVE


def _date(text: str, column: str, error) -> date | None:
    text = text.strip()
    if not text:
        return None
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    error(column, _("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": text})
    return None


def _location(raw: dict, error) -> dict:
    """Latitude and longitude: both or neither, as decimal degrees."""
    location = {}
    for name, limit in (("latitude", 90), ("longitude", 180)):
        text = raw[name].strip()
        location[name] = None
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            error(
                name,
                _("“%(value)s” is not a number: write decimal degrees such as -2.5879.")
                % {"value": text},
            )
            continue
        if not math.isfinite(value) or not -limit <= value <= limit:
            error(
                name,
                _("It must be between -%(limit)s and %(limit)s.") % {"limit": limit},
            )
            continue
        location[name] = value
    given = [bool(raw[name].strip()) for name in ("latitude", "longitude")]
    if any(given) and not all(given):
        error(
            "longitude" if given[0] else "latitude",
            _("Give both the latitude and the longitude, or neither."),
        )
    return location


def _source(raw: dict, error) -> dict | None:
    title = " ".join(raw["source_title"].split())
    url = raw["source_url"].strip()
    if not title and not url:
        return None
    source = InitiativeSource(title=title or url, url=url)
    try:
        source.clean_fields(exclude={"initiative", "position", "published_on"})
    except ValidationError as invalid:
        for name, messages in invalid.message_dict.items():
            for message in messages:
                error("source_url" if name == "url" else "source_title", message)
    return {"title": source.title, "url": source.url}
