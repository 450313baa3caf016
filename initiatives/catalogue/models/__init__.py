"""The catalogue's models: themes, initiatives, the places and organisations
they are linked to, their photos and sources."""

from initiatives.catalogue.models.initiatives import (
    TOP_LEVEL_DEPTH,
    ActivityStatus,
    Initiative,
    InitiativeQuerySet,
    ModerationState,
    branch_counts,
)
from initiatives.catalogue.models.links import InitiativeOrganisation, InitiativePlace
from initiatives.catalogue.models.photos import InitiativeImage, InitiativeSource, Photo
from initiatives.catalogue.models.themes import Theme, ThemeQuerySet

__all__ = [
    "TOP_LEVEL_DEPTH",
    "ActivityStatus",
    "Initiative",
    "InitiativeImage",
    "InitiativeOrganisation",
    "InitiativePlace",
    "InitiativeQuerySet",
    "InitiativeSource",
    "ModerationState",
    "Photo",
    "Theme",
    "ThemeQuerySet",
    "branch_counts",
]
