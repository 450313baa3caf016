from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path
from django.views.static import serve

from initiatives.opendata.sitemaps import SITEMAPS

# Staff sign in to the admin through the site's own sign-in page, with its
# rate limits and confirmed email addresses; the admin's own form would check
# passwords unthrottled.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
    path("api/", include("initiatives.opendata.api.urls")),
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
