"""The places an initiative serves and the organisations involved in it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.models import Organisation, Place


class InitiativePlace(models.Model):
    """A place an initiative serves. Exactly one of an initiative's places is primary."""

    initiative = models.ForeignKey(
        "initiatives.Initiative", on_delete=models.CASCADE, related_name="initiative_places"
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="initiative_links", verbose_name=_("place")
    )
    is_primary = models.BooleanField(_("primary place"), default=False)

    class Meta:
        verbose_name = _("place served")
        verbose_name_plural = _("places served")
        constraints = [
            models.UniqueConstraint(fields=["initiative", "place"], name="initiative_place_unique"),
            models.UniqueConstraint(
                fields=["initiative"],
                condition=Q(is_primary=True),
                name="initiative_one_primary_place",
            ),
        ]

    def __str__(self):
        return f"{self.initiative} — {self.place}"


class InitiativeOrganisation(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        PARTNER = "partner", _("Partner")
        FUNDER = "funder", _("Funder")
        SUPPORTER = "supporter", _("Supporter")

    initiative = models.ForeignKey(
        "initiatives.Initiative", on_delete=models.CASCADE, related_name="initiative_organisations"
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="initiative_links",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.LEAD)

    class Meta:
        verbose_name = _("organisation involved")
        verbose_name_plural = _("organisations involved")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "organisation", "role"],
                name="initiative_organisation_role_unique",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["lead", "partner", "funder", "supporter"]),
                name="initiative_organisation_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} ({self.get_role_display()}) — {self.initiative}"
