from django.urls import path

from .feeds import feed_views
from .views import (
    account,
    alerts,
    browse,
    curate,
    dashboard,
    importing,
    moderate,
    opendata,
    openreferral,
    reports,
    submit,
)

app_name = "initiatives"

site_rss, site_atom = feed_views()
place_rss, place_atom = feed_views("place")
theme_rss, theme_atom = feed_views("theme")
organisation_rss, organisation_atom = feed_views("organisation")

# People link to these: they are part of the product, so keep them stable.
urlpatterns = [
    path("", browse.home, name="home"),
    path("initiatives/", browse.initiative_list, name="list"),
    path("initiatives/export.csv", opendata.export_csv, name="export-csv"),
    path("initiatives/submit/", submit.submit, name="submit"),
    path("initiatives/submit/<int:pk>/review/", submit.submit_review, name="submit-review"),
    path("initiatives/submit/<int:pk>/done/", submit.submit_done, name="submit-done"),
    path("initiatives/<slug:slug>/", browse.initiative_detail, name="detail"),
    path("initiatives/<slug:slug>/report/", reports.report_create, name="report"),
    path("feeds/initiatives.rss", site_rss, name="feed-rss"),
    path("feeds/initiatives.atom", site_atom, name="feed-atom"),
    path("places/<slug:slug>/feed.rss", place_rss, name="place-feed-rss"),
    path("places/<slug:slug>/feed.atom", place_atom, name="place-feed-atom"),
    path("themes/<slug:slug>/feed.rss", theme_rss, name="theme-feed-rss"),
    path("themes/<slug:slug>/feed.atom", theme_atom, name="theme-feed-atom"),
    path("organisations/<slug:slug>/feed.rss", organisation_rss, name="organisation-feed-rss"),
    path("organisations/<slug:slug>/feed.atom", organisation_atom, name="organisation-feed-atom"),
    path("robots.txt", browse.robots_txt, name="robots"),
    path("places/", browse.place_index, name="place-index"),
    path("places/<slug:slug>/", browse.place_detail, name="place-detail"),
    path("themes/", browse.theme_index, name="theme-index"),
    path("themes/<slug:slug>/", browse.theme_detail, name="theme-detail"),
    path("organisations/", browse.organisation_index, name="organisation-index"),
    path("organisations/<slug:slug>/", browse.organisation_detail, name="organisation-detail"),
    path("map/", browse.map_view, name="map"),
    path("api/initiatives.geojson", browse.initiatives_geojson, name="geojson"),
    path("accessibility/", browse.accessibility, name="accessibility"),
    path("open-data/", opendata.open_data, name="open-data"),
    path("embed/map/", opendata.embed_map, name="embed-map"),
    path("alerts/follow/", alerts.follow, name="alert-follow"),
    path("alerts/<uuid:token>/confirm/", alerts.confirm, name="alert-confirm"),
    path("alerts/<uuid:token>/unsubscribe/", alerts.unsubscribe, name="alert-unsubscribe"),
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
    path("account/submissions/", submit.my_submissions, name="my-submissions"),
    path("account/submissions/<int:pk>/edit/", submit.submission_edit, name="submission-edit"),
    path("account/data.json", account.account_data, name="account-data"),
    path("moderation/", moderate.queue, name="moderation-queue"),
    path(
        "moderation/initiatives/<int:pk>/", moderate.initiative_item, name="moderation-initiative"
    ),
    path("moderation/edits/<int:pk>/", moderate.revision_item, name="moderation-revision"),
    path("moderation/reports/<int:pk>/", reports.report_item, name="moderation-report"),
    path("moderation/decide/", moderate.bulk_decide, name="moderation-bulk"),
    path("moderation/initiatives/<int:pk>/merge/", moderate.merge, name="moderation-merge"),
    path(
        "moderation/proposals/<str:kind>/<int:pk>/",
        moderate.proposal_decide,
        name="moderation-proposal",
    ),
    path("moderation/notifications/", moderate.notifications, name="moderation-notifications"),
    path("moderation/import/", importing.import_csv, name="import"),
    path("moderation/import/template.csv", importing.import_template, name="import-template"),
    path("moderation/dashboard/", dashboard.dashboard, name="moderation-dashboard"),
    path("collections/", curate.collection_index, name="collection-index"),
    path("collections/<slug:slug>/", curate.collection_detail, name="collection-detail"),
    path("curation/", curate.curation_home, name="curation"),
    path("curation/collections/new/", curate.collection_edit, name="collection-create"),
    path("curation/collections/<slug:slug>/", curate.collection_edit, name="collection-edit"),
    path("curation/initiatives/<int:pk>/feature/", curate.feature_toggle, name="feature"),
    path("curation/merge/places/", curate.merge_places, name="merge-places"),
    path("curation/merge/organisations/", curate.merge_organisations, name="merge-organisations"),
    path("account/delete/", account.account_delete, name="account-delete"),
]
