"""The map of initiatives, and the GeoJSON it (and anyone) reads."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from initiatives.browse import geo, tallies
from initiatives.browse.maps import map_config
from initiatives.browse.queries import public_filter, query_string
from initiatives.opendata import licence as opendata


@require_safe
def map_view(request):
    filterset, themes = public_filter(request)
    valid = filterset.is_valid()
    data = filterset.cleaned
    config = map_config()
    near = data.get("near")
    if near:
        config.update(center=[near.latitude, near.longitude], zoom=11)
    context = {
        "filterset": filterset,
        "theme_options": [(t, None) for t in themes],
        "selected_themes": {t.slug for t in data.get("theme") or []},
        "map_config": config,
        "query_string": query_string(request),
    }
    return render(request, "initiatives/map.html", context, status=200 if valid else 400)


@require_safe
def initiatives_geojson(request):
    """The published initiatives under the list's filters, as RFC 7946 GeoJSON.

    `bbox=west,south,east,north` limits them to the map's view and `zoom` fits
    server-side clusters to it when there are too many points to send.
    """
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
