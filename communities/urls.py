from django.urls import path

from communities import views

app_name = "communities"

urlpatterns = [
    path("account/organisations/", views.memberships, name="memberships"),
    path("places/containing.json", views.place_containing, name="place-containing"),
    path("places/<slug:slug>/boundary.geojson", views.place_boundary, name="place-boundary"),
]
