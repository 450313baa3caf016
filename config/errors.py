"""The error pages' views (handler400, 403 and 500 in config/urls.py; the
404 page is Django's own view, which renders 404.html with the request).

Each page is in the site's layout, with its header and navigation, and
offers a way on. The 400 and 500 pages are rendered from their templates
with the site's name alone, without the request's context processors: the
error may be the database's or the session's, and the page must not fail in
turn (the 503 page, config/outage.py, is rendered the same way).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import (
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseServerError,
)
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme


def _bare(template: str) -> str:
    return render_to_string(template, {"SITE_NAME": settings.SITE_NAME})


def bad_request(request, exception=None):
    return HttpResponseBadRequest(_bare("400.html"))


def server_error(request):
    return HttpResponseServerError(_bare("500.html"))


def came_from(request) -> str | None:
    """The page of this site the person came from (the Referer), if any."""
    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    path = urlsplit(referer).path
    return path if path.startswith("/") and path != request.path else None


def _initiative_page(path: str | None) -> str | None:
    if not path:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return path if match.view_name == "initiatives:detail" else None


def permission_denied(request, exception=None):
    back = came_from(request)
    context = {
        "back_url": back,
        "initiative_url": _initiative_page(back),
        "next_path": request.get_full_path(),
    }
    return HttpResponseForbidden(render_to_string("403.html", context, request))
