from django.urls import path

from initiatives.privacy import views

urlpatterns = [
    path("privacy/", views.notice, name="privacy"),
    path("account/data.json", views.account_data, name="account-data"),
    path("account/delete/", views.account_delete, name="account-delete"),
]
