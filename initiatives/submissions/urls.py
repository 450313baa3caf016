from django.urls import path

from initiatives.submissions import views

urlpatterns = [
    path("initiatives/submit/", views.submit, name="submit"),
    path("initiatives/submit/<int:pk>/review/", views.submit_review, name="submit-review"),
    path("initiatives/submit/<int:pk>/done/", views.submit_done, name="submit-done"),
    path("account/submissions/", views.my_submissions, name="my-submissions"),
    path("account/submissions/<int:pk>/edit/", views.submission_edit, name="submission-edit"),
]
