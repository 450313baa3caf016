"""The public pages from the cache.

A page that anybody would see the same (an anonymous GET, with no session and
no message waiting) is stored once rendered and served from the cache until
anything public changes. Every cache key holds the "public version", a number
that each change of public data moves on: the old pages are then never read
again and expire by themselves. Nothing a signed-in person sees is ever
stored or served, and no response that sets a cookie (a form's CSRF cookie,
say) is stored.

Changes made through the ORM's save() and delete() move the version on by
the signals in catalogue/signals.py, for the models
in public.PUBLIC_MODELS; writes in bulk call public_changed() themselves.
"""

import hashlib
import time

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

from initiatives.public import NEVER_CACHED

VERSION_KEY = "public:version"


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, time.time_ns(), None)
        current = cache.get(VERSION_KEY, 0)
    return current


def _bump():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not in the cache (evicted, or a new cache)
        cache.set(VERSION_KEY, time.time_ns(), None)


def public_changed() -> None:
    """Public data changed: no cached page may be served from now on. Moved on
    at once (for this transaction's own reads) and again on commit, so that a
    page rendered meanwhile from the data before the commit is not kept."""
    _bump()
    transaction.on_commit(_bump)


def _is_private_path(path: str) -> bool:
    admin = "/" + settings.ADMIN_URL.lstrip("/")
    return path.startswith((*NEVER_CACHED, admin)) or path.endswith("/report/")


def cacheable(request) -> bool:
    return (
        settings.PAGE_CACHE
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
        and not _is_private_path(request.path)
    )


def page_key(request) -> str:
    parts = "\n".join(
        (
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            request.headers.get("X-Partial", ""),
            request.headers.get("Accept", "") if request.path.startswith("/api/") else "",
            getattr(request, "LANGUAGE_CODE", ""),
        )
    )
    digest = hashlib.blake2b(parts.encode(), digest_size=16).hexdigest()
    return f"public:page:{version()}:{digest}"


def storable(response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )


class PublicPageCacheMiddleware:
    """Serves the public pages from the cache (see the module's docstring).
    It sits last in MIDDLEWARE, nearest the views: the security headers are
    added to a cached page as to a fresh one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not cacheable(request):
            return self.get_response(request)
        key = page_key(request)
        response = cache.get(key)
        if response is not None:
            response["X-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if storable(response):
            cache.set(key, response, settings.PAGE_CACHE_SECONDS)
            response["X-Cache"] = "miss"
        return response


@receiver(setting_changed)
def _settings_changed(**kwargs):
    # Settings change only in tests (override_settings): the pages rendered
    # under the old ones are not the pages the new ones give.
    _bump()
