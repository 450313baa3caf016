"""The map of initiatives. The GeoJSON it reads is open data
(opendata/views.py)."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from initiatives.browse import near
from initiatives.browse.maps import map_config
from initiatives.browse.queries import public_filter, query_string


@require_safe
def map_view(request):
    if redirect := near.canonical_redirect(request):
        return redirect
    filterset, themes = public_filter(request)
    valid = filterset.is_valid()
    data = filterset.cleaned
    config = map_config()
    centre = filterset.centre() if valid else None
    if centre:
        config.update(center=[centre.latitude, centre.longitude], zoom=11 if centre.place else 13)
    context = {
        "filterset": filterset,
        "theme_options": [(t, None) for t in themes],
        "selected_themes": {t.slug for t in data.get("theme") or []},
        "map_config": config,
        "query_string": query_string(request),
        "centre": centre,
        "radius_km": filterset.radius() if valid else None,
        "radius_choices": near.radius_choices(filterset.radius() if centre else None),
    }
    return render(request, "browse/map.html", context, status=200 if valid else 400)
