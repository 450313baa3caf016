from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from communities.models import Organisation, Place
from initiatives.browse import geo, tallies
from initiatives.browse.filters import (
    InitiativeFilter,
    bounding_box,
    distance_km,
    place_facets,
    search_counts,
    theme_facets,
)
from initiatives.browse.paging import ListPaginator
from initiatives.catalogue import search
from initiatives.models import (
    TOP_LEVEL_DEPTH,
    Initiative,
    InitiativeOrganisation,
    InitiativePlace,
    Theme,
)
from initiatives.opendata import licence as opendata

PAGE_SIZE = 20
FEATURED_ON_HOME = 6
NEWEST_ON_HOME = 6
RELATED = 4
RELATED_RADIUS_KM = 25
RELATED_NEAREST = 200


MAP_STYLES = (
    "vendor/leaflet-1.9.4/leaflet.css",
    "vendor/leaflet.markercluster-1.5.3/MarkerCluster.css",
    "css/map.css",
)
MAP_SCRIPTS = (
    "vendor/leaflet-1.9.4/leaflet.js",
    "vendor/leaflet.markercluster-1.5.3/leaflet.markercluster.js",
)


def _map_config(**extra):
    """What map.js needs, handed over through json_script. Leaflet's files
    are in it too: map.js loads them after the page is drawn."""
    return {
        "styles": [static(path) for path in MAP_STYLES],
        "scripts": [static(path) for path in MAP_SCRIPTS],
        "tileUrl": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "geojsonUrl": reverse("initiatives:geojson"),
        "center": [54.0, -2.5],
        "zoom": 5,
        **extra,
    }


def _paginate(request, queryset, count=None):
    return ListPaginator(queryset, PAGE_SIZE, count=count).get_page(request.GET.get("page"))


def _filter(request):
    """The public filters, from the query string."""
    themes = Theme.objects.in_tree_order()
    filterset = InitiativeFilter(
        request.GET, queryset=Initiative.objects.published(), themes=themes
    )
    return filterset, themes


@require_safe
def home(request):
    published = Initiative.objects.published()
    by_theme = tallies.theme_counts()
    themes = list(Theme.objects.filter(parent=None).order_by("name"))
    for theme in themes:
        theme.n = by_theme.get(theme.pk, 0)
    counts = {
        "initiatives": tallies.count(),
        # Places served directly: a probe of the links' index for each place.
        "places": Place.objects.filter(
            Exists(
                InitiativePlace.objects.filter(
                    place=OuterRef("pk"), initiative__moderation_state=Initiative.State.PUBLISHED
                )
            )
        ).count(),
        "organisations": tallies.organisations_involved(),
    }
    featured = (
        published.filter(featured=True).for_cards().order_by("-published_at")[:FEATURED_ON_HOME]
    )
    newest = published.for_cards().order_by("-published_at", "-pk")[:NEWEST_ON_HOME]
    return render(
        request,
        "home.html",
        {
            "counts": counts,
            "themes": themes,
            "featured": featured,
            "newest": newest,
            "teaser": geo.teaser_svg(),
        },
    )


def _browse_context(request, filterset, themes):
    """The list's results, with its facets and pagination."""
    results = filterset.sorted(filterset.qs).for_cards()
    data = filterset.cleaned
    current = data.get("place")
    if tallies.covers(data):
        # A place, a theme and a status: every count is kept (tallies.py).
        theme = (data.get("theme") or [None])[0]
        status = data.get("status") or ""
        page = _paginate(request, results, tallies.count(current, theme, status))
        counts = tallies.theme_counts(current, status)
        branches = tallies.place_counts(current, theme, status, top_depth=TOP_LEVEL_DEPTH)
    elif search.search_terms(data.get("q")) and connection.vendor == "postgresql":
        # A search: its candidates read once for the count and the facets.
        total, counts, branches = search_counts(filterset, filterset.queryset, current)
        page = _paginate(request, results, total)
    else:
        page = _paginate(request, results)
        counts = theme_facets(filterset, filterset.queryset)
        branches = place_facets(filterset, filterset.queryset, current)
    ancestor_paths = (
        [current.path[:n] for n in range(Place.steplen, len(current.path) + 1, Place.steplen)]
        if current
        else []
    )
    known = {p.path: p for p in Place.objects.filter(path__in=[*ancestor_paths, *branches])}
    place_options = sorted(
        ((known[path], n) for path, n in branches.items() if path in known),
        key=lambda item: (-item[1], item[0].name),
    )
    for initiative in page:
        if getattr(initiative, "distance_sq", None) is not None:
            initiative.distance_km = distance_km(initiative.distance_sq)
    return {
        "filterset": filterset,
        "page": page,
        "q": data.get("q", ""),
        "sort": filterset.sort_order(),
        "theme_options": [(t, counts.get(t.pk, 0)) for t in themes],
        "selected_themes": {t.slug for t in data.get("theme") or []},
        "current_place": current,
        "place_trail": [known[p] for p in ancestor_paths if p in known],
        "place_options": place_options,
        "query_string": _query_string(request, drop=("page",)),
        # A search that reached its bound: only its newest matches are ranked.
        "search_bounded": bool(search.search_terms(data.get("q")))
        and page.paginator.count >= search.CANDIDATES,
        "status_label": Initiative.Status(data["status"]).label if data.get("status") else "",
    }


