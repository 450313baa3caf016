"""Themes: two levels, a top-level theme and its sub-themes."""

from uuid import uuid4

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ThemeQuerySet(models.QuerySet):
    def with_counts(self, initiatives):
        """Annotate `n`: how many of `initiatives` have the theme or one of its
        sub-themes (what the theme's page and filter give)."""
        through = Theme.initiatives.through
        count = Subquery(
            through.objects.filter(
                Q(theme=OuterRef("pk")) | Q(theme__parent=OuterRef("pk")),
                initiative__in=initiatives.values("pk"),
            )
            .order_by()
            .annotate(grouped=Value(1))
            .values("grouped")
            .annotate(n=Count("initiative_id", distinct=True))
            .values("n")
        )
        return self.annotate(n=Coalesce(count, 0))

    def in_tree_order(self):
        """All themes as a list, each top-level theme followed by its sub-themes."""
        themes = list(self.order_by("name"))
        children = {}
        for theme in themes:
            children.setdefault(theme.parent_id, []).append(theme)
        return [
            theme
            for parent in children.get(None, [])
            for theme in [parent, *children.get(parent.pk, [])]
        ]


class Theme(models.Model):
    """What an initiative is about. Two levels at most: a theme and its sub-themes."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    # The identifier that other systems keep (the API, Open Referral UK):
    # it never changes, whatever happens to the slug.
    uuid = models.UUIDField(_("public identifier"), default=uuid4, unique=True, editable=False)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent theme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )

    objects = ThemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="theme_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("initiatives:theme-detail", args=[self.slug])

    def clean(self):
        if self.parent_id is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError({"parent": _("A theme cannot be its own parent.")})
        if self.parent.parent_id is not None:
            raise ValidationError(
                {"parent": _("Themes have two levels at most: choose a top-level theme.")}
            )
        if self.pk and self.children.exists():
            raise ValidationError(
                {"parent": _("This theme has sub-themes, so it must stay at the top level.")}
            )
