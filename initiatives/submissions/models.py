"""What submitters propose beside an initiative: new places and organisations,
and edits to a published initiative."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from communities.models import Organisation, Place
from initiatives.catalogue.models import Initiative, InitiativeOrganisation, Photo


class ProposalState(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Proposal(models.Model):
    """Something a submitter proposes to add to the directory along with an
    initiative; a moderator accepts it (creating or choosing the real record)
    or rejects it."""

    name = models.CharField(_("name"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.PENDING
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class ProposedPlace(Proposal):
    """A place that is not in the hierarchy yet. Until it is accepted, the
    initiative serves the place it lies within."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="proposed_places"
    )
    within = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("within")
    )
    place = models.ForeignKey(
        Place,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("place created or chosen"),
    )

    class Meta:
        verbose_name = _("proposed place")
        verbose_name_plural = _("proposed places")
        ordering = ["created_at", "pk"]
        indexes = [
            # The moderation queue, oldest first.
            models.Index(fields=["state", "created_at"], name="proposed_place_queue_idx"),
        ]


class ProposedOrganisation(Proposal):
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="proposed_organisations"
    )
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=InitiativeOrganisation.Role.choices,
        default=InitiativeOrganisation.Role.LEAD,
    )
    website = models.URLField(_("website"), blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation created or chosen"),
    )

    class Meta:
        verbose_name = _("proposed organisation")
        verbose_name_plural = _("proposed organisations")
        ordering = ["created_at", "pk"]
        indexes = [
            # The moderation queue, oldest first.
            models.Index(fields=["state", "created_at"], name="proposed_org_queue_idx"),
        ]


class RevisionState(models.TextChoices):
    PENDING = "pending", _("Waiting for moderation")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


OPEN_REVISION_STATES = [RevisionState.PENDING, RevisionState.CHANGES_REQUESTED]


class InitiativeRevision(models.Model):
    """An edit to a published initiative, waiting for moderation.

    The live initiative is untouched until a moderator approves; `data` holds
    the edited entry in the shape initiatives.services.revision_apply takes.
    """

    State = RevisionState

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="revisions")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="initiative_revisions",
        verbose_name=_("proposed by"),
    )
    data = models.JSONField(_("proposed entry"))
    state = models.CharField(
        _("state"), max_length=20, choices=RevisionState.choices, default=RevisionState.PENDING
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposed edit")
        verbose_name_plural = _("proposed edits")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open edit at a time: a second edit updates it.
            models.UniqueConstraint(
                fields=["initiative"],
                condition=Q(state__in=[RevisionState.PENDING, RevisionState.CHANGES_REQUESTED]),
                name="revision_one_open_per_initiative",
            ),
            models.CheckConstraint(
                condition=Q(state__in=RevisionState.values), name="revision_state_valid"
            ),
        ]
        indexes = [
            # The moderation queue, oldest first.
            models.Index(fields=["state", "created_at"], name="revision_queue_idx"),
        ]

    def __str__(self):
        return _("Edit to “%(title)s”") % {"title": self.initiative}

    @property
    def is_open(self):
        return self.state in OPEN_REVISION_STATES


class RevisionImage(Photo):
    """A photo added by a proposed edit; it joins the initiative on approval."""

    revision = models.ForeignKey(
        InitiativeRevision, on_delete=models.CASCADE, related_name="images"
    )

    class Meta:
        verbose_name = _("photo in a proposed edit")
        verbose_name_plural = _("photos in proposed edits")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(alt_text=""), name="revision_image_has_alt"),
        ]
