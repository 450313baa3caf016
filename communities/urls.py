from django.urls import path

from communities import views

app_name = "communities"

urlpatterns = [
    path("account/organisations/", views.memberships, name="memberships"),
]
