"""An initiative's photos and the sources that reported it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from initiatives.catalogue.models.initiatives import Initiative


class Photo(models.Model):
    """A photo as stored: re-encoded without its metadata, with renditions
    for cards and pages (see initiatives.photos)."""

    image = models.ImageField(_("image"), upload_to="initiatives/%Y/%m/")
    card = models.ImageField(_("card rendition"), upload_to="initiatives/%Y/%m/", blank=True)
    large = models.ImageField(_("page rendition"), upload_to="initiatives/%Y/%m/", blank=True)
    # The stored image's size, so that pages reserve its space without opening the file.
    width = models.PositiveIntegerField(_("width"), null=True, blank=True, editable=False)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True, editable=False)
    alt_text = models.CharField(
        _("alternative text"),
        max_length=250,
        help_text=_("Describe the photo for people who cannot see it."),
    )

    class Meta:
        abstract = True

    def __str__(self):
        return self.alt_text

    @property
    def card_url(self):
        return (self.card or self.image).url

    @property
    def large_url(self):
        return (self.large or self.image).url

    def files(self):
        return [f for f in (self.image, self.card, self.large) if f]


class InitiativeImage(Photo):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="images")
    caption = models.CharField(_("caption"), max_length=250, blank=True)
    credit = models.CharField(_("credit"), max_length=150, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(alt_text=""), name="initiative_image_has_alt"),
        ]


class InitiativeSource(models.Model):
    """Where an initiative was reported: an article, a report, a blog post."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(_("title"), max_length=300)
    url = models.URLField(_("link"), max_length=500, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    published_on = models.DateField(_("date"), null=True, blank=True)
    reference = models.CharField(
        _("archive reference"),
        max_length=200,
        blank=True,
        help_text=_("Where a copy of the document is kept, when it has no link."),
    )
    quote = models.TextField(_("quote"), blank=True, help_text=_("What it says of the initiative."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title
