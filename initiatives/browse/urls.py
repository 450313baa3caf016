from django.urls import path

from initiatives.browse.views import initiatives, maps, site, subjects

urlpatterns = [
    path("", initiatives.home, name="home"),
    path("initiatives/", initiatives.initiative_list, name="list"),
    path("initiatives/<slug:slug>/", initiatives.initiative_detail, name="detail"),
    path("robots.txt", site.robots_txt, name="robots"),
    path("places/", subjects.place_index, name="place-index"),
    path("places/<slug:slug>/", subjects.place_detail, name="place-detail"),
    path("themes/", subjects.theme_index, name="theme-index"),
    path("themes/<slug:slug>/", subjects.theme_detail, name="theme-detail"),
    path("organisations/", subjects.organisation_index, name="organisation-index"),
    path("organisations/<slug:slug>/", subjects.organisation_detail, name="organisation-detail"),
    path("map/", maps.map_view, name="map"),
    path("accessibility/", site.accessibility, name="accessibility"),
]
