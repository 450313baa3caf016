"""When the database cannot be reached, every page answers 503 with a short
page that says so and a Retry-After header, instead of a 500.

Nothing here touches the database, the session or the signed-in user: the
page is rendered from its template alone, without context processors. Nothing
is kept between requests either: Django opens a new connection for each
request (or, with CONN_MAX_AGE, drops one that failed), so the first request
after the database returns is answered as usual.

An error in a view reaches `process_exception`. An error in another
middleware (loading the session, say) or in an error page (the 404 page asks
who is signed in) is turned into a 500 by Django where it happens, before
this middleware sees the response: the `got_request_exception` signal, sent
at that moment, marks the request so that the 500 becomes a 503 here.
"""

import logging
import sys

import psycopg2
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.csp import CSP, build_policy

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


# Django wraps the driver's errors in its own, but code that calls the
# driver directly would raise the driver's.
OUTAGE_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
)


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, OUTAGE_ERRORS)


def unavailable(request) -> HttpResponse:
    """The 503 answer: JSON for the API, the 503 page for everything else."""
    if request.path_info.startswith("/api/"):
        response = JsonResponse(
            {
                "detail": "The service is unavailable for a moment. "
                f"Try again in {RETRY_AFTER_SECONDS} seconds."
            },
            status=503,
        )
    else:
        html = render_to_string("503.html", {"SITE_NAME": settings.SITE_NAME})
        response = HttpResponse(html, status=503)
        # This answer does not pass through the CSP middleware, nearer the views.
        if settings.SECURE_CSP:
            response.headers[str(CSP.HEADER_ENFORCE)] = build_policy(settings.SECURE_CSP)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)  # no proxy or browser may keep it
    return response


@receiver(got_request_exception, dispatch_uid="config.outage")
def _mark_outage(sender, request=None, **kwargs):
    if request is not None and is_outage(sys.exc_info()[1]):
        request.database_unreachable = True


class DatabaseOutageMiddleware:
    """Placed before the session and authentication middleware, whose
    database errors it then answers too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "database_unreachable", False):
            return unavailable(request)
        return response

    def process_exception(self, request, exception):
        if not is_outage(exception):
            return None
        logger.warning("Database unreachable, answered 503 for %s: %s", request.path, exception)
        return unavailable(request)
