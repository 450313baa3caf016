from django.urls import path

from initiatives.browse import views

urlpatterns = [
    path("", views.home, name="home"),
    path("initiatives/", views.initiative_list, name="list"),
    path("initiatives/<slug:slug>/", views.initiative_detail, name="detail"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("places/", views.place_index, name="place-index"),
    path("places/<slug:slug>/", views.place_detail, name="place-detail"),
    path("themes/", views.theme_index, name="theme-index"),
    path("themes/<slug:slug>/", views.theme_detail, name="theme-detail"),
    path("organisations/", views.organisation_index, name="organisation-index"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation-detail"),
    path("map/", views.map_view, name="map"),
    path("api/initiatives.geojson", views.initiatives_geojson, name="geojson"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
