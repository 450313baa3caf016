"""The area a published initiative serves, as GeoJSON: the map's points
link here rather than carry their polygons."""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from initiatives import public
from initiatives.opendata import licence as opendata


@require_safe
def area_geojson(request, slug):
    """An RFC 7946 Feature; 404 for an initiative not published or without an area."""
    initiative = get_object_or_404(
        public.published_initiatives().only("slug", "title", "served_area", "moderation_state"),
        slug=slug,
    )
    area = public.published_area(initiative)
    if not area:
        raise Http404("This initiative names no area.")
    feature = {
        "type": "Feature",
        "id": initiative.slug,
        "geometry": area,
        "properties": {
            "title": initiative.title,
            "url": request.build_absolute_uri(initiative.get_absolute_url()),
        },
        "licence": opendata.licence(),
    }
    return opendata.open_response(JsonResponse(feature, content_type="application/geo+json"))
