"""Keep the stored search vectors current when an initiative or what it is
linked to changes, however the change was made (services, admin, shell), and
tell the rest of the site which initiatives changed.

`initiatives_changed` is sent with the ids of the initiatives whose public
facts may have moved: the kept counts (browse/receivers.py) and the page
cache (ops/caching.py) listen to it, so that the catalogue, which writes,
need not know who reads. Writes that bypass model signals (bulk inserts and
updates) send it themselves.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import Signal, receiver

from communities.models import Organisation, Place
from initiatives.catalogue.search import refresh_search_vectors
from initiatives.models import Initiative, InitiativeOrganisation, InitiativePlace, Theme

# Sent with `ids`: an iterable of initiative ids (a list or a queryset of them).
initiatives_changed = Signal()


def changed(ids) -> None:
    """Say that the initiatives `ids` changed in a way model signals did not see."""
    initiatives_changed.send(sender=Initiative, ids=ids)


@receiver(post_save, sender=Initiative)
def initiative_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and set(update_fields) <= {"search_vector"}):
        return
    refresh_search_vectors([instance.pk])
    changed([instance.pk])


@receiver(post_delete, sender=Initiative)
def initiative_deleted(sender, instance, **kwargs):
    changed([instance.pk])


@receiver(post_save, sender=InitiativePlace)
@receiver(post_delete, sender=InitiativePlace)
@receiver(post_save, sender=InitiativeOrganisation)
@receiver(post_delete, sender=InitiativeOrganisation)
def link_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_search_vectors([instance.initiative_id])
        changed([instance.initiative_id])


@receiver(m2m_changed, sender=Initiative.themes.through)
def themes_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse and action == "pre_clear":
        # A theme losing all its initiatives: which ones, while they are linked.
        instance._cleared_initiatives = list(instance.initiatives.values_list("pk", flat=True))
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:
        ids = instance.__dict__.pop("_cleared_initiatives", None) or pk_set or []
    else:
        ids = [instance.pk]
    refresh_search_vectors(ids)
    changed(ids)


@receiver(post_save, sender=Place)
@receiver(post_save, sender=Organisation)
@receiver(post_save, sender=Theme)
def name_changed(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    ids = list(instance.initiatives.values_list("pk", flat=True))
    refresh_search_vectors(ids)
    # A theme may have moved under another; a place or organisation merged.
    changed(ids)


@receiver(pre_delete, sender=Theme)
def theme_deleting(sender, instance, **kwargs):
    # Its links go without signals of their own.
    instance._deleted_initiatives = list(instance.initiatives.values_list("pk", flat=True))


@receiver(post_delete, sender=Theme)
def theme_deleted(sender, instance, **kwargs):
    changed(instance.__dict__.pop("_deleted_initiatives", []))
