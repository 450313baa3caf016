from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from initiatives.opendata.api import views

app_name = "api"


class Router(DefaultRouter):
    # No `.json` suffixes: /api/initiatives.geojson is a page of its own.
    include_format_suffixes = False
    APIRootView = views.RootView


router = Router()
router.register("initiatives", views.InitiativeViewSet, basename="initiative")
router.register("places", views.PlaceViewSet, basename="place")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("collections", views.CollectionViewSet, basename="collection")

urlpatterns = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="opendata/api_docs.html"
        ),
        name="docs",
    ),
    *router.urls,
]
