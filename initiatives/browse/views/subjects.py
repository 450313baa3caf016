"""The pages of a subject: places, themes and organisations, each an index
and a page listing its published initiatives."""

from django.db.models import Exists, OuterRef, Subquery
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from communities.models import Organisation, Place, PlaceBoundary
from initiatives import public
from initiatives.browse import deprived, geo, tallies
from initiatives.browse.maps import map_config
from initiatives.browse.paging import paginate
from initiatives.models import TOP_LEVEL_DEPTH, InitiativeOrganisation, Theme


def _subject_page(request, initiatives, template, context, *, kind, slug, count):
    """A place, theme or organisation page: what it is, then its initiatives
    (`count` of them, from the kept counts)."""
    page = paginate(request, initiatives.for_cards().order_by("-published_at", "-pk"), count)
    context["feeds"] = {
        "rss": reverse(f"initiatives:{kind}-feed-rss", args=[slug]),
        "atom": reverse(f"initiatives:{kind}-feed-atom", args=[slug]),
    }
    # The map shows what the page lists: the same filter, as a query string.
    context["map_config"]["query"] = context["filter_query"]
    # The same list for reuse: the embeddable map and the data downloads.
    context["embed_url"] = request.build_absolute_uri(
        f"{reverse('initiatives:embed-map')}?{context['filter_query']}"
    )
    return render(request, template, {**context, "page": page})


@require_safe
def place_index(request):
    counts = tallies.counts_by_place()
    roots, by_path = [], {}
    for place in Place.objects.all():  # in path order: parents come first
        place.initiative_count = counts.get(place.path, 0)
        place.subplaces = []
        by_path[place.path] = place
        parent = by_path.get(place.path[: -Place.steplen])
        (parent.subplaces if parent else roots).append(place)
    return render(request, "browse/place_index.html", {"places": roots})


@require_safe
def place_detail(request, slug):
    # Whether it has an outline to draw, in the same query.
    with_boundary = Place.objects.annotate(
        has_boundary=Exists(PlaceBoundary.objects.filter(place=OuterRef("pk")))
    )
    place = get_object_or_404(with_boundary, slug=slug)
    counts = tallies.place_counts(place, top_depth=TOP_LEVEL_DEPTH) if place.numchild else {}
    children = list(Place.objects.get_children(place))
    for child in children:
        child.initiative_count = counts.get(child.path, 0)
    return _subject_page(
        request,
        public.published_initiatives().in_place(place),
        "browse/place_detail.html",
        {
            "place": place,
            "follow": {"place": place},
            "filter_query": f"place={place.slug}",
            "empty_text": _("No published initiatives in %(place)s yet.") % {"place": place.name},
            "map_label": _("Map of initiatives in %(place)s") % {"place": place.name},
            "place_trail": list(Place.objects.get_ancestors(place)),
            "children": children,
            "deprivation": deprived.place_summary(place),
            "map_config": map_config(
                center=[place.latitude or 54.0, place.longitude or -2.5],
                zoom=geo.zoom_for_kind(place.kind),
            ),
        },
        kind="place",
        slug=place.slug,
        count=tallies.count(place),
    )


@require_safe
def theme_index(request):
    themes = list(Theme.objects.order_by("name"))
    counts = tallies.theme_counts()
    for theme in themes:
        theme.n = counts.get(theme.pk, 0)
    top = [t for t in themes if t.parent_id is None]
    children = {}
    for theme in themes:
        if theme.parent_id:
            children.setdefault(theme.parent_id, []).append(theme)
    for theme in top:
        theme.subthemes = children.get(theme.pk, [])
    return render(request, "browse/theme_index.html", {"themes": top})


@require_safe
def theme_detail(request, slug):
    theme = get_object_or_404(Theme.objects.select_related("parent"), slug=slug)
    return _subject_page(
        request,
        public.published_initiatives().with_theme(theme),
        "browse/theme_detail.html",
        {
            "theme": theme,
            "follow": {"theme": theme},
            "filter_query": f"theme={theme.slug}",
            "empty_text": _("No published initiatives have this theme yet."),
            "map_label": _("Map of initiatives about %(theme)s") % {"theme": theme.name},
            "subthemes": theme.children.order_by("name"),
            "map_config": map_config(),
        },
        kind="theme",
        slug=theme.slug,
        count=tallies.count(theme=theme),
    )


@require_safe
def organisation_index(request):
    organisations = Organisation.objects.order_by("name")
    kind = request.GET.get("kind")
    if kind in Organisation.Kind.values:
        organisations = organisations.filter(kind=kind)
    page = paginate(request, organisations)
    counts = tallies.organisation_counts([o.pk for o in page])
    for organisation in page:
        organisation.n = counts.get(organisation.pk, 0)
    return render(
        request,
        "browse/organisation_index.html",
        {"page": page, "kinds": Organisation.Kind.choices, "kind": kind},
    )


@require_safe
def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    roles = InitiativeOrganisation.objects.filter(
        organisation=organisation, initiative=OuterRef("pk")
    ).order_by("role")
    initiatives = (
        public.published_initiatives()
        .involving(organisation)
        .annotate(role=Subquery(roles.values("role")[:1]))
    )
    return _subject_page(
        request,
        initiatives,
        "browse/organisation_detail.html",
        {
            "organisation": organisation,
            "filter_query": f"organisation={organisation.slug}",
            "empty_text": _("No published initiatives name this organisation yet."),
            "map_label": _("Map of initiatives involving %(name)s") % {"name": organisation.name},
            "places_served": organisation.places.all(),
            "map_config": map_config(),
            "roles": dict(InitiativeOrganisation.Role.choices),
        },
        kind="organisation",
        slug=organisation.slug,
        count=tallies.organisation_counts([organisation.pk]).get(organisation.pk, 0),
    )
