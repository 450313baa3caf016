"""The home page, the list of initiatives and an initiative's page."""

from django.db import connection
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from communities import postcodes
from communities.models import Place
from initiatives import public
from initiatives.browse import geo, near, tallies
from initiatives.browse.facets import place_facets, search_counts, theme_facets
from initiatives.browse.filters import distance_km
from initiatives.browse.maps import map_config
from initiatives.browse.paging import paginate
from initiatives.browse.queries import public_filter, query_string, related_initiatives
from initiatives.catalogue import search
from initiatives.models import (
    TOP_LEVEL_DEPTH,
    Initiative,
    InitiativeOrganisation,
    InitiativePlace,
    Theme,
)

NEWEST_ON_HOME = 6


@require_safe
def home(request):
    published = public.published_initiatives()
    by_theme = tallies.theme_counts()
    themes = list(Theme.objects.filter(parent=None).order_by("name"))
    for theme in themes:
        theme.n = by_theme.get(theme.pk, 0)
    counts = {
        "initiatives": tallies.count(),
        # Places served directly: a probe of the links' index for each place.
        "places": Place.objects.filter(
            Exists(public.published_links(InitiativePlace).filter(place=OuterRef("pk")))
        ).count(),
        "organisations": tallies.organisations_involved(),
    }
    featured = (
        public.featured_initiatives()
        .for_cards()
        .order_by("-published_at")[: public.FEATURED_ON_HOME]
    )
    newest = published.for_cards().order_by("-published_at", "-pk")[:NEWEST_ON_HOME]
    return render(
        request,
        "browse/home.html",
        {
            "counts": counts,
            "themes": themes,
            "featured": featured,
            "newest": newest,
            "teaser": geo.teaser_svg(),
        },
    )


def _facets(request, filterset, results):
    """The page of results, the count of each theme and each place branch."""
    data = filterset.cleaned
    current = data.get("place")
    if tallies.covers(data):
        # A place, a theme and a status: every count is kept (tallies.py).
        theme = (data.get("theme") or [None])[0]
        status = data.get("status") or ""
        page = paginate(request, results, tallies.count(current, theme, status))
        counts = tallies.theme_counts(current, status)
        branches = tallies.place_counts(current, theme, status, top_depth=TOP_LEVEL_DEPTH)
    elif search.search_terms(data.get("q")) and connection.vendor == "postgresql":
        # A search: its candidates read once for the count and the facets.
        total, counts, branches = search_counts(filterset, filterset.queryset, current)
        page = paginate(request, results, total)
    else:
        page = paginate(request, results)
        counts = theme_facets(filterset, filterset.queryset)
        branches = place_facets(filterset, filterset.queryset, current)
    return page, counts, branches


def _browse_context(request, filterset, themes):
    """The list's results, with its facets and pagination."""
    results = filterset.sorted(filterset.qs).for_cards()
    page, counts, branches = _facets(request, filterset, results)
    data = filterset.cleaned
    current = data.get("place")
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
        "query_string": query_string(request, drop=("page",)),
        # A search that reached its bound: only its newest matches are ranked.
        "search_bounded": bool(search.search_terms(data.get("q")))
        and page.paginator.count >= search.CANDIDATES,
        "status_label": Initiative.Status(data["status"]).label if data.get("status") else "",
        **_near_context(filterset),
    }


def _near_context(filterset):
    """What the list shows about searching near somewhere: the centre and its
    distances, the initiatives serving the whole region around a postcode,
    an offer to search near a postcode typed as a search."""
    centre = filterset.centre()
    # Without a centre, the select offers a postcode's distance.
    chosen = centre or filterset.cleaned.get("radius_km")
    radius = filterset.radius() if chosen else near.POSTCODE_RADIUS_KM
    context = {
        "centre": centre,
        "radius_km": radius,
        "radius_choices": near.radius_choices(radius if centre else None),
        "postcode_offer": _postcode_offer(filterset),
    }
    if centre is not None and centre.postcode is not None:
        others = filterset.filter_queryset_without(filterset.queryset, "near", "lat", "lng")
        also = near.also_serving(others, centre, shown=filterset.qs)
        context["also_serving"] = also
        wide = {(i.wide_place_slug, i.wide_place_name) for i in also}
        context["also_serving_places"] = [
            {"name": name, "url": reverse("initiatives:place-detail", args=[slug])}
            for slug, name in sorted(wide, key=lambda item: item[1])
        ]
    return context


def _postcode_offer(filterset):
    """A search that looks like a postcode: the postcode, for a link to the
    initiatives near it (the search itself is left as it was typed)."""
    q = filterset.cleaned.get("q") or filterset.form.data.get("q") or ""
    found = postcodes.classify(q) if q and not filterset.cleaned.get("near") else None
    return found[1] if found else ""


@require_safe
def initiative_list(request):
    if redirect := near.canonical_redirect(request):
        return redirect
    filterset, themes = public_filter(request)
    if not filterset.is_valid():
        context = {
            "filterset": filterset,
            "theme_options": [(t, None) for t in themes],
            "radius_choices": near.radius_choices(None),
            "postcodes_not_set_up": filterset.form.has_error("near", "not_set_up"),
            "postcode_offer": _postcode_offer(filterset),
        }
        return render(request, "browse/list.html", context, status=400)
    context = _browse_context(request, filterset, themes)
    template = "browse/list.html"
    if request.headers.get("X-Partial") == "browse":
        template += "#browse"
    return render(request, template, context)


@require_safe
def initiative_detail(request, slug):
    initiative = get_object_or_404(
        public.published_initiatives()
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
    organisations = list(
        InitiativeOrganisation.objects.filter(initiative=initiative)
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )
    map_settings = None
    if initiative.has_location:
        map_settings = map_config(
            center=[initiative.latitude, initiative.longitude],
            zoom=13 if not initiative.location_is_place_centre else 11,
            mode="static",
            features=geo.feature_collection_for([initiative]),
        )
    return render(
        request,
        "browse/detail.html",
        {
            "initiative": initiative,
            "initiative_ld": _linked_data(request, initiative, primary, organisations),
            "contact": public.public_contact(initiative),
            "credit": public.public_credit(initiative),
            "places": places,
            "primary_place": primary,
            "place_trail": list(Place.objects.get_ancestors(primary)) if primary else [],
            "organisations": organisations,
            "related": related_initiatives(initiative),
            "map_config": map_settings,
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
