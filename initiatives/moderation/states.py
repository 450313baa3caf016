"""The moderation state machine: the one table of allowed moves, and every
set of states the rest of the code asks about.

Every change of an initiative's moderation state goes through `move()` (or
`advance()`, which walks the table), so a move that is not in TRANSITIONS
cannot happen. A leaf: it imports only models, and any package may ask it.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from initiatives.models import Initiative, RevisionState

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


# A proposed edit's moves.
REVISION_TRANSITIONS: dict[str, frozenset[str]] = {
    RevisionState.PENDING: frozenset(
        {RevisionState.APPROVED, RevisionState.CHANGES_REQUESTED, RevisionState.REJECTED}
    ),
    RevisionState.CHANGES_REQUESTED: frozenset({RevisionState.PENDING, RevisionState.REJECTED}),
    RevisionState.APPROVED: frozenset(),
    RevisionState.REJECTED: frozenset(),
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


def advance(initiative, to_state: str) -> None:
    """Walk the shortest allowed path from the current state to `to_state`."""
    path = {initiative.moderation_state: None}
    frontier = [initiative.moderation_state]
    while frontier and to_state not in path:
        state = frontier.pop(0)
        for nxt in TRANSITIONS[state]:
            if nxt not in path:
                path[nxt] = state
                frontier.append(nxt)
    if to_state not in path:
        raise IllegalTransition(_("That moderation state cannot be reached."))
    steps = []
    while path[to_state] is not None:
        steps.append(to_state)
        to_state = path[to_state]
    for step in reversed(steps):
        move(initiative, step)


# What a submitter may still edit in place (a published initiative is edited
# through a proposed edit instead).
EDITABLE_STATES = (
    State.DRAFT,
    State.PENDING,
    State.CHANGES_REQUESTED,
)


# What is not, and has never been made, public: deleted with its submitter's account.
NOT_PUBLIC_STATES = (*EDITABLE_STATES, State.REJECTED)
