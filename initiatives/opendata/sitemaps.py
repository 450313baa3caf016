"""/sitemap.xml: the public pages, so that search engines find every
published initiative."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from communities.models import Organisation, Place
from initiatives import public
from initiatives.models import Theme


class InitiativeSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return public.published_initiatives().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class SubjectSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def __init__(self, queryset):
        self.queryset = queryset

    def items(self):
        return self.queryset


class StaticSitemap(Sitemap):
    priority = 0.6
    changefreq = "daily"

    def items(self):
        return [
            "initiatives:home",
            "initiatives:list",
            "initiatives:map",
            "initiatives:place-index",
            "initiatives:theme-index",
            "initiatives:organisation-index",
            "initiatives:collection-index",
            "initiatives:accessibility",
            "initiatives:open-data",
        ]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "pages": StaticSitemap(),
    "initiatives": InitiativeSitemap(),
    "places": SubjectSitemap(Place.objects.only("slug").order_by("path")),
    "themes": SubjectSitemap(Theme.objects.only("slug").order_by("pk")),
    "organisations": SubjectSitemap(Organisation.objects.only("slug").order_by("pk")),
    "collections": SubjectSitemap(public.public_collections().only("slug").order_by("pk")),
}
