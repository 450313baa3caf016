from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.static import serve

from initiatives.opendata.sitemaps import SITEMAPS
from initiatives.permissions import second_factor_required

# Staff sign in to the admin through the site's own sign-in page, with its
# rate limits and confirmed email addresses; the admin's own form would check
# passwords unthrottled.
admin.site.login = secure_admin_login(admin.site.login)
# And staff open the admin's pages with a second factor set up, as they do
# the moderation and curation pages (initiatives.permissions).
# (Once: the tests reload this module.)
if not hasattr(admin.site, "admin_view_without_second_factor"):
    admin.site.admin_view_without_second_factor = admin.site.admin_view
    admin.site.admin_view = lambda view, cacheable=False: second_factor_required(
        admin.site.admin_view_without_second_factor(view, cacheable)
    )

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("api/", include("initiatives.opendata.api.urls")),
    path("", include("accounts.urls")),
    path("", include("communities.urls")),
    path("", include("initiatives.urls")),
    path("account/", include("allauth.urls")),
]

if settings.SERVE_MEDIA:
    # Uploaded files served by Django itself: fine for development and a
    # single small server; larger sites put media on object storage.
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# The error pages, in the site's layout (config/errors.py); 404 is Django's own.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler500 = "config.errors.server_error"
