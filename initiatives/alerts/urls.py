from django.urls import path

from initiatives.alerts import views

urlpatterns = [
    path("alerts/follow/", views.follow, name="alert-follow"),
    path("alerts/<uuid:token>/confirm/", views.confirm, name="alert-confirm"),
    path("alerts/<uuid:token>/unsubscribe/", views.unsubscribe, name="alert-unsubscribe"),
]
