"""Decisions: a moderator's move of a submission, a proposed edit, a merge or a
proposed place or organisation, recorded with its message and internal note
and told to the submitter by email once the transaction has committed."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from initiatives.models import Initiative
from initiatives.moderation.states import IllegalTransition, State, can_move, move

ACTIONS: dict[str, str] = {
    "approve": State.PUBLISHED,
    "request_changes": State.CHANGES_REQUESTED,
    "reject": State.REJECTED,
    "archive": State.ARCHIVED,
}


MESSAGE_REQUIRED = {
    "request_changes": _("Write a message telling the submitter what to change."),
    "reject": _("Give the reason for rejecting it."),
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


def already_decided_on(decisions) -> AlreadyDecided:
    last = decisions.select_related("moderator").first()
    return already_decided(last.moderator if last else None)


def _check_message(action: str, message: str) -> None:
    if action in MESSAGE_REQUIRED and not message.strip():
        raise ValidationError({"message": MESSAGE_REQUIRED[action]}, code="message_required")
    # Forms refuse a NUL; the bulk and merge buttons send their text as it came.
    if "\x00" in message:
        raise ValidationError({"message": _("Null characters are not allowed.")}, code="null")


def decide(
    initiative,
    *,
    moderator,
    action: str,
    message: str = "",
    note: str = "",
    seen_state: str | None = None,
):
    """Apply a moderator's decision on an initiative.

    `seen_state` is the state the moderator saw: if the initiative has moved
    since (another moderator was quicker), AlreadyDecided is raised and
    nothing is applied twice.
    """
    from django.db import transaction

    from initiatives.models import ModerationDecision
    from initiatives.moderation.tasks import send_decision

    if action not in ACTIONS:
        raise ValidationError(_("Choose a decision."), code="unknown_action")
    _check_message(action, message)
    with transaction.atomic():
        live = Initiative.objects.select_for_update().get(pk=initiative.pk)
        if live.moderation_state != (seen_state or initiative.moderation_state):
            raise already_decided_on(live.decisions.filter(revision=None))
        from_state = live.moderation_state
        move(live, ACTIONS[action])
        live.save(update_fields=["moderation_state", "published_at", "updated_at"])
        decision = ModerationDecision.objects.create(
            initiative=live,
            moderator=moderator,
            from_state=from_state,
            to_state=live.moderation_state,
            message=message.strip(),
            internal_note=note.strip(),
        )
        transaction.on_commit(lambda: send_decision.enqueue(decision.pk))
    initiative.moderation_state = live.moderation_state
    initiative.published_at = live.published_at
    return decision


REVISION_ACTIONS = {
    "approve": "approved",
    "request_changes": "changes_requested",
    "reject": "rejected",
}


REVISION_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"approved", "changes_requested", "rejected"}),
    "changes_requested": frozenset({"pending", "rejected"}),
    "approved": frozenset(),
    "rejected": frozenset(),
}


def decide_revision(
    revision,
    *,
    moderator,
    action: str,
    message: str = "",
    note: str = "",
    seen_state: str | None = None,
):
    """Apply a moderator's decision on a proposed edit; approving makes it live."""
    from django.db import transaction

    from initiatives.models import InitiativeRevision, ModerationDecision
    from initiatives.moderation.tasks import send_decision
    from initiatives.submissions.services import revision_apply

    if action not in REVISION_ACTIONS:
        raise ValidationError(_("Choose a decision."), code="unknown_action")
    _check_message(action, message)
    with transaction.atomic():
        live = InitiativeRevision.objects.select_for_update().get(pk=revision.pk)
        if live.state != (seen_state or revision.state):
            raise already_decided_on(live.decisions.all())
        to_state = REVISION_ACTIONS[action]
        if to_state not in REVISION_TRANSITIONS[live.state]:
            raise IllegalTransition(_("This edit cannot be decided now."))
        from_state = live.state
        if to_state == "approved":
            revision_apply(live)
        else:
            live.state = to_state
            live.decided_at = timezone.now()
            live.save(update_fields=["state", "decided_at", "updated_at"])
        decision = ModerationDecision.objects.create(
            initiative_id=live.initiative_id,
            revision=live,
            moderator=moderator,
            from_state=from_state,
            to_state=to_state,
            message=message.strip(),
            internal_note=note.strip(),
        )
        transaction.on_commit(lambda: send_decision.enqueue(decision.pk))
    revision.state = to_state
    return decision


