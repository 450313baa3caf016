"""Atom and RSS feeds of newly published initiatives: the whole site, and
each place (with the places underneath), theme and organisation."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from communities.models import Organisation, Place
from initiatives import public
from initiatives.models import Theme
from initiatives.opendata import licence as opendata

FEED_SIZE = 50
SUBJECTS = {"place": Place, "theme": Theme, "organisation": Organisation}


class InitiativesFeed(Feed):
    feed_type = Rss201rev2Feed
    kind = None  # None for the whole site, or a key of SUBJECTS

    def get_object(self, request, slug=None):
        if self.kind is None:
            return None
        return get_object_or_404(SUBJECTS[self.kind], slug=slug)

    def title(self, obj):
        if obj is None:
            return _("New initiatives on %(site)s") % {"site": settings.SITE_NAME}
        return _("New initiatives: %(name)s") % {"name": obj.name}

    def link(self, obj):
        return obj.get_absolute_url() if obj is not None else reverse("initiatives:list")

    def description(self, obj):
        if obj is None:
            return _("Local initiatives that communities run themselves, newest first.")
        return _("Initiatives newly published for %(name)s.") % {"name": obj.name}

    subtitle = description  # Atom's name for it

    def feed_copyright(self):
        licence = opendata.licence()
        return _("%(attribution)s. Published under the %(licence)s licence: %(url)s") % {
            "attribution": licence["attribution"],
            "licence": licence["name"],
            "url": licence["url"],
        }

    def items(self, obj):
        initiatives = public.published_initiatives()
        if isinstance(obj, Place):
            initiatives = initiatives.in_place(obj)
        elif isinstance(obj, Theme):
            initiatives = initiatives.with_theme(obj)
        elif isinstance(obj, Organisation):
            initiatives = initiatives.involving(obj)
        return initiatives.only(*public.FEED_FIELDS).order_by("-published_at", "-pk")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        # Readers take a description as HTML (Atom marks it type="html"); the
        # summary is plain text, so it goes escaped.
        return escape(item.summary)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at


class InitiativesAtomFeed(InitiativesFeed):
    feed_type = Atom1Feed


def feed_views(kind=None):
    """The RSS and Atom views of one kind of feed."""
    rss = type(f"{kind or 'site'}RssFeed", (InitiativesFeed,), {"kind": kind})()
    atom = type(f"{kind or 'site'}AtomFeed", (InitiativesAtomFeed,), {"kind": kind})()
    return rss, atom
