"""The CSV export: published initiatives, one a row, streamed.

Rows are written as they are read, a chunk of initiatives (with their places,
organisations and themes) at a time, so that exporting the whole map holds a
few hundred rows in memory, never all of them. The columns that name themes,
places and organisations use the import's format (slugs separated by `;`,
organisations as `slug:role`), so that a file exported from one map can be
prepared for import into another.
"""

import csv
from collections.abc import Iterable, Iterator

from django.conf import settings

from initiatives import public
from initiatives.browse import geo

CHUNK = 500

# The columns, in order, are public.CSV_COLUMNS.
COLUMNS = public.CSV_COLUMNS

# A spreadsheet reads a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """`value` made safe to open in a spreadsheet: a text cell that would be
    read as a formula gets a leading apostrophe, which spreadsheets hide."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _joined(values: Iterable[str]) -> str:
    return "; ".join(values)


def row(initiative, *, url_for, licence: str) -> list:
    """One initiative's cells; `url_for` turns a slug into the page's address."""
    places = [link.place for link in initiative.initiative_places.all()]
    organisations = list(initiative.initiative_organisations.all())
    themes = list(initiative.themes.all())
    contact = public.public_contact(initiative) or {}
    credit = public.public_credit(initiative)
    text = {
        "id": str(initiative.uuid),
        "slug": initiative.slug,
        "title": initiative.title,
        "summary": initiative.summary,
        "description": initiative.description,
        "how_to_adapt": initiative.how_to_adapt,
        "activity_status": initiative.activity_status,
        "themes": _joined(t.slug for t in themes),
        "theme_names": _joined(t.name for t in themes),
        "places": _joined(p.slug for p in places),
        "place_names": _joined(p.name for p in places),
        "primary_place_gss_code": places[0].gss_code if places else "",
        "organisations": _joined(f"{o.organisation.slug}:{o.role}" for o in organisations),
        "organisation_names": _joined(o.organisation.name for o in organisations),
        "website": initiative.website,
        "contact_name": contact.get("name", ""),
        "contact_email": contact.get("email", ""),
        "contact_phone": contact.get("phone", ""),
        "credit": str(credit) if credit else "",
        "sources": _joined(s.url or s.title for s in initiative.sources.all()),
        "url": url_for(initiative.slug),
        "licence": licence,
    }
    values = {name: neutralise(value) for name, value in text.items()}
    values.update(
        start_date=initiative.start_date.isoformat() if initiative.start_date else "",
        end_date=initiative.end_date.isoformat() if initiative.end_date else "",
        latitude="" if initiative.latitude is None else repr(initiative.latitude),
        longitude="" if initiative.longitude is None else repr(initiative.longitude),
        published_at=initiative.published_at.isoformat() if initiative.published_at else "",
        updated_at=initiative.updated_at.isoformat(),
    )
    return [values[name] for name in COLUMNS]


class _Line:
    """A file-like object that hands back what csv.writer writes to it."""

    def write(self, value):
        return value


def stream(queryset, *, site: str) -> Iterator[str]:
    """The CSV text of `queryset` (published initiatives), line by line,
    starting with a byte order mark so that spreadsheets read it as UTF-8."""
    writer = csv.writer(_Line(), lineterminator="\r\n")
    # Worked out once, not once a row: there may be 100,000 rows.
    url_for = geo.detail_url_maker(site)
    licence = f"{settings.DATA_LICENCE_SHORT} {settings.DATA_LICENCE_URL}"
    yield "\ufeff" + writer.writerow(COLUMNS)
    for initiative in queryset.with_links().iterator(chunk_size=CHUNK):
        yield writer.writerow(row(initiative, url_for=url_for, licence=licence))
