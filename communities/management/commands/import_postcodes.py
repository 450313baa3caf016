"""Import the ONS Postcode Directory (ONSPD) CSV: live postcodes, where they
are, their GSS codes and their deprivation rank.

The file (about 2.7 million rows, 1.4 GB) is read as a stream, a batch at a
time, so memory stays the same whatever its size. Each batch is one upsert:
running the import again updates rows rather than adding them, and `--replace`
then deletes the postcodes the file no longer holds (terminated since the last
release). The README says where to download the file.
"""

import csv
import re
import time
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from communities import deprivation
from communities.models import Postcode
from communities.postcodes import normalise, outward_and_sector

BATCH = 5000
PROGRESS_EVERY = 100_000
# ONSPD writes this latitude (and 0.000000 longitude) where a postcode has no
# grid reference.
NO_COORDINATE = 99.999999
# ONSPD's "none" for a geography: the nation's letter and eight nines
# (E99999999, W99999999, S99999999, N99999999, L99999999, M99999999).
PSEUDO_CODE = re.compile(r"[A-Z]9{8}")

# Model field ← the ONSPD columns that may hold it, in order of preference:
# the classic layout (2011–2024) says oscty, oslaua and osward; the layout of
# late 2024 onwards says cty, laua and ward and has no parish.
CODE_COLUMNS = {
    "county_code": ("oscty", "cty"),
    "local_authority_code": ("oslaua", "laua"),
    "ward_code": ("osward", "ward"),
    "parish_code": ("parish",),
    "region_code": ("rgn",),
    "country_code": ("ctry",),
}
REQUIRED = ("pcds", "doterm", "lat", "long", "imd")
OPTIONAL = {"parish_code"}
UPDATE_FIELDS = [
    "outward",
    "sector",
    "latitude",
    "longitude",
    *CODE_COLUMNS,
    "imd_rank",
    "imported_at",
]

SKIP_REASONS = {
    "terminated": "terminated (doterm set)",
    "no_coordinates": "no coordinates (99.999999)",
    "malformed": "not a postcode",
    "duplicate": "repeated in the file",
}


def columns_for(header: list[str]) -> dict[str, str | None]:
    """Model field → the file's column for it; CommandError naming what is missing."""
    present = {name.strip().lower(): name for name in header}
    missing = [name for name in REQUIRED if name not in present]
    chosen = {}
    for field, names in CODE_COLUMNS.items():
        column = next((present[n] for n in names if n in present), None)
        if column is None and field not in OPTIONAL:
            missing.append(" or ".join(names))
        chosen[field] = column
    if missing:
        raise CommandError(
            "This is not an ONSPD file: it has no column "
            + ", ".join(missing)
            + ". Use the CSV in the Data folder of the ONSPD zip (ONSPD_<MON>_<YEAR>_UK.csv)."
        )
    return {**{name: present[name] for name in REQUIRED}, **chosen}


def code(value: str | None) -> str:
    value = (value or "").strip().upper()
    return "" if PSEUDO_CODE.fullmatch(value) else value[:9]


