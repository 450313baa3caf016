"""The map of initiatives. The GeoJSON it reads is open data
(opendata/views.py)."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from initiatives.browse.maps import map_config
from initiatives.browse.queries import public_filter, query_string


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
    return render(request, "browse/map.html", context, status=200 if valid else 400)
