"""Submissions from residents and organisation members, and proposed edits to
published initiatives."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Place
from initiatives import permissions
from initiatives.catalogue import photos
from initiatives.catalogue.services import (
    OrganisationRoles,
    copy_photos,
    initiative_create,
    initiative_locate,
    initiative_set_organisations,
    initiative_set_places,
)
from initiatives.models import (
    OPEN_REVISION_STATES,
    Initiative,
    InitiativeImage,
    InitiativeRevision,
    InitiativeSource,
    ProposalState,
    ProposedOrganisation,
    ProposedPlace,
    RevisionImage,
)
from initiatives.moderation import states
from initiatives.moderation.states import EDITABLE_STATES
from initiatives.submissions.entries import (
    _entry_fields,
    entry_data,
    stored_fields,
    stored_relations,
)
from initiatives.submissions.tasks import send_new_item_notice, send_submission_received


def _check_on_behalf_of(user, organisation) -> None:
    if organisation is not None and not permissions.can_submit_for(user, organisation):
        raise ValidationError(
            {"on_behalf_of": _("You can only submit for an organisation you are a member of.")}
        )


def _save_proposals(initiative, user, entry, proposed_organisations) -> None:
    """Replace the pending proposals of new places and organisations."""
    initiative.proposed_places.filter(state=ProposalState.PENDING).delete()
    initiative.proposed_organisations.filter(state=ProposalState.PENDING).delete()
    if entry.get("proposed_place"):
        ProposedPlace.objects.create(
            initiative=initiative,
            name=entry["proposed_place"],
            within=entry["primary_place"],
            proposed_by=user,
        )
    ProposedOrganisation.objects.bulk_create(
        ProposedOrganisation(
            initiative=initiative,
            name=row["name"],
            role=row["role"],
            website=row.get("website") or "",
            proposed_by=user,
        )
        for row in proposed_organisations
    )


def _save_source(initiative, entry) -> None:
    url = entry.get("source_url")
    if url and not initiative.sources.filter(url=url).exists():
        InitiativeSource.objects.create(
            initiative=initiative,
            title=entry.get("source_title") or url,
            url=url,
            position=initiative.sources.count(),
        )


def _add_photos(owner_field: str, owner, rows, written: list[str], model) -> None:
    """Store the photos of `rows` (from PhotoFormSet.photos()) for `owner`."""
    for position, row in enumerate(rows):
        photo = model(**{owner_field: owner}, alt_text=row["alt_text"])
        if owner_field == "initiative":
            photo.position = owner.images.count() + position
        if row.get("processed"):
            written += photos.attach(photo, row["processed"])
        else:
            written += photos.attach_kept(photo, row["kept"])
        photo.full_clean()
        photo.save()


def delete_photos(images) -> None:
    """Delete photo rows, and their files once the transaction has committed."""
    images = list(images)
    for image in images:
        image.delete()
    transaction.on_commit(lambda: [photos.remove_files(image) for image in images])


def _with_files_cleaned_up(write):
    """Run `write(written)` in a transaction; if it fails, remove the files
    it stored, so that nothing half-written is left behind."""
    written: list[str] = []
    try:
        with transaction.atomic():
            return write(written)
    except BaseException:
        photos.delete_names(written)
        raise


def _remember_credit_name(user, entry) -> None:
    """The name chosen to be credited by is offered again next time (it is
    public only on initiatives that a moderator approved with it)."""
    name = (entry.get("public_name") or "").strip()
    if entry.get("credit_submitter") and name and name != user.public_name:
        user.public_name = name
        user.save(update_fields=["public_name"])


def submission_create(
    *, user, entry: dict, organisations: OrganisationRoles, proposed_organisations, photo_rows
) -> Initiative:
    """A resident's new initiative, as a draft: the submitter checks it against
    similar initiatives before submission_submit() sends it to moderation."""
    _check_on_behalf_of(user, entry.get("on_behalf_of"))

    def write(written):
        initiative = initiative_create(
            places=[entry["primary_place"]],
            themes=list(entry["themes"]),
            organisations=organisations,
            moderation_state=Initiative.State.DRAFT,
            submitted_by=user,
            on_behalf_of=entry.get("on_behalf_of"),
            **_entry_fields(entry),
        )
        _save_proposals(initiative, user, entry, proposed_organisations)
        _save_source(initiative, entry)
        _add_photos("initiative", initiative, photo_rows, written, InitiativeImage)
        _remember_credit_name(user, entry)
        return initiative

    return _with_files_cleaned_up(write)


@transaction.atomic
def submission_submit(initiative: Initiative) -> Initiative:
    """Send a draft to moderation, and the submitter a confirmation."""
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if initiative.moderation_state != states.State.DRAFT:
        return initiative  # Sent already (a second click, say): nothing more to do.
    states.move(initiative, Initiative.State.PENDING)
    initiative.save(update_fields=["moderation_state", "updated_at"])
    transaction.on_commit(lambda: send_submission_received.enqueue(initiative.pk))
    transaction.on_commit(lambda: send_new_item_notice.enqueue("submission", initiative.pk))
    return initiative


@transaction.atomic
def submission_discard(initiative: Initiative) -> None:
    """Delete a draft that turned out to be an initiative already listed."""
    if initiative.moderation_state != Initiative.State.DRAFT:
        raise ValidationError(_("Only a draft can be discarded."))
    delete_photos(initiative.images.all())
    initiative.delete()


def submission_update(
    initiative: Initiative,
    *,
    user,
    entry: dict,
    organisations: OrganisationRoles,
    proposed_organisations,
    photo_rows,
    remove_photos=(),
) -> Initiative:
    """Edit a submission that is not public yet. One that came back with
    changes requested goes to moderation again."""
    if initiative.moderation_state not in EDITABLE_STATES:
        raise ValidationError(_("This submission can no longer be edited."))
    _check_on_behalf_of(user, entry.get("on_behalf_of"))

    def write(written):
        live = Initiative.objects.select_for_update().get(pk=initiative.pk)
        for name, value in _entry_fields(entry).items():
            setattr(live, name, value)
        live.on_behalf_of = entry.get("on_behalf_of")
        live.location_is_place_centre = live.latitude is None
        initiative_locate(live, entry["primary_place"])
        if live.moderation_state == Initiative.State.CHANGES_REQUESTED:
            states.move(live, Initiative.State.PENDING)
            # Back in the queue: moderators hear of it, as of a new item.
            transaction.on_commit(lambda: send_new_item_notice.enqueue("resubmission", live.pk))
        live.full_clean()
        live.save()
        initiative_set_places(live, _with_new_primary(live, entry["primary_place"]))
        live.themes.set(entry["themes"])
        initiative_set_organisations(live, organisations)
        _save_proposals(live, user, entry, proposed_organisations)
        _save_source(live, entry)
        delete_photos(live.images.filter(pk__in=remove_photos))
        _add_photos("initiative", live, photo_rows, written, InitiativeImage)
        _remember_credit_name(user, entry)
        return live

    return _with_files_cleaned_up(write)


def _with_new_primary(initiative: Initiative, primary: Place) -> list[Place]:
    """The places served once `primary` replaces the primary place; the
    other places (added by staff) stay."""
    others = [
        link.place
        for link in initiative.initiative_places.select_related("place")
        if not link.is_primary and link.place_id != primary.pk
    ]
    return [primary, *others]


def revision_propose(
    initiative: Initiative,
    *,
    user,
    entry: dict,
    organisations: OrganisationRoles,
    proposed_organisations,
    photo_rows,
    remove_photos=(),
) -> InitiativeRevision:
    """An edit to a published initiative: stored for moderation while the
    live initiative stays as it is. A second edit updates the open one."""
    if not initiative.is_public:
        raise ValidationError(_("Only a published initiative takes proposed edits."))
    _check_on_behalf_of(user, entry.get("on_behalf_of"))
    data = entry_data(
        entry=entry,
        organisations=organisations,
        proposed_organisations=proposed_organisations,
        remove_photos=[pk for pk in remove_photos if initiative.images.filter(pk=pk).exists()],
    )

    def write(written):
        Initiative.objects.select_for_update().get(pk=initiative.pk)
        revision = initiative.revisions.filter(state__in=OPEN_REVISION_STATES).first()
        if revision is None:
            revision = InitiativeRevision(initiative=initiative, proposed_by=user)
        resubmitted = revision.state == InitiativeRevision.State.CHANGES_REQUESTED
        revision.data = data
        revision.state = InitiativeRevision.State.PENDING
        revision.save()
        _add_photos("revision", revision, photo_rows, written, RevisionImage)
        # The name to credit is part of the edit: it changes on approval.
        kind = "resubmitted_edit" if resubmitted else "edit"
        transaction.on_commit(lambda: send_new_item_notice.enqueue(kind, revision.pk))
        return revision

    return _with_files_cleaned_up(write)


def revision_apply(revision: InitiativeRevision) -> Initiative:
    """Make a proposed edit live (the moderator's approval calls this)."""
    fields = stored_fields(revision.data)
    relations = stored_relations(revision.data)

    def write(written):
        live = Initiative.objects.select_for_update().get(pk=revision.initiative_id)
        for name, value in fields.items():
            setattr(live, name, value)
        live.location_is_place_centre = live.latitude is None
        primary = relations["primary_place"]
        initiative_locate(live, primary)
        live.full_clean()
        live.save()
        initiative_set_places(live, _with_new_primary(live, primary))
        live.themes.set(relations["themes"])
        initiative_set_organisations(live, relations["organisations"])
        entry = {"primary_place": primary, "proposed_place": relations["proposed_place"]}
        _save_proposals(live, revision.proposed_by, entry, relations["proposed_organisations"])
        _save_source(live, relations["entry"])
        delete_photos(live.images.filter(pk__in=relations["remove_photos"]))
        copy_photos(revision.images.all(), to=live)
        if revision.proposed_by is not None:
            _remember_credit_name(revision.proposed_by, relations["entry"])
        revision.state = InitiativeRevision.State.APPROVED
        revision.decided_at = timezone.now()
        revision.save(update_fields=["state", "decided_at", "updated_at"])
        return live

    return _with_files_cleaned_up(write)
