"""The "left behind" filter: `deprived=20` keeps the initiatives in the most
deprived 20% of neighbourhoods of their nation's index (a deprivation decile
of 1 or 2; see initiatives.catalogue.deprivation). Those whose decile is not
known are left out, never guessed in."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from communities import deprivation
from initiatives.catalogue.deprivation import most_deprived

CHOICES = [
    ("10", _("In the most deprived 10% of neighbourhoods")),
    ("20", _("In the most deprived 20% of neighbourhoods")),
    ("30", _("In the most deprived 30% of neighbourhoods")),
]


@extend_schema_field(OpenApiTypes.INT)
class DeprivedFilter(django_filters.ChoiceFilter):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Only in the most deprived 20% of neighbourhoods"))
        kwargs.setdefault("choices", CHOICES)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid_choice": _(
                    "Give deprived as 10, 20 or 30: the most deprived 10%%, 20%% or 30%% "
                    "of neighbourhoods."
                )
            },
        )
        super().__init__(**kwargs)

    def filter(self, queryset, value):
        if not value:
            return queryset
        return queryset.filter(most_deprived(int(value)))


def place_summary(place) -> dict | None:
    """What the place page shows of how deprived its neighbourhoods are,
    from the counts stored on it (no query); None when it has none."""
    summary = place.deprivation
    index = deprivation.index_for(summary)
    total = (summary or {}).get("postcodes") or 0
    if index is None or not total:
        return None
    rows = [
        {"decile": tenth, "count": count, "share": round(count * 100 / total)}
        for tenth, count in enumerate(summary["deciles"], 1)
    ]
    return {
        "index": index.title,
        "areas": index.areas,
        "area_kind": index.area_kind,
        "postcodes": total,
        "most_deprived_share": round(sum(summary["deciles"][:2]) * 100 / total),
        "rows": rows,
    }
