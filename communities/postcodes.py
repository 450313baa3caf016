"""UK postcodes: their shape, and where they are, from the imported ONSPD.

Everything here reads the `Postcode` table (`manage.py import_postcodes`);
nothing calls a third-party service. A full postcode ("BS11 0QA") gives its
own coordinates and codes; an outward code ("BS11") or a sector ("BS11 0")
gives the centroid of its postcodes.
"""

import re
from dataclasses import dataclass

from django.db.models import Avg, Count

from communities.models import Postcode

# The outward and inward codes as the Government Data Standards Catalogue
# gives them (upper case, no space), and Girobank's GIR 0AA.
OUTWARD = (
    r"[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
)
INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"
FULL_RE = re.compile(rf"(?P<outward>{OUTWARD}|GIR)(?P<inward>{INWARD})")
OUTWARD_RE = re.compile(OUTWARD)
# "BS11 0"; without the space "BS110" reads as BS11 and sector 0.
SECTOR_RE = re.compile(rf"(?P<outward>{OUTWARD}) ?(?P<digit>[0-9])")


@dataclass(frozen=True)
class PostcodeResult:
    """Where a postcode, sector or outward code is.

    `kind` is "postcode", "sector" or "outward"; `count` is the number of
    live postcodes the centre is the centroid of (1 for a postcode). The
    codes are those of a full postcode, empty for a sector or outward code,
    which may cross boundaries.
    """

    query: str
    kind: str
    latitude: float
    longitude: float
    count: int = 1
    county_code: str = ""
    local_authority_code: str = ""
    ward_code: str = ""
    parish_code: str = ""
    region_code: str = ""
    country_code: str = ""
    imd_rank: int | None = None


def squeeze(text: str) -> str:
    return "".join(str(text).split()).upper()


def normalise(text: str) -> str | None:
    """ "bs110qa", " BS11 0QA ", "bs11  0qa" → "BS11 0QA"; None if `text` is
    not the shape of a full UK postcode."""
    match = FULL_RE.fullmatch(squeeze(text))
    if not match or (match["outward"] == "GIR" and match["inward"] != "0AA"):
        return None
    return f"{match['outward']} {match['inward']}"


def outward_and_sector(postcode: str) -> tuple[str, str]:
    """ "BS11 0QA" (normalised) → ("BS11", "BS11 0")."""
    outward, inward = postcode.split(" ")
    return outward, f"{outward} {inward[0]}"


def classify(text: str) -> tuple[str, str] | None:
    """(kind, normalised form) of a postcode, a sector or an outward code."""
    if postcode := normalise(text):
        return "postcode", postcode
    spaced = " ".join(str(text).split()).upper()
    if OUTWARD_RE.fullmatch(spaced):
        return "outward", spaced
    # An outward code never ends in a digit after a space, so the space,
    # when given, decides; without one, the longest outward code wins.
    match = SECTOR_RE.fullmatch(spaced) or SECTOR_RE.fullmatch(squeeze(text))
    if match:
        return "sector", f"{match['outward']} {match['digit']}"
    return None


def looks_like_postcode(text: str) -> bool:
    """A full postcode, a sector ("BS11 0") or an outward code ("BS11")."""
    return classify(text) is not None


def lookup(text: str) -> PostcodeResult | None:
    """Where `text` is, in one query; None if it is no postcode shape or no
    imported postcode matches."""
    found = classify(text)
    if found is None:
        return None
    kind, query = found
    if kind == "postcode":
        row = Postcode.objects.filter(pk=query).first()
        if row is None:
            return None
        return PostcodeResult(
            query=query,
            kind=kind,
            latitude=row.latitude,
            longitude=row.longitude,
            county_code=row.county_code,
            local_authority_code=row.local_authority_code,
            ward_code=row.ward_code,
            parish_code=row.parish_code,
            region_code=row.region_code,
            country_code=row.country_code,
            imd_rank=row.imd_rank,
        )
    centre = Postcode.objects.filter(**{kind: query}).aggregate(
        latitude=Avg("latitude"), longitude=Avg("longitude"), count=Count("pk")
    )
    if not centre["count"]:
        return None
    return PostcodeResult(
        query=query,
        kind=kind,
        latitude=round(centre["latitude"], 6),
        longitude=round(centre["longitude"], 6),
        count=centre["count"],
    )


def is_set_up() -> bool:
    """Whether any postcodes have been imported (postcode search needs them)."""
    return Postcode.objects.exists()
