"""The record of moderation: decisions and reports."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from initiatives.catalogue.models import Initiative
from initiatives.submissions.models import InitiativeRevision


class ModerationDecision(models.Model):
    """A moderator's decision on a submission or a proposed edit: the audit
    trail, and the message the submitter sees."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="decisions")
    revision = models.ForeignKey(
        InitiativeRevision,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decisions",
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="moderation_decisions",
        verbose_name=_("moderator"),
    )
    from_state = models.CharField(_("from"), max_length=20)
    to_state = models.CharField(_("to"), max_length=20)
    message = models.TextField(_("message to the submitter"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    created_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # An item's history, newest first; the latest message in "my submissions".
            models.Index(fields=["initiative", "-created_at"], name="decision_initiative_idx"),
        ]

    def __str__(self):
        return f"{self.initiative}: {self.from_state} → {self.to_state}"


class Report(models.Model):
    """A problem with a published initiative, reported by anyone."""

    class Reason(models.TextChoices):
        WRONG = "wrong", _("Something in it is wrong")
        ENDED = "ended", _("It has ended or moved")
        DUPLICATE = "duplicate", _("It is listed twice")
        PRIVATE = "private", _("It shows private information")
        OFFENSIVE = "offensive", _("It is offensive or spam")
        OTHER = "other", _("Something else")

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for a moderator")
        RESOLVED = "resolved", _("Resolved")
        DISMISSED = "dismissed", _("Dismissed")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("details"), max_length=5000, blank=True)
    email = models.EmailField(
        _("email"), blank=True, help_text=_("Only to tell the reporter the outcome.")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    outcome = models.TextField(_("outcome, for the reporter"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "resolved", "dismissed"]), name="report_state_valid"
            ),
        ]
        indexes = [
            # The moderation queue, oldest first.
            models.Index(fields=["state", "created_at"], name="report_queue_idx"),
        ]

    def __str__(self):
        return f"{self.initiative}: {self.get_reason_display()}"
