"""The moderation state machine: the one table of allowed moves.

Every change of an initiative's moderation state goes through `move()`, so a
move that is not in TRANSITIONS cannot happen.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Initiative

State = Initiative.State

TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.PENDING}),
    State.PENDING: frozenset(
        {State.PUBLISHED, State.CHANGES_REQUESTED, State.REJECTED, State.DRAFT}
    ),
    State.CHANGES_REQUESTED: frozenset({State.PENDING, State.REJECTED}),
    State.PUBLISHED: frozenset({State.ARCHIVED}),
    State.REJECTED: frozenset(),
    State.ARCHIVED: frozenset({State.PUBLISHED}),
}


class IllegalTransition(ValidationError):
    pass


def can_move(from_state: str, to_state: str) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


def move(initiative: Initiative, to_state: str) -> Initiative:
    """Set the new state on `initiative` (unsaved); the caller saves it in its transaction."""
    if not can_move(initiative.moderation_state, to_state):
        raise IllegalTransition(
            _("An initiative cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": State(initiative.moderation_state).label,
                "to": State(to_state).label,
            }
        )
    initiative.moderation_state = to_state
    if to_state == State.PUBLISHED and initiative.published_at is None:
        initiative.published_at = timezone.now()
    return initiative