def _query_string(request, drop=()):
    params = request.GET.copy()
    for name in drop:
        params.pop(name, None)
    return params.urlencode()


@require_safe
def initiative_list(request):
    filterset, themes = _filter(request)
    if not filterset.is_valid():
        context = {"filterset": filterset, "theme_options": [(t, None) for t in themes]}
        return render(request, "initiatives/list.html", context, status=400)
    context = _browse_context(request, filterset, themes)
    template = "initiatives/list.html"
    if request.headers.get("X-Partial") == "browse":
        template += "#browse"
    return render(request, template, context)


@require_safe
def initiative_detail(request, slug):
    initiative = get_object_or_404(
        Initiative.objects.published()
        .select_related("on_behalf_of", "submitted_by")
        .prefetch_related("themes", "images", "sources"),
        slug=slug,
    )
    places = list(
        InitiativePlace.objects.filter(initiative=initiative)
        .select_related("place")
        .order_by("-is_primary", "place__name")
    )
    primary = next((link.place for link in places if link.is_primary), None)
    trail = list(Place.objects.get_ancestors(primary)) if primary else []
    organisations = list(
        InitiativeOrganisation.objects.filter(initiative=initiative)
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )
    related = initiative_related(initiative)
    map_config = None
    if initiative.has_location:
        map_config = _map_config(
            center=[initiative.latitude, initiative.longitude],
            zoom=13 if not initiative.location_is_place_centre else 11,
            mode="static",
            features=geo.feature_collection_for([initiative]),
        )
    return render(
        request,
        "initiatives/detail.html",
        {
            "initiative": initiative,
            "initiative_ld": _linked_data(request, initiative, primary, organisations),
            "places": places,
            "primary_place": primary,
            "place_trail": trail,
            "organisations": organisations,
            "related": related,
            "map_config": map_config,
        },
    )


def _linked_data(request, initiative, primary, organisations):
    """schema.org JSON-LD, so that search engines and other sites understand the page."""
    data = {
        "@context": "https://schema.org",
        "@type": "Project",
        "name": initiative.title,
        "description": initiative.summary,
        "url": request.build_absolute_uri(initiative.get_absolute_url()),
        "keywords": ", ".join(t.name for t in initiative.themes.all()),
    }
    if initiative.start_date:
        data["foundingDate"] = initiative.start_date.isoformat()
    if initiative.end_date:
        data["dissolutionDate"] = initiative.end_date.isoformat()
    if initiative.website:
        data["sameAs"] = initiative.website
    if primary is not None:
        data["location"] = {"@type": "Place", "name": primary.name}
        if initiative.has_location:
            data["location"]["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": initiative.latitude,
                "longitude": initiative.longitude,
            }
    role_keys = {"funder": "funder", "lead": "parentOrganization"}
    for link in organisations:
        key = role_keys.get(link.role, "member")
        data.setdefault(key, []).append(
            {
                "@type": "Organization",
                "name": link.organisation.name,
                "url": request.build_absolute_uri(link.organisation.get_absolute_url()),
            }
        )
    return data


def initiative_related(initiative, limit=RELATED):
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
    others = Initiative.objects.published().exclude(pk=initiative.pk)
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


def _subject_page(request, initiatives, template, context, *, kind, slug, count):
    """A place, theme or organisation page: what it is, then its initiatives
    (`count` of them, from the kept counts)."""
    page = _paginate(request, initiatives.for_cards().order_by("-published_at", "-pk"), count)
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
    return render(request, "initiatives/place_index.html", {"places": roots})


