"""The record of moderation: decisions and reports."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from initiatives.catalogue.models import Initiative
from initiatives.submissions.models import InitiativeRevision


class ModerationDecisionQuerySet(models.QuerySet):
    def for_item(self, item) -> "ModerationDecisionQuerySet":
        """The decisions on `item` itself (an initiative's, not its edits'), newest first."""
        return self.filter(
            item_type=ContentType.objects.get_for_model(item, for_concrete_model=False),
            item_id=item.pk,
        )


class ModerationDecision(models.Model):
    """A moderator's decision on any item of the queue (a submission, a
    proposed edit, and what comes next): the audit trail, and the message the
    submitter sees. Written only through moderation.decisions.record()."""

    # What was decided. An edit's decision names the edit; `initiative` is
    # the initiative it concerns, for that initiative's own history.
    item_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, related_name="+"
    )
    item_id = models.PositiveBigIntegerField(null=True)
    item = GenericForeignKey("item_type", "item_id")
    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="decisions",
    )
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

    objects = ModerationDecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("moderation decision")
        verbose_name_plural = _("moderation decisions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # The item columns are nullable only for the rows written before
            # they existed (filled by migration 0013): every decision names one.
            models.CheckConstraint(
                condition=Q(item_type__isnull=False, item_id__isnull=False),
                name="decision_names_item",
            ),
        ]
        indexes = [
            # An initiative's history, newest first; the latest message in "my submissions".
            models.Index(fields=["initiative", "-created_at"], name="decision_initiative_idx"),
            # An item's own decisions, newest first: who decided it last (for_item()).
            models.Index(fields=["item_type", "item_id", "-created_at"], name="decision_item_idx"),
        ]

    def __str__(self):
        return f"{self.item or self.initiative}: {self.from_state} → {self.to_state}"

    def save(self, *args, **kwargs):
        # A decision written with only its initiative (fixtures, older code)
        # is a decision on that initiative: name it as the item.
        if self.item_id is None and self.initiative_id is not None:
            self.item = self.revision or self.initiative
        super().save(*args, **kwargs)


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
