"""The nightly retention job: delete what has passed its period in the
retention table (privacy/retention.py)."""

import logging

from django.tasks import task

from initiatives.privacy import services

logger = logging.getLogger(__name__)


@task
def apply_retention() -> None:
    done = services.apply_retention()
    logger.info("Retention applied: %s", {label: n for label, n in done.items() if n})
