"""Email alerts: people who follow a place or a theme."""

from uuid import uuid4

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.models import Place
from initiatives.catalogue.models import Theme


class AlertQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)


class Alert(models.Model):
    """Someone following a place (with every place under it) or a theme by
    email: once confirmed, a weekly digest of what was newly published there."""

    email = models.EmailField(_("email address"))
    place = models.ForeignKey(
        Place,
        verbose_name=_("place"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    theme = models.ForeignKey(
        Theme,
        verbose_name=_("theme"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    # The secret in the confirmation and unsubscribe links.
    token = models.UUIDField(default=uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("asked for"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # Initiatives published up to this moment have been sent, or were
    # published before the alert was confirmed: the next digest starts here.
    sent_through = models.DateTimeField(_("sent up to"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last digest sent"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("email alert")
        verbose_name_plural = _("email alerts")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(place__isnull=True, theme__isnull=False)
                | Q(place__isnull=False, theme__isnull=True),
                name="alert_place_or_theme",
            ),
            models.UniqueConstraint(
                fields=["email", "place"],
                condition=Q(place__isnull=False),
                name="alert_unique_place",
            ),
            models.UniqueConstraint(
                fields=["email", "theme"],
                condition=Q(theme__isnull=False),
                name="alert_unique_theme",
            ),
        ]
        indexes = [
            # The weekly digest walks the confirmed alerts.
            models.Index(
                fields=["confirmed_at"],
                condition=Q(confirmed_at__isnull=False),
                name="alert_confirmed_idx",
            ),
        ]

    def __str__(self):
        return f"{self.email}: {self.subject}"

    @property
    def subject(self):
        return self.place or self.theme
