from django.urls import path

from initiatives.opendata import area_views, views
from initiatives.opendata import openreferral_views as openreferral
from initiatives.opendata.feeds import feed_views

site_rss, site_atom = feed_views()
place_rss, place_atom = feed_views("place")
theme_rss, theme_atom = feed_views("theme")
organisation_rss, organisation_atom = feed_views("organisation")

urlpatterns = [
    path("initiatives/export.csv", views.export_csv, name="export-csv"),
    path("api/initiatives.geojson", views.initiatives_geojson, name="geojson"),
    path("initiatives/<slug:slug>/area.geojson", area_views.area_geojson, name="area-geojson"),
    path("open-data/", views.open_data, name="open-data"),
    path("embed/map/", views.embed_map, name="embed-map"),
    path("feeds/initiatives.rss", site_rss, name="feed-rss"),
    path("feeds/initiatives.atom", site_atom, name="feed-atom"),
    path("places/<slug:slug>/feed.rss", place_rss, name="place-feed-rss"),
    path("places/<slug:slug>/feed.atom", place_atom, name="place-feed-atom"),
    path("themes/<slug:slug>/feed.rss", theme_rss, name="theme-feed-rss"),
    path("themes/<slug:slug>/feed.atom", theme_atom, name="theme-feed-atom"),
    path("organisations/<slug:slug>/feed.rss", organisation_rss, name="organisation-feed-rss"),
    path("organisations/<slug:slug>/feed.atom", organisation_atom, name="organisation-feed-atom"),
    # Open Referral UK: the standard's own paths, without trailing slashes.
    path("openreferral/", openreferral.index, name="openreferral"),
    path("openreferral/services", openreferral.service_list, name="or-services"),
    path("openreferral/services/<str:id>", openreferral.service_detail, name="or-service"),
    path(
        "openreferral/service_at_locations",
        openreferral.service_at_location_list,
        name="or-service-at-locations",
    ),
    path(
        "openreferral/service_at_locations/<str:id>",
        openreferral.service_at_location_detail,
        name="or-service-at-location",
    ),
    path("openreferral/organizations", openreferral.organization_list, name="or-organizations"),
    path(
        "openreferral/organizations/<str:id>",
        openreferral.organization_detail,
        name="or-organization",
    ),
    path("openreferral/taxonomies", openreferral.taxonomy_list, name="or-taxonomies"),
    path("openreferral/taxonomies/<str:id>", openreferral.taxonomy_detail, name="or-taxonomy"),
    path("openreferral/taxonomy_terms", openreferral.taxonomy_term_list, name="or-taxonomy-terms"),
    path(
        "openreferral/taxonomy_terms/<str:id>",
        openreferral.taxonomy_term_detail,
        name="or-taxonomy-term",
    ),
]
