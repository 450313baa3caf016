from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from initiatives.models import Initiative

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


EDITABLE_STATES = (
    State.DRAFT,
    State.PENDING,
    State.CHANGES_REQUESTED,
)


NOT_PUBLIC_STATES = (*EDITABLE_STATES, State.REJECTED)
