from django.urls import path

from initiatives.ops import views

urlpatterns = [
    path("moderation/background/", views.background, name="background-work"),
    path(
        "moderation/background/emails/<int:pk>/retry/",
        views.retry_email,
        name="background-email-retry",
    ),
]
