"""Merging duplicate places and organisations: everything that points at the
duplicate moves to the one kept, then the duplicate goes: initiatives,
proposals, memberships and the proposed edits that may still be approved.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from communities.models import Membership, Organisation, Place
from initiatives.models import (
    OPEN_REVISION_STATES,
    Initiative,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeRevision,
    ProposedOrganisation,
    ProposedPlace,
)
from initiatives.submissions import entries

# When the same person belongs to both organisations, the membership kept is
# the one that gives them the most.
MEMBERSHIP_RANK = {
    Membership.State.APPROVED: 2,
    Membership.State.REQUESTED: 1,
    Membership.State.DECLINED: 0,
}


def check_place_merge(duplicate: Place, keep: Place) -> None:
    """Raise ValidationError unless `duplicate` can be merged into `keep`."""
    if duplicate.pk == keep.pk:
        raise ValidationError(_("Choose two different places: a place cannot merge into itself."))
    if keep.path.startswith(duplicate.path):
        raise ValidationError(
            _(
                "“%(keep)s” lies within “%(duplicate)s”: a place cannot merge into a place "
                "inside it. Merge them the other way round."
            ),
            params={"keep": keep.name, "duplicate": duplicate.name},
        )


def check_organisation_merge(duplicate: Organisation, keep: Organisation) -> None:
    if duplicate.pk == keep.pk:
        raise ValidationError(
            _("Choose two different organisations: an organisation cannot merge into itself.")
        )


def _open_revisions():
    """Proposed edits that may still be approved: they hold place and
    organisation ids in their data."""
    return InitiativeRevision.objects.filter(state__in=OPEN_REVISION_STATES)


def place_merge_preview(duplicate: Place, keep: Place) -> list[tuple[str, int]]:
    """What a merge would move to `keep`, as (what, how many), for the
    confirmation page."""
    links = InitiativePlace.objects.filter(place=duplicate)
    shared = links.filter(
        Exists(InitiativePlace.objects.filter(initiative=OuterRef("initiative"), place=keep))
    )
    return [
        (_("Initiatives serving it"), links.count()),
        (_("… of which it is the primary place"), links.filter(is_primary=True).count()),
        (_("… of which already serve the place kept (linked once)"), shared.count()),
        (_("Organisations serving it"), duplicate.organisations.count()),
        (_("Places directly within it"), Place.objects.get_children(duplicate).count()),
        (
            _("Places within it at any depth"),
            Place.objects.within(duplicate, include_self=False).count(),
        ),
        (
            _("Proposed places within it or matched to it"),
            ProposedPlace.objects.filter(Q(within=duplicate) | Q(place=duplicate)).count(),
        ),
        (
            _("Proposed edits waiting with it as the primary place"),
            sum(
                1
                for data in _open_revisions().values_list("data", flat=True)
                if entries.names_place(data, duplicate.pk)
            ),
        ),
    ]


def organisation_merge_preview(
    duplicate: Organisation, keep: Organisation
) -> list[tuple[str, int]]:
    links = InitiativeOrganisation.objects.filter(organisation=duplicate)
    memberships = Membership.objects.filter(organisation=duplicate)
    return [
        (_("Links to initiatives (one per role)"), links.count()),
        (
            _("… of which the organisation kept already has in the same role (linked once)"),
            links.filter(_same_link_exists(keep)).count(),
        ),
        (
            _("Initiatives submitted on its behalf"),
            Initiative.objects.filter(on_behalf_of=duplicate).count(),
        ),
        (_("Memberships"), memberships.count()),
        (
            _("… of people already members of the organisation kept (combined)"),
            memberships.filter(_same_member_exists(keep)).count(),
        ),
        (_("Places served"), duplicate.places.count()),
        (
            _("Proposed organisations matched to it"),
            ProposedOrganisation.objects.filter(organisation=duplicate).count(),
        ),
        (
            _("Proposed edits waiting that name it"),
            sum(
                1
                for data in _open_revisions().values_list("data", flat=True)
                if entries.names_organisation(data, duplicate.pk)
            ),
        ),
    ]


@transaction.atomic
def merge_places(duplicate: Place, keep: Place) -> Place:
    """Move everything that refers to `duplicate` to `keep`, then delete it.

    Initiatives serving both keep one link (primary if either was); places
    within the duplicate move under `keep`; `keep` takes the duplicate's GSS
    code and centre where it has none.
    """
    # Lock both rows, and work on their current tree paths.
    locked = Place.objects.select_for_update().in_bulk([duplicate.pk, keep.pk])
    duplicate, keep = locked[duplicate.pk], locked[keep.pk]
    check_place_merge(duplicate, keep)

    links = InitiativePlace.objects.filter(place=duplicate)
    shared = links.filter(
        Exists(InitiativePlace.objects.filter(initiative=OuterRef("initiative"), place=keep))
    )
    became_primary = list(links.filter(is_primary=True).values_list("initiative_id", flat=True))
    # An initiative has one link to a place and one primary place: drop the
    # duplicate's link first, then make the kept link primary in its stead.
    shared_primary = list(shared.filter(is_primary=True).values_list("initiative_id", flat=True))
    shared.delete()
    InitiativePlace.objects.filter(place=keep, initiative_id__in=shared_primary).update(
        is_primary=True
    )
    links.update(place=keep)

    served = Organisation.places.through.objects
    served.filter(place=duplicate).exclude(
        organisation__in=served.filter(place=keep).values("organisation")
    ).update(place=keep)
    served.filter(place=duplicate).delete()

    ProposedPlace.objects.filter(within=duplicate).update(within=keep)
    ProposedPlace.objects.filter(place=duplicate).update(place=keep)

    for revision in _open_revisions():
        if entries.names_place(revision.data, duplicate.pk):
            entries.replace_place(revision.data, duplicate.pk, keep.pk)
            revision.save(update_fields=["data"])

    # Treebeard's move rewrites each branch's paths and both parents' counts;
    # the positions follow the tree's name order.
    for child in list(Place.objects.get_children(duplicate)):
        Place.objects.move(child, keep, pos="sorted-child")

    gone = f"{duplicate.name} (#{duplicate.pk})"
    gss_code, latitude, longitude = duplicate.gss_code, duplicate.latitude, duplicate.longitude
    # A leaf now, so only the duplicate itself goes (treebeard deletes branches).
    Place.objects.filter(pk=duplicate.pk).delete()

    keep.refresh_from_db()
    if not keep.gss_code:
        keep.gss_code = gss_code
    if not keep.has_centre and latitude is not None and longitude is not None:
        keep.latitude, keep.longitude = latitude, longitude
    # Initiatives without a pin of their own show their primary place's centre.
    if keep.has_centre and became_primary:
        Initiative.objects.filter(pk__in=became_primary, location_is_place_centre=True).update(
            latitude=keep.latitude, longitude=keep.longitude
        )
    keep._change_reason = f"Merged with {gone}"
    # Saved even when nothing changed: its post_save brings the search text of
    # the initiatives that now serve it up to date.
    keep.save()
    return keep


@transaction.atomic
def merge_organisations(duplicate: Organisation, keep: Organisation) -> Organisation:
    """Move everything that refers to `duplicate` to `keep`, then delete it.

    A link to an initiative in a role `keep` already has, and the membership
    of someone already a member of `keep`, are combined rather than doubled.
    """
    locked = Organisation.objects.select_for_update().in_bulk([duplicate.pk, keep.pk])
    duplicate, keep = locked[duplicate.pk], locked[keep.pk]
    check_organisation_merge(duplicate, keep)

    links = InitiativeOrganisation.objects.filter(organisation=duplicate)
    links.filter(_same_link_exists(keep)).delete()
    links.update(organisation=keep)

    Initiative.objects.filter(on_behalf_of=duplicate).update(on_behalf_of=keep)
    ProposedOrganisation.objects.filter(organisation=duplicate).update(organisation=keep)

    memberships = Membership.objects.filter(organisation=duplicate)
    for theirs in memberships.filter(_same_member_exists(keep)):
        ours = Membership.objects.get(user_id=theirs.user_id, organisation=keep)
        if MEMBERSHIP_RANK[theirs.state] > MEMBERSHIP_RANK[ours.state]:
            ours.state, ours.decided_at, ours.decided_by_id = (
                theirs.state,
                theirs.decided_at,
                theirs.decided_by_id,
            )
        ours.job_title = ours.job_title or theirs.job_title
        ours.message = ours.message or theirs.message
        ours.save()
        theirs.delete()
    memberships.update(organisation=keep)

    keep.places.add(*duplicate.places.all())

    for revision in _open_revisions():
        if entries.names_organisation(revision.data, duplicate.pk):
            entries.replace_organisation(revision.data, duplicate.pk, keep.pk)
            revision.save(update_fields=["data"])

    gone = f"{duplicate.name} (#{duplicate.pk})"
    website, description, logo = duplicate.website, duplicate.description, duplicate.logo.name
    duplicate.delete()

    keep.refresh_from_db()
    keep.website = keep.website or website
    keep.description = keep.description or description
    if not keep.logo and logo:
        keep.logo.name = logo
    keep._change_reason = f"Merged with {gone}"
    # Its post_save also refreshes the search text of its initiatives.
    keep.save()
    return keep


def _same_link_exists(keep: Organisation) -> Exists:
    return Exists(
        InitiativeOrganisation.objects.filter(
            initiative=OuterRef("initiative"), role=OuterRef("role"), organisation=keep
        )
    )


def _same_member_exists(keep: Organisation) -> Exists:
    return Exists(Membership.objects.filter(user=OuterRef("user"), organisation=keep))
