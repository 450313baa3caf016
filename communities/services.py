from django.db import transaction
from django.utils import timezone

from communities.models import Membership, Organisation, Place
from communities.slugs import unique_slug
from communities.tasks import send_membership_decided, send_membership_requested


@transaction.atomic
def place_create(
    *,
    name: str,
    kind: str,
    parent: Place | None = None,
    slug: str = "",
    gss_code: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> Place:
    place = Place(
        name=name,
        kind=kind,
        slug=slug or unique_slug(Place, name),
        gss_code=gss_code,
        latitude=latitude,
        longitude=longitude,
    )
    place.full_clean(exclude=["path", "depth", "numchild"])
    if parent is None:
        return Place.objects.add_root(instance=place)
    # Re-read the parent: treebeard needs its current numchild and path.
    return Place.objects.add_child(Place.objects.get(pk=parent.pk), instance=place)


@transaction.atomic
def organisation_create(
    *, name: str, kind: str, slug: str = "", places=(), **fields
) -> Organisation:
    organisation = Organisation(
        name=name, kind=kind, slug=slug or unique_slug(Organisation, name), **fields
    )
    organisation.full_clean()
    organisation.save()
    if places:
        organisation.places.set(places)
    return organisation


@transaction.atomic
def places_bulk_add(parent: Place, children: list[Place]) -> list[Place]:
    """Add many children to a place that has none yet, in one insert.

    For generated hierarchies: it writes the materialised paths itself, in
    name order as the tree keeps them, instead of one insert per place.
    """
    parent = Place.objects.select_for_update().get(pk=parent.pk)
    if parent.numchild:
        raise ValueError(f"{parent} already has children.")
    children = sorted(children, key=lambda p: p.name)
    for step, child in enumerate(children, start=1):
        child.depth = parent.depth + 1
        child.path = Place._get_path(parent.path, child.depth, step)
        child.numchild = 0
    created = Place.objects.bulk_create(children)
    Place.objects.filter(pk=parent.pk).update(numchild=len(created))
    return created


@transaction.atomic
def membership_request(*, user, organisation, job_title="", message="") -> Membership:
    membership = Membership(
        user=user, organisation=organisation, job_title=job_title, message=message
    )
    membership.full_clean()
    membership.save()
    transaction.on_commit(lambda: send_membership_requested.enqueue(membership.pk))
    return membership


@transaction.atomic
def membership_decide(membership: Membership, *, approve: bool, decided_by) -> Membership:
    """Staff approve or decline a request; the person is told by email."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.state != Membership.State.REQUESTED:
        return membership
    membership.state = Membership.State.APPROVED if approve else Membership.State.DECLINED
    membership.decided_at = timezone.now()
    membership.decided_by = decided_by
    membership.save(update_fields=["state", "decided_at", "decided_by"])
    transaction.on_commit(lambda: send_membership_decided.enqueue(membership.pk))
    return membership
