"""Every model of the app, gathered from the capability packages that own
them, so that Django finds them (and their migrations) as one app."""

from initiatives.alerts.models import Alert, AlertQuerySet
from initiatives.browse.models import MapCell, Tally, TallyMark
from initiatives.catalogue.models import (
    TOP_LEVEL_DEPTH,
    ActivityStatus,
    Initiative,
    InitiativeImage,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeQuerySet,
    InitiativeSource,
    ModerationState,
    Photo,
    Theme,
    ThemeQuerySet,
    branch_counts,
)
from initiatives.curation.models import Collection, CollectionItem
from initiatives.moderation.models import ModerationDecision, Report
from initiatives.ops.models import ScheduledRun
from initiatives.submissions.models import (
    OPEN_REVISION_STATES,
    InitiativeRevision,
    Proposal,
    ProposalState,
    ProposedOrganisation,
    ProposedPlace,
    RevisionImage,
    RevisionState,
)

__all__ = [
    "OPEN_REVISION_STATES",
    "TOP_LEVEL_DEPTH",
    "ActivityStatus",
    "Alert",
    "AlertQuerySet",
    "Collection",
    "CollectionItem",
    "Initiative",
    "InitiativeImage",
    "InitiativeOrganisation",
    "InitiativePlace",
    "InitiativeQuerySet",
    "InitiativeRevision",
    "InitiativeSource",
    "MapCell",
    "ModerationDecision",
    "ModerationState",
    "Photo",
    "Proposal",
    "ProposalState",
    "ProposedOrganisation",
    "ProposedPlace",
    "Report",
    "RevisionImage",
    "RevisionState",
    "ScheduledRun",
    "Tally",
    "TallyMark",
    "Theme",
    "ThemeQuerySet",
    "branch_counts",
]
