from django.urls import path

from . import views

app_name = "initiatives"

urlpatterns = [
    path("", views.home, name="home"),
    path("initiatives/<slug:slug>/", views.initiative_detail, name="detail"),
]
