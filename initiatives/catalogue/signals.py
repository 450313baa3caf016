"""Keep the stored search vectors and the public counts current when an
initiative or what it is linked to changes, however the change was made
(services, admin, shell), and the cached public pages with them."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from treebeard.mp_tree import path_updated

from communities.models import Organisation, Place
from initiatives import public
from initiatives.browse import tallies
from initiatives.catalogue.search import refresh_search_vectors
from initiatives.models import Initiative, InitiativeOrganisation, InitiativePlace, Theme
from initiatives.ops import caching


@receiver(post_save, sender=Initiative)
def initiative_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and set(update_fields) <= {"search_vector"}):
        return
    refresh_search_vectors([instance.pk])
    tallies.refresh([instance.pk])


@receiver(post_delete, sender=Initiative)
def initiative_deleted(sender, instance, **kwargs):
    tallies.refresh([instance.pk])


@receiver(post_save, sender=InitiativePlace)
@receiver(post_delete, sender=InitiativePlace)
@receiver(post_save, sender=InitiativeOrganisation)
@receiver(post_delete, sender=InitiativeOrganisation)
def link_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_search_vectors([instance.initiative_id])
        tallies.refresh([instance.initiative_id])


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
    tallies.refresh(ids)


@receiver(post_save, sender=Place)
@receiver(post_save, sender=Organisation)
@receiver(post_save, sender=Theme)
def name_changed(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    ids = list(instance.initiatives.values_list("pk", flat=True))
    refresh_search_vectors(ids)
    # A theme may have moved under another; a place or organisation merged.
    tallies.refresh(ids)


@receiver(pre_delete, sender=Theme)
def theme_deleting(sender, instance, **kwargs):
    # Its links go without signals of their own.
    instance._deleted_initiatives = list(instance.initiatives.values_list("pk", flat=True))


@receiver(post_delete, sender=Theme)
def theme_deleted(sender, instance, **kwargs):
    tallies.refresh(instance.__dict__.pop("_deleted_initiatives", []))


@receiver(path_updated, sender=Place)
def places_moved(sender, new_path, **kwargs):
    """A branch of the place tree moved: what it holds counts elsewhere now."""
    links = InitiativePlace.objects.filter(place__path__startswith=new_path)
    tallies.refresh(links.values_list("initiative_id", flat=True).distinct())


def public_data_changed(sender, raw=False, **kwargs):
    if not raw:
        caching.public_changed()


def public_links_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        caching.public_changed()


# What the public pages show (public.PUBLIC_MODELS): any change moves the
# cached pages' version on (ops/caching.py).
for model in public.PUBLIC_MODELS:
    post_save.connect(public_data_changed, sender=model, dispatch_uid=f"public-save-{model}")
    post_delete.connect(public_data_changed, sender=model, dispatch_uid=f"public-delete-{model}")
for through in public.PUBLIC_LINKS:
    m2m_changed.connect(public_links_changed, sender=through, dispatch_uid=f"public-m2m-{through}")
