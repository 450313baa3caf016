"""The nightly retention job: delete what has passed its period in the
retention table (privacy/retention.py). The scheduler runs it at 02:15;
`manage.py apply_retention` runs it by hand."""

import logging

from django.tasks import task

from initiatives.ops.schedule import daily, scheduled
from initiatives.privacy import services

logger = logging.getLogger(__name__)


@scheduled("retention", daily(hour=2, minute=15))
@task
def apply_retention() -> None:
    done = services.apply_retention()
    logger.info("Retention applied: %s", {label: n for label, n in done.items() if n})
