"""Small factories with sensible defaults; pass keywords to override."""

from datetime import timedelta

from django.utils import timezone
from django.utils.text import slugify

from communities.models import Place
from communities.services import organisation_create, place_create
from initiatives.catalogue.services import initiative_create
from initiatives.models import Initiative, Theme


def make_place(name, *, kind="town", parent=None, latitude=51.5, longitude=-2.6, **fields):
    return place_create(
        name=name, kind=kind, parent=parent, latitude=latitude, longitude=longitude, **fields
    )


def make_theme(name, *, parent=None, **fields):

    return Theme.objects.create(name=name, slug=slugify(name), parent=parent, **fields)


def make_organisation(name, *, kind="community_group", **fields):
    return organisation_create(name=name, kind=kind, **fields)


def make_initiative(
    title,
    *,
    places,
    themes,
    state=Initiative.State.PUBLISHED,
    summary="A summary.",
    description="A description.",
    **fields,
):
    return initiative_create(
        title=title,
        places=places,
        themes=themes,
        moderation_state=state,
        summary=summary,
        description=description,
        **fields,
    )


def place(slug):
    return Place.objects.get(slug=slug)


def publish_in_order(*initiatives):
    """Give the initiatives distinct publication dates, oldest first."""
    start = timezone.now() - timedelta(days=len(initiatives))
    for days, initiative in enumerate(initiatives):
        Initiative.objects.filter(pk=initiative.pk).update(
            published_at=start + timedelta(days=days)
        )
