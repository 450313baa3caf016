"""Decisions: a moderator's move of a submission, a proposed edit, a merge or a
proposed place or organisation, recorded with its message and internal note
and told to the submitter by email once the transaction has committed.

Every flow has the same shape: `deciding()` locks the item and checks that it
is still in the state the moderator saw, the flow makes its move, and
`record()` writes the decision and queues the email.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.models import Organisation, Place
from communities.services import organisation_create, place_create
from initiatives.catalogue.services import initiative_absorb, initiative_set_places
from initiatives.models import (
    Initiative,
    InitiativeOrganisation,
    InitiativeRevision,
    ModerationDecision,
    ProposalState,
    ProposedPlace,
    Report,
    RevisionState,
)
from initiatives.moderation.states import (
    REVISION_TRANSITIONS,
    IllegalTransition,
    State,
    can_move,
    move,
)
from initiatives.moderation.tasks import send_decision
from initiatives.submissions.services import revision_apply

ACTIONS: dict[str, str] = {
    "approve": State.PUBLISHED,
    "request_changes": State.CHANGES_REQUESTED,
    "reject": State.REJECTED,
    "archive": State.ARCHIVED,
}


MESSAGE_REQUIRED = {
    "request_changes": gettext_lazy("Write a message telling the submitter what to change."),
    "reject": gettext_lazy("Give the reason for rejecting it."),
}


REVISION_ACTIONS = {
    "approve": RevisionState.APPROVED,
    "request_changes": RevisionState.CHANGES_REQUESTED,
    "reject": RevisionState.REJECTED,
}


# The field holding each kind of item's moderation state.
STATE_FIELDS: dict[type[models.Model], str] = {
    Initiative: "moderation_state",
    InitiativeRevision: "state",
    Report: "state",
}


class AlreadyDecided(ValidationError):
    """Someone else decided the item between the moment it was shown and now."""


def already_decided(by=None) -> AlreadyDecided:
    """The refusal a moderator gets when `by` (a user) decided first."""
    who = str(by) if by else _("another moderator")
    return AlreadyDecided(
        _("This was already decided by %(who)s: nothing more was done.") % {"who": who},
        code="already_decided",
    )


def last_moderator(item):
    """Who decided `item` last, or None."""
    if isinstance(item, Report):
        return item.decided_by
    last = ModerationDecision.objects.for_item(item).select_related("moderator").first()
    return last.moderator if last else None


def already_decided_on(item) -> AlreadyDecided:
    return already_decided(last_moderator(item))


@contextmanager
def deciding(model: type[models.Model], pk: int, seen_state: str) -> Iterator[models.Model]:
    """In a transaction, lock the item and hand it over, unless it has left
    `seen_state` (the state the moderator saw: another moderator was
    quicker), when AlreadyDecided is raised and nothing is done twice."""
    with transaction.atomic():
        live = model.objects.select_for_update().get(pk=pk)
        if getattr(live, STATE_FIELDS[model]) != seen_state:
            raise already_decided_on(live)
        yield live


def record(
    item,
    *,
    moderator,
    from_state: str,
    to_state: str,
    message: str = "",
    note: str = "",
) -> ModerationDecision:
    """Record a decision on `item` and, once committed, email the submitter.

    The one way a decision is written. An item that belongs to an
    initiative (a proposed edit) joins that initiative's history too.
    """
    initiative = item if isinstance(item, Initiative) else getattr(item, "initiative", None)
    decision = ModerationDecision.objects.create(
        item=item,
        initiative=initiative,
        revision=item if isinstance(item, InitiativeRevision) else None,
        moderator=moderator,
        from_state=from_state,
        to_state=to_state,
        message=message.strip(),
        internal_note=note.strip(),
    )
    transaction.on_commit(lambda: send_decision.enqueue(decision.pk))
    return decision


def _check_message(action: str, message: str) -> None:
    if action in MESSAGE_REQUIRED and not message.strip():
        raise ValidationError({"message": MESSAGE_REQUIRED[action]}, code="message_required")
    # Forms refuse a NUL; the bulk and merge buttons send their text as it came.
    if "\x00" in message:
        raise ValidationError({"message": _("Null characters are not allowed.")}, code="null")


def _check_action(action: str, actions: dict[str, str], message: str) -> None:
    if action not in actions:
        raise ValidationError(_("Choose a decision."), code="unknown_action")
    _check_message(action, message)


def initiative_actions(initiative: Initiative) -> list[str]:
    """The decisions a moderator may take on `initiative` now."""
    return [a for a, to in ACTIONS.items() if can_move(initiative.moderation_state, to)]


def revision_actions(revision: InitiativeRevision) -> list[str]:
    """The decisions a moderator may take on a proposed edit now."""
    return [a for a, to in REVISION_ACTIONS.items() if to in REVISION_TRANSITIONS[revision.state]]


def decide(
    initiative: Initiative,
    *,
    moderator,
    action: str,
    message: str = "",
    note: str = "",
    seen_state: str | None = None,
) -> ModerationDecision:
    """Apply a moderator's decision on an initiative (`seen_state`: see deciding())."""
    _check_action(action, ACTIONS, message)
    with deciding(Initiative, initiative.pk, seen_state or initiative.moderation_state) as live:
        from_state = live.moderation_state
        move(live, ACTIONS[action])
        live.save(update_fields=["moderation_state", "published_at", "updated_at"])
        decision = record(
            live,
            moderator=moderator,
            from_state=from_state,
            to_state=live.moderation_state,
            message=message,
            note=note,
        )
    initiative.moderation_state = live.moderation_state
    initiative.published_at = live.published_at
    return decision