def rank(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def read(path: Path, stamp):
    """(skip reason or None, Postcode or None) for each row of the file, as a stream."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    with handle:
        reader = csv.DictReader(handle)
        columns = columns_for(reader.fieldnames or [])
        for row in reader:
            yield parse(row, columns, stamp)


def parse(row: dict, columns: dict, stamp) -> tuple[str | None, Postcode | None]:
    if (row.get(columns["doterm"]) or "").strip():
        return "terminated", None
    postcode = normalise(row.get(columns["pcds"]) or "")
    if postcode is None:
        return "malformed", None
    try:
        latitude = round(float(row[columns["lat"]]), 6)
        longitude = round(float(row[columns["long"]]), 6)
    except (TypeError, ValueError):
        return "no_coordinates", None
    if latitude == NO_COORDINATE or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return "no_coordinates", None
    outward, sector = outward_and_sector(postcode)
    return None, Postcode(
        postcode=postcode,
        outward=outward,
        sector=sector,
        latitude=latitude,
        longitude=longitude,
        imd_rank=rank(row.get(columns["imd"])),
        imported_at=stamp,
        **{
            field: code(row.get(column)) if column else ""
            for field, column in columns.items()
            if field in CODE_COLUMNS
        },
    )


class Command(BaseCommand):
    help = "Import the ONS Postcode Directory CSV (ONSPD_<MON>_<YEAR>_UK.csv)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The ONSPD CSV, from the zip's Data folder.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Afterwards delete the postcodes the file does not hold (terminated since "
            "the last import). Only when the whole file was read.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check the file; save nothing."
        )
        parser.add_argument("--batch-size", type=int, default=BATCH)
        parser.add_argument(
            "--progress-every",
            type=int,
            default=PROGRESS_EVERY,
            help=f"Rows between progress lines on stderr (default {PROGRESS_EVERY:,}).",
        )

    def handle(self, *args, file, replace, dry_run, batch_size, progress_every, verbosity, **opts):
        if batch_size < 1 or progress_every < 1:
            raise CommandError("--batch-size and --progress-every must be positive.")
        if not file.is_file():
            raise CommandError(f"No file at {file}.")
        stamp = timezone.now()
        started = time.monotonic()
        counts = Counter()
        batch: dict[str, Postcode] = {}
        rows = 0
        for rows, (reason, postcode) in enumerate(read(file, stamp), 1):
            if reason is None and postcode.postcode in batch:
                reason = "duplicate"
            if reason:
                counts[reason] += 1
            else:
                batch[postcode.postcode] = postcode
            if len(batch) >= batch_size:
                self.save(batch, counts, dry_run)
                batch = {}
            if verbosity and rows % progress_every == 0:
                elapsed = time.monotonic() - started
                self.stderr.write(f"  {rows:,} rows read, {rows / elapsed:,.0f} rows/s")
        self.save(batch, counts, dry_run)
        deleted = 0
        if replace and not dry_run:
            deleted, _by_model = Postcode.objects.filter(imported_at__lt=stamp).delete()
        # Places and initiatives keep how deprived their postcodes are.
        refreshed = None if dry_run else deprivation.refresh()
        elapsed = time.monotonic() - started
        if verbosity:
            self.report(rows, counts, deleted, elapsed, dry_run)
            if refreshed:
                self.stdout.write(
                    f"{refreshed['covered']:,} places have deprivation data "
                    f"({refreshed['changed']:,} changed)."
                )

    def save(self, batch: dict[str, Postcode], counts: Counter, dry_run: bool) -> None:
        if not batch:
            return
        with transaction.atomic():
            known = Postcode.objects.filter(pk__in=batch).count()
            if not dry_run:
                Postcode.objects.bulk_create(
                    batch.values(),
                    update_conflicts=True,
                    unique_fields=["postcode"],
                    update_fields=UPDATE_FIELDS,
                )
        counts["updated"] += known
        counts["new"] += len(batch) - known

    def report(self, rows, counts, deleted, elapsed, dry_run):
        would = "would be " if dry_run else ""
        skipped = sum(counts[reason] for reason in SKIP_REASONS)
        lines = [
            f"{rows:,} rows read in {elapsed:.1f} s ({rows / max(elapsed, 1e-9):,.0f} rows/s).",
            f"{counts['new']:,} new postcodes {would}imported, {counts['updated']:,} {would}"
            f"updated, {skipped:,} rows skipped.",
        ]
        lines += [
            f"  skipped, {label}: {counts[reason]:,}"
            for reason, label in SKIP_REASONS.items()
            if counts[reason]
        ]
        if deleted:
            lines.append(f"{deleted:,} postcodes not in the file deleted (--replace).")
        if dry_run:
            lines.append("Dry run: nothing was saved.")
        self.stdout.write("\n".join(lines))
