"""The app's URLs, gathered from its capability packages under one namespace
(`initiatives:list`, `initiatives:moderation-queue`...). People link to these:
they are part of the product, so keep them stable.

Order matters where paths overlap: the fixed paths under `initiatives/`
(the CSV, the submission form) come before an initiative's `<slug>`."""

from initiatives.alerts import urls as alerts
from initiatives.browse import urls as browse
from initiatives.curation import urls as curation
from initiatives.moderation import urls as moderation
from initiatives.opendata import urls as opendata
from initiatives.ops import urls as ops
from initiatives.privacy import urls as privacy
from initiatives.submissions import urls as submissions

app_name = "initiatives"

urlpatterns = [
    *opendata.urlpatterns,
    *submissions.urlpatterns,
    *browse.urlpatterns,
    *moderation.urlpatterns,
    *ops.urlpatterns,
    *curation.urlpatterns,
    *alerts.urlpatterns,
    *privacy.urlpatterns,
]
