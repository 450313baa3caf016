"""Reusing the data: the open data page, the map's GeoJSON, the CSV export
and the embeddable map."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from communities.models import Place
from initiatives.browse import geo, near, tallies
from initiatives.browse.maps import map_config
from initiatives.browse.queries import public_filter, query_string
from initiatives.models import Theme
from initiatives.opendata import exports
from initiatives.opendata import licence as opendata

EMBED_FALLBACK_ITEMS = 20


@require_safe
def open_data(request):
    themes = Theme.objects.filter(parent=None).order_by("name")
    regions = Place.objects.filter(depth=3).order_by("name")
    return render(
        request,
        "opendata/open_data.html",
        {"themes": themes, "regions": regions, "example_place": regions.first()},
    )


@require_safe
def initiatives_geojson(request):
    """The published initiatives under the list's filters, as RFC 7946 GeoJSON.

    `bbox=west,south,east,north` limits them to the map's view and `zoom` fits
    server-side clusters to it when there are too many points to send.
    """
    if redirect := near.canonical_redirect(request):
        return opendata.open_response(redirect)
    filterset, _themes = public_filter(request)
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


def _filter_errors(filterset):
    return "\n".join(
        f"{name}: {message}" for name, messages in filterset.errors.items() for message in messages
    )


@require_safe
def export_csv(request):
    """The published initiatives under the list's filters, as CSV."""
    if redirect := near.canonical_redirect(request):
        return opendata.open_response(redirect)
    filterset, _themes = public_filter(request)
    if not filterset.is_valid():
        response = HttpResponse(
            _("Some filters are not valid:") + "\n" + _filter_errors(filterset) + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
        return opendata.open_response(response)
    queryset = filterset.sorted(filterset.qs)
    site = request.build_absolute_uri("/").rstrip("/")
    response = StreamingHttpResponse(
        exports.stream(queryset, site=site), content_type="text/csv; charset=utf-8"
    )
    place = filterset.cleaned.get("place")
    name = f"initiatives-{place.slug}" if place else "initiatives"
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return opendata.open_response(response)


# The embed page may be framed by any site: the policy is the site's own
# without `frame-ancestors` (and X-Frame-Options is left off).
EMBED_CSP = {
    name: value for name, value in settings.SECURE_CSP.items() if name != "frame-ancestors"
} | {"base-uri": [CSP.SELF]}


@require_safe
@xframe_options_exempt
@csp_override(EMBED_CSP)
def embed_map(request):
    """A map to put in another site's page: the initiatives under the list's
    filters, with links that open on this site."""
    if redirect := near.canonical_redirect(request):
        return redirect
    filterset, _themes = public_filter(request)
    valid = filterset.is_valid()
    data = filterset.cleaned
    config = map_config(query=query_string(request), linkTarget="_blank")
    place = data.get("place") or filterset.centre()
    if place is not None and place.latitude is not None:
        config.update(center=[place.latitude, place.longitude], zoom=geo.zoom_for_kind(place.kind))
    initiatives = []
    total = 0
    if valid:
        results = filterset.sorted(filterset.qs)
        total = results.count()
        initiatives = results.with_primary_place()[:EMBED_FALLBACK_ITEMS]
    return render(
        request,
        "opendata/embed_map.html",
        {
            "filterset": filterset,
            "map_config": config,
            "initiatives": initiatives,
            "total": total,
            "subject": _subject_name(data),
            "list_url_query": query_string(request),
        },
        status=200 if valid else 400,
    )


def _subject_name(data):
    """What the map is of, for its title: a place, a theme or an organisation."""
    names = [data[key].name for key in ("place", "organisation") if data.get(key) is not None]
    if data.get("near") is not None:
        names.append(_("near %(place)s") % {"place": data["near"].name})
    names += [theme.name for theme in data.get("theme") or []]
    return ", ".join(names)