def merge_duplicate(duplicate, *, into, moderator, message: str = "", note: str = ""):
    """Mark `duplicate` as the same initiative as `into`.

    Nothing of either is lost: `into` gains the places, themes, organisations,
    sources and photos it lacked; `duplicate` is kept, rejected (or archived,
    if it was public), pointing at `into`, with the decision recorded.
    """
    from django.db import transaction

    from initiatives.catalogue.services import copy_photos
    from initiatives.models import (
        InitiativeOrganisation,
        InitiativePlace,
        InitiativeSource,
        ModerationDecision,
    )
    from initiatives.moderation.tasks import send_decision

    if duplicate.pk == into.pk:
        raise ValidationError(_("An initiative cannot be a duplicate of itself."))
    _check_message("merge", message)
    with transaction.atomic():
        live = Initiative.objects.select_for_update().get(pk=duplicate.pk)
        target = Initiative.objects.select_for_update().get(pk=into.pk)
        if live.duplicate_of_id:
            raise already_decided_on(live.decisions.filter(revision=None))
        to_state = State.ARCHIVED if live.moderation_state == State.PUBLISHED else State.REJECTED
        if not can_move(live.moderation_state, to_state):
            raise IllegalTransition(_("This initiative cannot be merged now."))
        have = set(target.initiative_places.values_list("place_id", flat=True))
        InitiativePlace.objects.bulk_create(
            InitiativePlace(initiative=target, place_id=link.place_id, is_primary=False)
            for link in live.initiative_places.all()
            if link.place_id not in have
        )
        target.themes.add(*live.themes.all())
        roles = set(target.initiative_organisations.values_list("organisation_id", "role"))
        InitiativeOrganisation.objects.bulk_create(
            InitiativeOrganisation(
                initiative=target, organisation_id=link.organisation_id, role=link.role
            )
            for link in live.initiative_organisations.all()
            if (link.organisation_id, link.role) not in roles
        )
        urls = set(target.sources.exclude(url="").values_list("url", flat=True))
        position = target.sources.count()
        for offset, source in enumerate(live.sources.all()):
            if source.url and source.url in urls:
                continue
            InitiativeSource.objects.create(
                initiative=target,
                title=source.title,
                url=source.url,
                publisher=source.publisher,
                author=source.author,
                published_on=source.published_on,
                reference=source.reference,
                quote=source.quote,
                position=position + offset,
            )
        copy_photos(live.images.all(), to=target)
        from_state = live.moderation_state
        move(live, to_state)
        live.duplicate_of = target
        live.save(update_fields=["moderation_state", "duplicate_of", "updated_at"])
        target.save(update_fields=["updated_at"])  # new names for its search vector
        decision = ModerationDecision.objects.create(
            initiative=live,
            moderator=moderator,
            from_state=from_state,
            to_state=to_state,
            message=message.strip()
            or _("It is already on the map as “%(title)s”; what you sent was added there.")
            % {"title": target.title},
            internal_note=note.strip() or f"Merged into #{target.pk} {target.title}",
        )
        transaction.on_commit(lambda: send_decision.enqueue(decision.pk))
    return decision


def proposal_accept(proposal, *, moderator, existing=None, kind: str = "other"):
    """Accept a proposed place or organisation: create it (or use `existing`),
    and link the initiative to it."""
    from django.db import transaction

    from communities.models import Organisation, Place
    from communities.services import organisation_create, place_create
    from initiatives.catalogue.services import initiative_set_places
    from initiatives.models import InitiativeOrganisation, ProposalState, ProposedPlace

    with transaction.atomic():
        live = type(proposal).objects.select_for_update().get(pk=proposal.pk)
        if live.state != ProposalState.PENDING:
            raise AlreadyDecided(_("This proposal was already decided."), code="already_decided")
        initiative = live.initiative
        if isinstance(live, ProposedPlace):
            place = existing or place_create(
                name=live.name,
                kind=kind if kind in Place.Kind.values else Place.Kind.OTHER,
                parent=live.within,
                latitude=live.within.latitude,
                longitude=live.within.longitude,
            )
            links = initiative.initiative_places.select_related("place")
            others = [
                link.place
                for link in links
                if link.place_id not in (place.pk, live.within_id) and not link.is_primary
            ]
            initiative_set_places(initiative, [place, *others])
            live.place = place
        else:
            organisation = existing or organisation_create(
                name=live.name,
                kind=kind if kind in Organisation.Kind.values else "other",
                website=live.website,
            )
            InitiativeOrganisation.objects.get_or_create(
                initiative=initiative, organisation=organisation, role=live.role
            )
            live.organisation = organisation
        live.state = ProposalState.ACCEPTED
        live.save()
    return live


def proposal_reject(proposal, *, moderator):
    from initiatives.models import ProposalState

    updated = (
        type(proposal)
        .objects.filter(pk=proposal.pk, state=ProposalState.PENDING)
        .update(state=ProposalState.REJECTED)
    )
    if not updated:
        raise AlreadyDecided(_("This proposal was already decided."), code="already_decided")
