"""Collections that curators build."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from initiatives.catalogue.models import Initiative


class Collection(models.Model):
    """A curated, ordered list of initiatives with an introduction."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    introduction = models.TextField(_("introduction"), blank=True)
    is_public = models.BooleanField(_("public"), default=True)
    initiatives = models.ManyToManyField(
        Initiative, through="CollectionItem", related_name="collections", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("initiatives:collection-detail", args=[self.slug])


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="collection_items"
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("initiative in a collection")
        verbose_name_plural = _("initiatives in a collection")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "initiative"], name="collection_item_unique"
            ),
        ]

    def __str__(self):
        return f"{self.collection}: {self.initiative}"
