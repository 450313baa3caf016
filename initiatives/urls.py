from django.urls import path

from .views import account, browse, moderate, submit

app_name = "initiatives"

# People link to these: they are part of the product, so keep them stable.
urlpatterns = [
    path("", browse.home, name="home"),
    path("initiatives/", browse.initiative_list, name="list"),
    path("initiatives/submit/", submit.submit, name="submit"),
    path("initiatives/submit/<int:pk>/review/", submit.submit_review, name="submit-review"),
    path("initiatives/submit/<int:pk>/done/", submit.submit_done, name="submit-done"),
    path("initiatives/<slug:slug>/", browse.initiative_detail, name="detail"),
    path("places/", browse.place_index, name="place-index"),
    path("places/<slug:slug>/", browse.place_detail, name="place-detail"),
    path("themes/", browse.theme_index, name="theme-index"),
    path("themes/<slug:slug>/", browse.theme_detail, name="theme-detail"),
    path("organisations/", browse.organisation_index, name="organisation-index"),
    path("organisations/<slug:slug>/", browse.organisation_detail, name="organisation-detail"),
    path("map/", browse.map_view, name="map"),
    path("api/initiatives.geojson", browse.initiatives_geojson, name="geojson"),
    path("accessibility/", browse.accessibility, name="accessibility"),
    path("account/submissions/", submit.my_submissions, name="my-submissions"),
    path("account/submissions/<int:pk>/edit/", submit.submission_edit, name="submission-edit"),
    path("account/data.json", account.account_data, name="account-data"),
    path("moderation/", moderate.queue, name="moderation-queue"),
    path(
        "moderation/initiatives/<int:pk>/", moderate.initiative_item, name="moderation-initiative"
    ),
    path("moderation/edits/<int:pk>/", moderate.revision_item, name="moderation-revision"),
    path("account/delete/", account.account_delete, name="account-delete"),
]
