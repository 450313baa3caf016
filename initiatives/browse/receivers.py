"""Keep the kept counts (tallies.py) true: the catalogue says which
initiatives changed, and a moved branch of the place tree moves what it
holds."""

from django.dispatch import receiver
from treebeard.mp_tree import path_updated

from communities.models import Place
from initiatives.browse import tallies
from initiatives.catalogue.signals import initiatives_changed
from initiatives.models import InitiativePlace


@receiver(initiatives_changed, dispatch_uid="tallies-initiatives-changed")
def initiatives_changed_counts(sender, ids, **kwargs):
    tallies.refresh(ids)


@receiver(path_updated, sender=Place, dispatch_uid="tallies-places-moved")
def places_moved(sender, new_path, **kwargs):
    """A branch of the place tree moved: what it holds counts elsewhere now."""
    links = InitiativePlace.objects.filter(place__path__startswith=new_path)
    tallies.refresh(links.values_list("initiative_id", flat=True).distinct())