@require_safe
def place_detail(request, slug):
    place = get_object_or_404(Place, slug=slug)
    published = Initiative.objects.published()
    counts = tallies.place_counts(place, top_depth=TOP_LEVEL_DEPTH) if place.numchild else {}
    children = list(Place.objects.get_children(place))
    for child in children:
        child.initiative_count = counts.get(child.path, 0)
    return _subject_page(
        request,
        published.in_place(place),
        "initiatives/place_detail.html",
        {
            "place": place,
            "follow": {"place": place},
            "filter_query": f"place={place.slug}",
            "empty_text": _("No published initiatives in %(place)s yet.") % {"place": place.name},
            "map_label": _("Map of initiatives in %(place)s") % {"place": place.name},
            "place_trail": list(Place.objects.get_ancestors(place)),
            "children": children,
            "map_config": _map_config(
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
    return render(request, "initiatives/theme_index.html", {"themes": top})


@require_safe
def theme_detail(request, slug):
    theme = get_object_or_404(Theme.objects.select_related("parent"), slug=slug)
    return _subject_page(
        request,
        Initiative.objects.published().with_theme(theme),
        "initiatives/theme_detail.html",
        {
            "theme": theme,
            "follow": {"theme": theme},
            "filter_query": f"theme={theme.slug}",
            "empty_text": _("No published initiatives have this theme yet."),
            "map_label": _("Map of initiatives about %(theme)s") % {"theme": theme.name},
            "subthemes": theme.children.order_by("name"),
            "map_config": _map_config(),
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
    page = _paginate(request, organisations)
    counts = tallies.organisation_counts([o.pk for o in page])
    for organisation in page:
        organisation.n = counts.get(organisation.pk, 0)
    return render(
        request,
        "initiatives/organisation_index.html",
        {"page": page, "kinds": Organisation.Kind.choices, "kind": kind},
    )


@require_safe
def organisation_detail(request, slug):
    organisation = get_object_or_404(Organisation, slug=slug)
    roles = InitiativeOrganisation.objects.filter(
        organisation=organisation, initiative=OuterRef("pk")
    ).order_by("role")
    initiatives = (
        Initiative.objects.published()
        .involving(organisation)
        .annotate(role=Subquery(roles.values("role")[:1]))
    )
    return _subject_page(
        request,
        initiatives,
        "initiatives/organisation_detail.html",
        {
            "organisation": organisation,
            "filter_query": f"organisation={organisation.slug}",
            "empty_text": _("No published initiatives name this organisation yet."),
            "map_label": _("Map of initiatives involving %(name)s") % {"name": organisation.name},
            "places_served": organisation.places.all(),
            "map_config": _map_config(),
            "roles": dict(InitiativeOrganisation.Role.choices),
        },
        kind="organisation",
        slug=organisation.slug,
        count=tallies.organisation_counts([organisation.pk]).get(organisation.pk, 0),
    )


@require_safe
def map_view(request):
    filterset, themes = _filter(request)
    valid = filterset.is_valid()
    data = filterset.cleaned
    config = _map_config()
    near = data.get("near")
    if near:
        config.update(center=[near.latitude, near.longitude], zoom=11)
    context = {
        "filterset": filterset,
        "theme_options": [(t, None) for t in themes],
        "selected_themes": {t.slug for t in data.get("theme") or []},
        "map_config": config,
        "query_string": _query_string(request),
    }
    return render(request, "initiatives/map.html", context, status=200 if valid else 400)


@require_safe
def initiatives_geojson(request):
    """The published initiatives under the list's filters, as RFC 7946 GeoJSON.

    `bbox=west,south,east,north` limits them to the map's view and `zoom` fits
    server-side clusters to it when there are too many points to send.
    """
    filterset, _themes = _filter(request)
    try:
        bbox = geo.parse_bbox(request.GET.get("bbox"))
        zoom = geo.parse_zoom(request.GET.get("zoom"))
    except ValueError as error:
        response = JsonResponse({"error": str(error)}, status=400)
    else:
        if filterset.is_valid():
            # Absolute links, so that the data means something wherever it goes.
            site = request.build_absolute_uri("/").rstrip("/")
            payload = geo.feature_collection(
                filterset.qs,
                bbox=bbox,
                zoom=zoom,
                site=site,
                unfiltered=not set(filterset.active()) - tallies.NOT_FILTERS,
            )
            payload["licence"] = opendata.licence()
            response = JsonResponse(payload, content_type="application/geo+json")
        else:
            response = JsonResponse(
                {"error": _("Some filters are not valid."), "fields": filterset.errors},
                status=400,
            )
    # Open data: any site may read it, errors included.
    return opendata.open_response(response)


@require_safe
def accessibility(request):
    return render(request, "accessibility.html")


# Pages that are private, or that only lead to the same content again.
ROBOTS_DISALLOW = (
    "/account/",
    "/moderation/",
    "/curation/",
    "/initiatives/submit/",
    "/api/",
    "/embed/",
    "/alerts/",
    "/openreferral/",
    "/initiatives/export.csv",
)


@require_safe
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    if settings.ADMIN_URL:
        lines.append(f"Disallow: /{settings.ADMIN_URL}")
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
