"""Synthetic ONSPD files, in the official layout, for tests and benchmarks.

No real ONS file can be fetched where the suite runs, so the import is
measured on these: the same header, valid postcodes (each once), codes and
deprivation ranks of the right shapes, and a sprinkling of the rows the
import skips (terminated postcodes, and rows with ONSPD's 99.999999 for "no
coordinates"). The same `count` and `seed` give the same file, written as a
stream whatever its size. Plain Python: no Django needed.
"""

import csv
import random
from collections.abc import Iterator
from itertools import product
from pathlib import Path

# The ONSPD's columns, in the order of its user guide (the releases of 2023
# and 2024, before the layout changed in late 2024; the import reads both).
HEADER = [
    "pcd",
    "pcd2",
    "pcds",
    "dointr",
    "doterm",
    "oscty",
    "ced",
    "oslaua",
    "osward",
    "parish",
    "usertype",
    "oseast1m",
    "osnrth1m",
    "osgrdind",
    "oshlthau",
    "nhser",
    "ctry",
    "rgn",
    "streg",
    "pcon",
    "eer",
    "teclec",
    "ttwa",
    "pct",
    "itl",
    "statsward",
    "oa01",
    "casward",
    "npark",
    "lsoa01",
    "msoa01",
    "ur01ind",
    "oac01",
    "oa11",
    "lsoa11",
    "msoa11",
    "wz11",
    "sicbl",
    "bua11",
    "buasd11",
    "ru11ind",
    "oac11",
    "lat",
    "long",
    "lep1",
    "lep2",
    "pfa",
    "imd",
    "calncv",
    "icb",
    "oa21",
    "lsoa21",
    "msoa21",
]

# Postcode areas and a centre for each, for plausible coordinates.
AREAS = [
    ("BS", 51.46, -2.59),
    ("BA", 51.38, -2.36),
    ("WN", 53.54, -2.63),
    ("PR", 53.76, -2.70),
    ("CA", 54.70, -3.20),
    ("DN", 53.52, -1.13),
    ("NE", 54.97, -1.61),
    ("TW", 51.46, -0.37),
    ("CB", 52.20, 0.12),
    ("LA", 54.05, -2.80),
    ("SK", 53.40, -2.15),
    ("HU", 53.74, -0.33),
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
TERMINATED_EVERY = 29  # about 3% of rows, as in a real release's share of recent ones
NO_COORDINATES_EVERY = 997
ENGLISH_LSOAS = 33_755


def postcodes() -> Iterator[tuple[int, str]]:
    """(area index, postcode) in a fixed order: every area's district 1, then 2..."""
    inwards = [f"{d}{a}{b}" for d, a, b in product("0123456789", INWARD_LETTERS, INWARD_LETTERS)]
    for district in range(1, 100):
        for index, (area, _lat, _lng) in enumerate(AREAS):
            for inward in inwards:
                yield index, f"{area}{district} {inward}"


def rows(count: int, seed: int = 1) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    for number, (index, postcode) in enumerate(postcodes()):
        if number >= count:
            return
        _area, lat, lng = AREAS[index]
        authority = f"E06{index:06d}"
        row = dict.fromkeys(HEADER, "")
        compact = postcode.replace(" ", "")
        row.update(
            pcd=f"{compact[:-3]:<4}{compact[-3:]}",
            pcd2=f"{compact[:-3]:<5}{compact[-3:]}",
            pcds=postcode,
            dointr="199801",
            oscty="E99999999",
            ced="E99999999",
            oslaua=authority,
            osward=f"E05{index:03d}{number % 40:03d}",
            parish="E43000000" if number % 3 else f"E04{index:03d}{number % 90:03d}",
            usertype="0",
            ctry="E92000001",
            rgn=f"E1200000{index % 9 + 1}",
            lat=f"{lat + rng.uniform(-0.15, 0.15):.6f}",
            long=f"{lng + rng.uniform(-0.2, 0.2):.6f}",
            imd=str(rng.randint(1, ENGLISH_LSOAS)),
        )
        if number % TERMINATED_EVERY == TERMINATED_EVERY - 1:
            row["doterm"] = "202301"
        elif number % NO_COORDINATES_EVERY == NO_COORDINATES_EVERY - 1:
            row.update(lat="99.999999", long="0.000000")
        yield row


def write(path: Path, count: int, seed: int = 1) -> int:
    """Write `count` rows to `path`; the number written (fewer if `count`
    exceeds the postcodes the generator can make, about 4.7 million)."""
    written = 0
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for row in rows(count, seed):
            writer.writerow(row)
            written += 1
    return written
