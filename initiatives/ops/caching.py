"""The public pages from the cache.

A page that anybody would see the same (an anonymous GET, with no session and
no message waiting) is stored once rendered and served from the cache until
anything public changes. Every cache key holds the "public version", a number
that each change of public data moves on: the old pages are then never read
again and expire by themselves. Nothing a signed-in person sees is ever
stored or served, and no response that sets a cookie (a form's CSRF cookie,
say) is stored.

Changes made through the ORM's save() and delete() of the models in
public.PUBLIC_MODELS move the version on (the receivers at the end of this
module); writes in bulk announce themselves with the catalogue's
`initiatives_changed` signal, or call public_changed().
"""

import hashlib
import time

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from initiatives import public
from initiatives.catalogue.signals import initiatives_changed
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


# Keeping the cache true: a change to anything the public pages show
# (public.PUBLIC_MODELS and their links) moves the cached pages' version on,
# and so does a bulk write the catalogue announces.


def _public_data_changed(sender, raw=False, **kwargs):
    if not raw:
        public_changed()


def _public_links_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        public_changed()


for model in public.PUBLIC_MODELS:
    post_save.connect(_public_data_changed, sender=model, dispatch_uid=f"public-save-{model}")
    post_delete.connect(_public_data_changed, sender=model, dispatch_uid=f"public-delete-{model}")
for through in public.PUBLIC_LINKS:
    m2m_changed.connect(_public_links_changed, sender=through, dispatch_uid=f"public-m2m-{through}")


@receiver(initiatives_changed, dispatch_uid="public-initiatives-changed")
def _initiatives_changed(sender, ids, **kwargs):
    public_changed()
