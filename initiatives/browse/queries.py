"""The reads that the public pages share: the list's filters from the query
string, and the initiatives related to one."""

from django.db.models import Exists, OuterRef

from communities.distance import bounding_box
from initiatives import public
from initiatives.browse import geo
from initiatives.browse.filters import InitiativeFilter
from initiatives.models import Initiative, Theme

RELATED = 4
RELATED_RADIUS_KM = 25
RELATED_NEAREST = 200


def public_filter(request):
    """The public filters, from the query string, over the published
    initiatives; with the themes, in tree order, that they offer."""
    themes = Theme.objects.in_tree_order()
    filterset = InitiativeFilter(
        request.GET, queryset=public.published_initiatives(), themes=themes
    )
    return filterset, themes


def query_string(request, drop=()):
    """The request's query string without the parameters in `drop`."""
    params = request.GET.copy()
    for name in drop:
        params.pop(name, None)
    return params.urlencode()


def related_initiatives(initiative, limit=RELATED):
    """Published initiatives sharing a theme with this one, nearest first.

    The candidates are bounded whatever the size of the map: those sharing
    a theme among the RELATED_NEAREST nearest within RELATED_RADIUS_KM (the
    location index finds them), and the newest few sharing a theme, for an
    initiative far from any other.
    """
    themes = [t.pk for t in initiative.themes.all()]
    sharing = Exists(
        Initiative.themes.through.objects.filter(theme__in=themes, initiative=OuterRef("pk"))
    )
    others = public.published_initiatives().exclude(pk=initiative.pk)
    candidates = others.filter(sharing).order_by("-published_at", "-pk").values("pk")[:limit]
    if not initiative.has_location:
        return (
            Initiative.objects.filter(pk__in=candidates)
            .order_by("-published_at", "-pk")
            .for_cards()
        )
    here = initiative.latitude, initiative.longitude
    nearest = geo.nearest_first(others.filter(bounding_box(*here, RELATED_RADIUS_KM)), *here)
    near = Initiative.objects.filter(pk__in=nearest.values("pk")[:RELATED_NEAREST]).filter(sharing)
    # Each side's LIMIT sits in a subquery of its own: SQLite allows no
    # LIMIT directly in a side of a UNION.
    newest = Initiative.objects.filter(pk__in=candidates).values("pk")
    candidates = near.values("pk").union(newest)
    return geo.nearest_first(Initiative.objects.filter(pk__in=candidates), *here).for_cards()[
        :limit
    ]
