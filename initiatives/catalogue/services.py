"""Writing initiatives and their relations: every write to an initiative's
places, organisations and photos goes through here."""

from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from communities.models import Organisation, Place
from communities.slugs import unique_slug
from initiatives.catalogue.search import refresh_search_vectors
from initiatives.catalogue.signals import changed
from initiatives.models import (
    Initiative,
    InitiativeImage,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeSource,
    Theme,
)
from initiatives.moderation.states import advance

OrganisationRoles = Iterable[tuple[Organisation, str]]


def _validate_relations(places: Sequence[Place], themes: Sequence[Theme] | None = None) -> None:
    """At least one place, and (when themes are being set) one theme."""
    errors = {}
    if not places:
        errors["places"] = _("Choose at least one place that the initiative serves.")
    if themes is not None and not themes:
        errors["themes"] = _("Choose at least one theme.")
    if errors:
        raise ValidationError(errors)


def initiative_set_places(initiative: Initiative, places: Sequence[Place]) -> None:
    """Make `places` the places served; the first one is the primary place."""
    _validate_relations(places)
    primary, wanted = places[0], {p.pk for p in places}
    initiative.initiative_places.exclude(place__in=wanted).delete()
    initiative.initiative_places.filter(is_primary=True).exclude(place=primary).update(
        is_primary=False
    )
    existing = set(initiative.initiative_places.values_list("place_id", flat=True))
    InitiativePlace.objects.bulk_create(
        InitiativePlace(initiative=initiative, place=p, is_primary=False)
        for p in places
        if p.pk not in existing
    )
    initiative.initiative_places.filter(place=primary).update(is_primary=True)
    # Bulk writes send no signals: bring the search vector up to date here,
    # and say what changed (the counts and the cached pages follow).
    refresh_search_vectors([initiative.pk])
    changed([initiative.pk])


def initiative_set_organisations(initiative: Initiative, organisations: OrganisationRoles) -> None:
    """Make `organisations` (pairs of organisation and role) the ones involved."""
    wanted = {(org.pk, role) for org, role in organisations}
    existing = {
        (link.organisation_id, link.role): link.pk
        for link in initiative.initiative_organisations.all()
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    initiative.initiative_organisations.filter(pk__in=stale).delete()
    InitiativeOrganisation.objects.bulk_create(
        InitiativeOrganisation(initiative=initiative, organisation_id=org_id, role=role)
        for org_id, role in sorted(wanted - existing.keys())
    )
    refresh_search_vectors([initiative.pk])
    changed([initiative.pk])


def initiative_locate(initiative: Initiative, primary_place: Place | None) -> None:
    """Without a pin, the map shows the centre of the primary place."""
    if initiative.latitude is None or initiative.longitude is None:
        initiative.location_is_place_centre = True
    if initiative.location_is_place_centre and primary_place is not None:
        initiative.latitude = primary_place.latitude
        initiative.longitude = primary_place.longitude


@transaction.atomic
def initiative_create(
    *,
    title: str,
    places: Sequence[Place],
    themes: Sequence[Theme],
    organisations: OrganisationRoles = (),
    moderation_state: str = Initiative.State.DRAFT,
    slug: str = "",
    **fields,
) -> Initiative:
    """Create an initiative with its relations; `places[0]` is its primary place.

    `moderation_state` other than draft walks the state machine from draft, so
    an initiative created as published has its publication date set.
    """
    _validate_relations(places, themes)
    initiative = Initiative(title=title, slug=slug or unique_slug(Initiative, title), **fields)
    initiative.location_is_place_centre = initiative.latitude is None
    initiative_locate(initiative, places[0])
    advance(initiative, moderation_state)
    initiative.full_clean()
    initiative.save()
    initiative_set_places(initiative, places)
    initiative.themes.set(themes)
    initiative_set_organisations(initiative, organisations)
    return initiative


def copy_photos(photos_, *, to: Initiative) -> None:
    """Add photos (an edit's, or another initiative's) to `to`, after its own;
    the rows share the stored files."""
    position = to.images.count()
    InitiativeImage.objects.bulk_create(
        InitiativeImage(
            initiative=to,
            image=photo.image.name,
            card=photo.card.name,
            large=photo.large.name,
            width=photo.width,
            height=photo.height,
            alt_text=photo.alt_text,
            caption=getattr(photo, "caption", ""),
            credit=getattr(photo, "credit", ""),
            position=position + offset,
        )
        for offset, photo in enumerate(photos_)
    )


def initiative_absorb(target: Initiative, duplicate: Initiative) -> None:
    """Give `target` what `duplicate` has and it lacks: places (never as
    primary), themes, organisations in their roles, sources and photos.
    `duplicate` keeps its own."""
    have = set(target.initiative_places.values_list("place_id", flat=True))
    InitiativePlace.objects.bulk_create(
        InitiativePlace(initiative=target, place_id=link.place_id, is_primary=False)
        for link in duplicate.initiative_places.all()
        if link.place_id not in have
    )
    target.themes.add(*duplicate.themes.all())
    roles = set(target.initiative_organisations.values_list("organisation_id", "role"))
    InitiativeOrganisation.objects.bulk_create(
        InitiativeOrganisation(
            initiative=target, organisation_id=link.organisation_id, role=link.role
        )
        for link in duplicate.initiative_organisations.all()
        if (link.organisation_id, link.role) not in roles
    )
    urls = set(target.sources.exclude(url="").values_list("url", flat=True))
    position = target.sources.count()
    for offset, source in enumerate(duplicate.sources.all()):
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
    copy_photos(duplicate.images.all(), to=target)
    target.save(update_fields=["updated_at"])  # new names for its search vector
