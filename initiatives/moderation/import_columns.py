"""The columns of an import file, its limits, and the template to start a
file from. docs/import.md describes the columns for the people who prepare
the files."""

import csv
import io

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# As on the submission form: longer texts are pasted by mistake.
MAX_TEXT_LENGTH = 20000

COLUMNS = (
    "external_id",
    "title",
    "summary",
    "description",
    "how_to_adapt",
    "themes",
    "places",
    "organisations",
    "activity_status",
    "start_date",
    "end_date",
    "website",
    "latitude",
    "longitude",
    "source_title",
    "source_url",
)
# Columns every file must have, because every row needs a value in them.
REQUIRED_COLUMNS = ("external_id", "title", "summary", "description", "themes", "places")


TEMPLATE_ROWS = [
    {
        "external_id": "lw-solar-001",
        "title": "Lawrence Weston community solar farm",
        "summary": "A solar farm developed by residents of Lawrence Weston in Bristol.",
        "description": (
            "Ambition Lawrence Weston, the resident-led partnership, built a solar farm whose "
            "income stays in the neighbourhood."
        ),
        "how_to_adapt": "Start from a resident-led group with patient local funding.",
        "themes": "community-energy",
        "places": "lawrence-weston;bristol",
        "organisations": "ambition-lawrence-weston:lead;local-trust:supporter",
        "activity_status": "active",
        "start_date": "2019-06-01",
        "end_date": "",
        "website": "https://www.ambitionlw.org",
        "latitude": "51.505",
        "longitude": "-2.68",
        "source_title": "The case for a new social settlement",
        "source_url": "https://localtrust.org.uk/",
    }
]


def template_csv() -> str:
    """The header row and an example row, as the template download gives them."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(TEMPLATE_ROWS)
    return out.getvalue()
