"""What curators shape: featured initiatives and collections.

Writes are services that validate and save in one transaction; the reads of
public collections are here too; what they may show is public.py's to say.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from communities.slugs import unique_slug
from initiatives import public
from initiatives.models import Collection, CollectionItem, Initiative


@transaction.atomic
def feature(initiative: Initiative, *, featured: bool) -> Initiative:
    """Feature a published initiative on the home page, or stop featuring it."""
    if featured and not public.is_published(initiative):
        raise ValidationError(_("Only a published initiative can be featured."))
    if initiative.featured != featured:
        initiative.featured = featured
        initiative.save(update_fields=["featured"])
    return initiative


@transaction.atomic
def collection_save(
    *,
    collection: Collection | None = None,
    user=None,
    title: str,
    introduction: str = "",
    is_public: bool = True,
    initiatives: Sequence[Initiative] = (),
) -> Collection:
    """Create a collection (`collection` None) or update one; `initiatives`
    become its items in that order.

    Only published initiatives join a collection. One already in it stays when
    it is unpublished later: the public page leaves it out, and it returns if
    it is published again.
    """
    title = " ".join(title.split())
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    if collection is None:
        collection = Collection(created_by=user, slug=unique_slug(Collection, title))
        already = set()
    else:
        # Lock the collection: two curators saving at once would each renumber.
        collection = Collection.objects.select_for_update().get(pk=collection.pk)
        already = set(collection.items.values_list("initiative_id", flat=True))
    ordered = list({i.pk: i for i in initiatives}.values())  # each once, first place wins
    joining = [i for i in ordered if i.pk not in already]
    if any(not public.is_published(i) for i in joining):
        raise ValidationError(
            {"initiatives": _("Only published initiatives can be added to a collection.")}
        )
    collection.title = title
    collection.introduction = introduction.strip()
    collection.is_public = is_public
    collection.full_clean()
    collection.save()
    positions = {i.pk: n for n, i in enumerate(ordered, start=1)}
    collection.items.exclude(initiative_id__in=list(positions)).delete()
    items = list(collection.items.all())
    for item in items:
        item.position = positions[item.initiative_id]
    CollectionItem.objects.bulk_update(items, ["position"])
    CollectionItem.objects.bulk_create(
        CollectionItem(collection=collection, initiative_id=pk, position=positions[pk])
        for pk in positions
        if pk not in already
    )
    return collection


def collection_initiatives(collection: Collection) -> QuerySet[Initiative]:
    """The collection's published initiatives in its order, ready for cards."""
    return (
        public.published_initiatives()
        .filter(collection_items__collection=collection)
        .order_by("collection_items__position", "collection_items__pk")
        .for_cards()
    )


def collection_items(collection: Collection) -> list[CollectionItem]:
    """Every item, published or not, for curators editing the collection."""
    return list(
        collection.items.select_related("initiative").only(
            "position",
            "collection_id",
            "initiative__title",
            "initiative__slug",
            "initiative__moderation_state",
        )
    )
