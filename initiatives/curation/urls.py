from django.urls import path

from initiatives.curation import views

urlpatterns = [
    path("collections/", views.collection_index, name="collection-index"),
    path("collections/<slug:slug>/", views.collection_detail, name="collection-detail"),
    path("curation/", views.curation_home, name="curation"),
    path("curation/collections/new/", views.collection_edit, name="collection-create"),
    path("curation/collections/<slug:slug>/", views.collection_edit, name="collection-edit"),
    path("curation/initiatives/<int:pk>/feature/", views.feature_toggle, name="feature"),
    path("curation/merge/places/", views.merge_places, name="merge-places"),
    path("curation/merge/organisations/", views.merge_organisations, name="merge-organisations"),
]
