"""The "left behind" lens: how deprived a place's neighbourhoods are, from
the deprivation rank ONSPD gives each postcode (`Postcode.imd_rank`).

Each nation ranks its own small areas in its own index, so a rank means
something only beside its nation's index: the table below is the one home of
which index each nation uses, its year and how many areas it ranks. A decile
is ceil(rank × 10 / areas): 1 is the most deprived tenth of that nation's
neighbourhoods. Ranks of different nations are never compared.

`refresh()` stores on every place whose GSS code the postcodes carry the
number of its postcodes in each decile (`Place.deprivation`), in one grouped
query per code column; `import_postcodes` runs it at its end and `manage.py
refresh_deprivation` runs it alone. It then sends `deprivation_refreshed`,
so that the initiatives app can refresh what it keeps, without this app
knowing of it.
"""

from dataclasses import dataclass
from statistics import median_low

from django.db import transaction
from django.db.models import Case, Count, IntegerField, Value, When
from django.db.models.functions import Cast
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from communities.models import Place, Postcode


@dataclass(frozen=True)
class Index:
    key: str  # stored with the counts, e.g. "england-2019"
    name: str
    year: int
    areas: int  # how many small areas it ranks
    area_kind: str

    @property
    def title(self) -> str:
        return f"{self.name} {self.year}"


# Country GSS code → its nation's index.
INDICES = {
    "E92000001": Index(
        "england-2019", _("English Indices of Deprivation"), 2019, 32_844, _("LSOAs")
    ),
    "W92000004": Index(
        "wales-2019", _("Welsh Index of Multiple Deprivation"), 2019, 1_909, _("LSOAs")
    ),
    "S92000003": Index(
        "scotland-2020", _("Scottish Index of Multiple Deprivation"), 2020, 6_976, _("data zones")
    ),
    "N92000002": Index(
        "northern-ireland-2017",
        _("Northern Ireland Multiple Deprivation Measure"),
        2017,
        890,
        _("super output areas"),
    ),
}
BY_KEY = {index.key: index for index in INDICES.values()}

# The Postcode columns whose codes places carry, in the order a code is
# looked for (GSS codes are unique across kinds, so the order rarely matters).
CODE_COLUMNS = (
    "ward_code",
    "parish_code",
    "local_authority_code",
    "county_code",
    "region_code",
    "country_code",
)

# Sent (sender=Place) after refresh() has stored the places' counts.
deprivation_refreshed = Signal()


def decile(rank: int | None, country_code: str) -> int | None:
    """1 (the most deprived 10%) to 10; None for no rank, a nation without an
    index, or a rank beyond its index's areas."""
    index = INDICES.get(country_code)
    if not rank or index is None or rank > index.areas:
        return None
    return -(-rank * 10 // index.areas)  # ceil without floats


def decile_expression():
    """decile() in SQL, for grouping: integer arithmetic on both databases."""
    return Case(
        *(
            When(
                country_code=code,
                imd_rank__gte=1,
                imd_rank__lte=index.areas,
                then=Cast(
                    (Cast("imd_rank", IntegerField()) * 10 + Value(index.areas - 1))
                    / Value(index.areas),
                    IntegerField(),
                ),
            )
            for code, index in INDICES.items()
        ),
        default=None,
        output_field=IntegerField(),
    )


def index_for(summary: dict | None) -> Index | None:
    return BY_KEY.get((summary or {}).get("index"))


def median_decile(summary: dict | None) -> int | None:
    """The decile of the middle postcode of a place's counts (the lower of two)."""
    if not summary or not summary.get("postcodes"):
        return None
    values = [n for n, count in enumerate(summary["deciles"], 1) for _ in range(count)]
    return median_low(values) if values else None


def counts_by_code() -> dict[str, dict]:
    """{GSS code: {"index", "deciles", "postcodes"}} for every code in the
    postcodes: one grouped query per code column. A code whose postcodes lie
    in two nations (none should) keeps the nation with most of them."""
    found: dict[str, dict[str, list[int]]] = {}
    ranked = Postcode.objects.annotate(decile=decile_expression()).filter(decile__isnull=False)
    for column in CODE_COLUMNS:
        rows = (
            ranked.exclude(**{column: ""})
            .values_list(column, "country_code", "decile")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for code, country, tenth, n in rows.iterator():
            deciles = found.setdefault(code, {}).setdefault(country, [0] * 10)
            deciles[tenth - 1] += n
    summaries = {}
    for code, by_country in found.items():
        country, deciles = max(by_country.items(), key=lambda item: sum(item[1]))
        summaries[code] = {
            "index": INDICES[country].key,
            "deciles": deciles,
            "postcodes": sum(deciles),
        }
    return summaries


def refresh(*, dry_run: bool = False) -> dict[str, int]:
    """Store each place's counts (None for a place the postcodes do not
    cover), then send deprivation_refreshed. Returns what changed."""
    summaries = counts_by_code()
    changed = []
    covered = 0
    for place in Place.objects.only("pk", "gss_code", "deprivation").order_by():
        summary = summaries.get(place.gss_code) if place.gss_code else None
        covered += summary is not None
        if place.deprivation != summary:
            place.deprivation = summary
            changed.append(place)
    if not dry_run:
        with transaction.atomic():
            # bulk_update: a derived field, kept out of the places' history.
            Place.objects.bulk_update(changed, ["deprivation"], batch_size=500)
        deprivation_refreshed.send(sender=Place)
    return {"covered": covered, "changed": len(changed)}
