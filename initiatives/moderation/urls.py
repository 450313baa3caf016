from django.urls import path

from initiatives.moderation.views import dashboard, importing, items, queue, reports

urlpatterns = [
    path("initiatives/<slug:slug>/report/", reports.report_create, name="report"),
    path("moderation/", queue.queue, name="moderation-queue"),
    path("moderation/initiatives/<int:pk>/", items.initiative_item, name="moderation-initiative"),
    path("moderation/edits/<int:pk>/", items.revision_item, name="moderation-revision"),
    path("moderation/reports/<int:pk>/", reports.report_item, name="moderation-report"),
    path("moderation/decide/", queue.bulk_decide, name="moderation-bulk"),
    path("moderation/initiatives/<int:pk>/merge/", items.merge, name="moderation-merge"),
    path(
        "moderation/proposals/<str:kind>/<int:pk>/",
        items.proposal_decide,
        name="moderation-proposal",
    ),
    path("moderation/notifications/", queue.notifications, name="moderation-notifications"),
    path("moderation/import/", importing.import_csv, name="import"),
    path("moderation/import/template.csv", importing.import_template, name="import-template"),
    path("moderation/dashboard/", dashboard.dashboard, name="moderation-dashboard"),
]
