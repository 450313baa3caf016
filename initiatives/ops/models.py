from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """One slot of a scheduled job (initiatives/ops/schedule.py), recorded
    when the scheduler queued it: the unique constraint is what keeps a job
    from running twice for one slot, even with two schedulers."""

    job = models.CharField(_("job"), max_length=100)
    slot = models.DateTimeField(_("slot"))
    enqueued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    task_id = models.CharField(_("task"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        ordering = ["-slot", "job"]
        constraints = [
            # Also serves the background work page's last run of each job.
            models.UniqueConstraint(fields=["job", "slot"], name="ops_scheduledrun_once_per_slot"),
        ]
        indexes = [
            # The scheduler's clear-out of old runs.
            models.Index(fields=["slot"], name="ops_scheduledrun_slot_idx"),
        ]

    def __str__(self):
        return f"{self.job} at {self.slot:%Y-%m-%d %H:%M}"
