from django.db import transaction

from .models import Organisation, Place
from .slugs import unique_slug


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
        return Place.add_root(instance=place)
    # Re-read the parent: treebeard needs its current numchild and path.
    return Place.objects.get(pk=parent.pk).add_child(instance=place)


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