def decide_revision(
    revision: InitiativeRevision,
    *,
    moderator,
    action: str,
    message: str = "",
    note: str = "",
    seen_state: str | None = None,
) -> ModerationDecision:
    """Apply a moderator's decision on a proposed edit; approving makes it live."""
    _check_action(action, REVISION_ACTIONS, message)
    with deciding(InitiativeRevision, revision.pk, seen_state or revision.state) as live:
        to_state = REVISION_ACTIONS[action]
        if to_state not in REVISION_TRANSITIONS[live.state]:
            raise IllegalTransition(_("This edit cannot be decided now."))
        from_state = live.state
        if to_state == RevisionState.APPROVED:
            revision_apply(live)
        else:
            live.state = to_state
            live.decided_at = timezone.now()
            live.save(update_fields=["state", "decided_at", "updated_at"])
        decision = record(
            live,
            moderator=moderator,
            from_state=from_state,
            to_state=to_state,
            message=message,
            note=note,
        )
    revision.state = to_state
    return decision


def merge_duplicate(
    duplicate: Initiative, *, into: Initiative, moderator, message: str = "", note: str = ""
) -> ModerationDecision:
    """Mark `duplicate` as the same initiative as `into`.

    Nothing of either is lost: `into` gains the places, themes, organisations,
    sources and photos it lacked; `duplicate` is kept, rejected (or archived,
    if it was public), pointing at `into`, with the decision recorded.
    """
    if duplicate.pk == into.pk:
        raise ValidationError(
            _("An initiative cannot be a duplicate of itself."), code="self_duplicate"
        )
    _check_message("merge", message)
    with deciding(Initiative, duplicate.pk, duplicate.moderation_state) as live:
        target = Initiative.objects.select_for_update().get(pk=into.pk)
        if live.duplicate_of_id:
            raise already_decided_on(live)
        to_state = State.ARCHIVED if live.moderation_state == State.PUBLISHED else State.REJECTED
        if not can_move(live.moderation_state, to_state):
            raise IllegalTransition(_("This initiative cannot be merged now."))
        initiative_absorb(target, live)
        from_state = live.moderation_state
        move(live, to_state)
        live.duplicate_of = target
        live.save(update_fields=["moderation_state", "duplicate_of", "updated_at"])
        return record(
            live,
            moderator=moderator,
            from_state=from_state,
            to_state=to_state,
            message=message.strip()
            or _("It is already on the map as “%(title)s”; what you sent was added there.")
            % {"title": target.title},
            note=note.strip() or f"Merged into #{target.pk} {target.title}",
        )


def _proposal_already_decided() -> AlreadyDecided:
    return AlreadyDecided(_("This proposal was already decided."), code="already_decided")


def proposal_accept(proposal, *, moderator, existing=None, kind: str = "other"):
    """Accept a proposed place or organisation: create it (or use `existing`),
    and link the initiative to it."""
    with transaction.atomic():
        live = type(proposal).objects.select_for_update().get(pk=proposal.pk)
        if live.state != ProposalState.PENDING:
            raise _proposal_already_decided()
        if isinstance(live, ProposedPlace):
            live.place = _accept_place(live, existing, kind)
        else:
            live.organisation = _accept_organisation(live, existing, kind)
        live.state = ProposalState.ACCEPTED
        live.save()
    return live


def _accept_place(proposal: ProposedPlace, existing: Place | None, kind: str) -> Place:
    place = existing or place_create(
        name=proposal.name,
        kind=kind if kind in Place.Kind.values else Place.Kind.OTHER,
        parent=proposal.within,
        latitude=proposal.within.latitude,
        longitude=proposal.within.longitude,
    )
    initiative = proposal.initiative
    others = [
        link.place
        for link in initiative.initiative_places.select_related("place")
        if link.place_id not in (place.pk, proposal.within_id) and not link.is_primary
    ]
    initiative_set_places(initiative, [place, *others])
    return place


def _accept_organisation(proposal, existing: Organisation | None, kind: str) -> Organisation:
    organisation = existing or organisation_create(
        name=proposal.name,
        kind=kind if kind in Organisation.Kind.values else Organisation.Kind.OTHER,
        website=proposal.website,
    )
    InitiativeOrganisation.objects.get_or_create(
        initiative=proposal.initiative, organisation=organisation, role=proposal.role
    )
    return organisation


def proposal_reject(proposal, *, moderator) -> None:
    updated = (
        type(proposal)
        .objects.filter(pk=proposal.pk, state=ProposalState.PENDING)
        .update(state=ProposalState.REJECTED)
    )
    if not updated:
        raise _proposal_already_decided()
