"""Keep each initiative's deprivation decile (`Initiative.deprivation_decile`
and `deprivation_index`), which the "most deprived 20%" filter reads.

An initiative with a pin takes the decile of the postcode nearest it, within
NEAREST_KM (further than that the postcodes say nothing of the place, so it
has none); one without a pin takes the median decile of its primary place's
postcodes (Place.deprivation); otherwise it has none. Recomputed for the
initiatives the catalogue says changed, and for all of them when the places'
counts are refreshed (communities.deprivation.refresh, after an import).
"""

from collections import defaultdict

from django.db.models import Q
from django.dispatch import receiver

from communities import deprivation
from communities.distance import bounding_box, squared_distance, within_sq
from communities.models import Place, Postcode
from initiatives.catalogue.signals import changed, initiatives_changed
from initiatives.models import Initiative, InitiativePlace

NEAREST_KM = 2


def nearest_decile(latitude: float, longitude: float) -> tuple[int | None, str]:
    """(decile, index key) of the ranked postcode nearest the point, in one
    query that the postcodes' location index serves; (None, "") if none is
    within NEAREST_KM."""
    row = (
        Postcode.objects.filter(
            bounding_box(latitude, longitude, NEAREST_KM),
            imd_rank__isnull=False,
            country_code__in=deprivation.INDICES,
        )
        .annotate(distance_sq=squared_distance(latitude, longitude))
        .filter(distance_sq__lte=within_sq(NEAREST_KM))
        .order_by("distance_sq", "pk")
        .values_list("imd_rank", "country_code")
        .first()
    )
    if row is None:
        return None, ""
    rank, country = row
    return deprivation.decile(rank, country), deprivation.INDICES[country].key


def compute(ids=None) -> dict[int, tuple[int | None, str]]:
    """{initiative id: (decile, index key)} for `ids` (every initiative when None)."""
    initiatives = Initiative.objects.order_by()
    links = InitiativePlace.objects.filter(is_primary=True)
    if ids is not None:
        ids = list(ids)
        initiatives = initiatives.filter(pk__in=ids)
        links = links.filter(initiative_id__in=ids)
    primary = dict(links.values_list("initiative_id", "place__deprivation"))
    result = {}
    rows = initiatives.values_list("pk", "latitude", "longitude", "location_is_place_centre")
    for pk, latitude, longitude, at_place_centre in rows:
        if latitude is not None and longitude is not None and not at_place_centre:
            result[pk] = nearest_decile(latitude, longitude)
            continue
        summary = primary.get(pk)
        median = deprivation.median_decile(summary)
        index = deprivation.index_for(summary)
        result[pk] = (median, index.key) if median and index else (None, "")
    return result


def refresh(ids=None) -> list[int]:
    """Store the deciles of `ids` (every initiative when None) that moved,
    in one update per distinct value; returns the ids that changed."""
    wanted = compute(ids)
    stored = Initiative.objects.filter(pk__in=wanted).values_list(
        "pk", "deprivation_decile", "deprivation_index"
    )
    moved = defaultdict(list)
    for pk, decile, index in stored:
        if wanted[pk] != (decile, index):
            moved[wanted[pk]].append(pk)
    for (decile, index), pks in moved.items():
        # update(): a derived value, with no signals, history or updated_at.
        Initiative.objects.filter(pk__in=pks).update(
            deprivation_decile=decile, deprivation_index=index
        )
    return [pk for pks in moved.values() for pk in pks]


def most_deprived(percent: int) -> Q:
    """Initiatives in the most deprived `percent`% of neighbourhoods (10, 20...)."""
    return Q(deprivation_decile__isnull=False, deprivation_decile__lte=percent // 10)


@receiver(initiatives_changed, dispatch_uid="deprivation-initiatives-changed")
def initiatives_changed_deciles(sender, ids, **kwargs):
    refresh(ids)


@receiver(deprivation.deprivation_refreshed, sender=Place, dispatch_uid="deprivation-refreshed")
def places_refreshed(sender, **kwargs):
    # Said even when no initiative moved: the place pages changed, and the
    # page cache listens to this.
    changed(refresh())
