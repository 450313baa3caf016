"""Initiatives, with their moderation and activity states and the QuerySet
that every read starts from."""

from uuid import uuid4

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from communities.models import Organisation, Place, coordinate_constraints
from initiatives.catalogue.models.links import InitiativeOrganisation, InitiativePlace
from initiatives.catalogue.models.themes import Theme

# Browsing by place starts at this depth: country › nation › region.
TOP_LEVEL_DEPTH = 3


class ModerationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for moderation")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    ARCHIVED = "archived", _("Archived")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class InitiativeQuerySet(models.QuerySet):
    def published(self):
        """What the public may see. Every public page, feed and export starts here."""
        return self.filter(moderation_state=ModerationState.PUBLISHED)

    def featured(self):
        return self.published().filter(featured=True)

    def in_place(self, place):
        """Initiatives serving `place` or any place under it."""
        return self.filter(
            Exists(
                InitiativePlace.objects.filter(
                    initiative=OuterRef("pk"), place__path__startswith=place.path
                )
            )
        )

    def with_theme(self, *themes):
        """Initiatives with any of `themes` (a theme includes its sub-themes)."""
        return self.filter(
            Exists(
                Initiative.themes.through.objects.filter(
                    Q(theme__in=themes) | Q(theme__parent__in=themes),
                    initiative=OuterRef("pk"),
                )
            )
        )

    def involving(self, organisation):
        """Initiatives the organisation takes part in, in any role (each once)."""
        return self.filter(
            Exists(
                InitiativeOrganisation.objects.filter(
                    initiative=OuterRef("pk"), organisation=organisation
                )
            )
        )

    def with_primary_place(self):
        """Annotate `primary_place_name` and `primary_place_slug`, in the same query."""
        primary = InitiativePlace.objects.filter(initiative=OuterRef("pk"), is_primary=True)
        return self.annotate(
            primary_place_name=Subquery(primary.values("place__name")[:1]),
            primary_place_slug=Subquery(primary.values("place__slug")[:1]),
        )

    def for_cards(self):
        """What a card shows, in a fixed number of queries whatever the count:
        the primary place comes with the rows, the themes in one more query."""
        return self.with_primary_place().prefetch_related(
            Prefetch("themes", queryset=Theme.objects.only("name", "slug").order_by("name")),
        )

    def with_links(self):
        """Everything an export row shows, in a fixed number of queries
        whatever the count: places (primary first), organisations with their
        roles, themes, photos and sources, each in one more query."""
        return self.select_related("on_behalf_of").prefetch_related(
            Prefetch(
                "initiative_places",
                queryset=InitiativePlace.objects.select_related("place").order_by(
                    "-is_primary", "place__name"
                ),
            ),
            Prefetch(
                "initiative_organisations",
                queryset=InitiativeOrganisation.objects.select_related("organisation").order_by(
                    "role", "organisation__name"
                ),
            ),
            Prefetch("themes", queryset=Theme.objects.order_by("name")),
            "images",
            "sources",
        )

    def counts_below(self, place=None):
        """{path of each place just below `place`: how many of these
        initiatives serve it or somewhere in it}, in one query.

        Without a place, the counts are for the regions and for any place
        above them that initiatives serve as a whole (a country, say).
        """
        return dict(branch_counts(self.values("pk"), place))

    def counts_by_place(self):
        """{place path: how many of these initiatives serve it or a place under it}.

        One grouped query per level of the hierarchy, so that an initiative
        serving two places under the same region counts once for the region.
        """
        links = InitiativePlace.objects.filter(initiative__in=self.values("pk"))
        depth = links.aggregate(deepest=Max("place__depth"))["deepest"] or 0
        counts = {}
        for level in range(1, depth + 1):
            counts.update(
                links.filter(place__depth__gte=level)
                .annotate(branch=Substr("place__path", 1, level * Place.steplen))
                .values_list("branch")
                .annotate(n=Count("initiative_id", distinct=True))
            )
        return counts


def branch_counts(ids, place=None):
    """(path, count) rows for InitiativeQuerySet.counts_below, for the
    initiatives whose ids `ids` gives (a queryset or an SQL expression)."""
    links = InitiativePlace.objects.filter(initiative__in=ids)
    if place is None:
        depth = TOP_LEVEL_DEPTH
        # A place above that level with places under it (England, say)
        # would count only what serves it as a whole, while choosing it
        # gives everything under it: it is offered one level up instead.
        links = links.filter(Q(place__depth__gte=depth) | Q(place__numchild=0))
    else:
        depth = place.depth + 1
        links = links.filter(place__path__startswith=place.path, place__depth__gte=depth)
    return (
        links.annotate(branch=Substr("place__path", 1, depth * Place.steplen))
        .values_list("branch")
        .annotate(n=Count("initiative_id", distinct=True))
    )


class Initiative(models.Model):
    State = ModerationState
    Status = ActivityStatus

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    # The identifier that other systems keep (the API, Open Referral UK):
    # it never changes, whatever happens to the slug.
    uuid = models.UUIDField(_("public identifier"), default=uuid4, unique=True, editable=False)
    summary = models.CharField(
        _("summary"), max_length=280, help_text=_("One or two sentences, shown on cards.")
    )
    description = models.TextField(_("description"))
    how_to_adapt = models.TextField(
        _("how others can adapt or copy this"),
        blank=True,
        help_text=_("What another community would need to know to start something similar."),
    )
    activity_status = models.CharField(
        _("activity status"),
        max_length=10,
        choices=ActivityStatus.choices,
        default=ActivityStatus.ACTIVE,
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    places = models.ManyToManyField(
        Place, through="InitiativePlace", related_name="initiatives", verbose_name=_("places")
    )
    organisations = models.ManyToManyField(
        Organisation,
        through="InitiativeOrganisation",
        related_name="initiatives",
        verbose_name=_("organisations"),
    )
    themes = models.ManyToManyField(Theme, related_name="initiatives", verbose_name=_("themes"))

    # Where the map pin goes: a pin the submitter placed, or the centre of
    # the primary place when they did not place one.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    location_is_place_centre = models.BooleanField(
        _("location is the place's centre"),
        default=True,
        help_text=_("True when no pin was placed and the map shows the primary place's centre."),
    )

    # The area it serves, when the places served say too little: a GeoJSON
    # Polygon or MultiPolygon drawn or pasted on the submission form and
    # checked there (initiatives.validation.served_area).
    served_area = models.JSONField(_("area served"), null=True, blank=True)

    # How deprived the neighbourhood it is in is: the decile (1 = the most
    # deprived 10%) of the postcode nearest its pin, or without a pin the
    # median decile of its primary place's postcodes, in the index that
    # `deprivation_index` names (communities.deprivation); None when unknown.
    # Derived and kept by initiatives.catalogue.deprivation, so not in the history.
    deprivation_decile = models.PositiveSmallIntegerField(
        _("deprivation decile"), null=True, blank=True, editable=False
    )
    deprivation_index = models.CharField(
        _("deprivation index"), max_length=30, blank=True, editable=False
    )

    website = models.URLField(_("website"), blank=True)
    # The public contact point is shown only when contact_consent is given.
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_consent = models.BooleanField(
        _("the contact agreed to be shown publicly"), default=False
    )

    moderation_state = models.CharField(
        _("moderation state"),
        max_length=20,
        choices=ModerationState.choices,
        default=ModerationState.DRAFT,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submitted_initiatives",
    )
    credit_submitter = models.BooleanField(_("credit the submitter publicly"), default=False)
    # The name the submitter chose to be credited by on this initiative: it
    # is moderated with the initiative, so a new name shows only once approved.
    credit_name = models.CharField(_("name to credit"), max_length=150, blank=True)
    # Set only for a member of the organisation whom staff approved: the
    # initiative then shows "submitted by <organisation>".
    on_behalf_of = models.ForeignKey(
        Organisation,
        verbose_name=_("submitted on behalf of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="initiatives_submitted",
    )
    featured = models.BooleanField(_("featured"), default=False)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    # Full-text search on PostgreSQL, kept current by initiatives.search; its
    # GIN index is made by a migration that runs only on PostgreSQL.
    search_vector = SearchVectorField(null=True, editable=False)

    # Set when a moderator merged this initiative into another: it is kept
    # (rejected), and what it held was added to the other.
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_duplicates",
    )
    # The row's id in an imported CSV file: importing the same file again
    # updates nothing twice.
    external_id = models.CharField(_("external id"), max_length=100, blank=True)

    objects = InitiativeQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["search_vector", "updated_at", "deprivation_decile", "deprivation_index"]
    )

    class Meta:
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("moderate_initiative", _("Can decide what is published")),
            ("curate_initiative", _("Can feature initiatives and build collections")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="initiative_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=~Q(moderation_state=ModerationState.PUBLISHED)
                | Q(published_at__isnull=False),
                name="initiative_published_has_date",
            ),
            models.CheckConstraint(
                condition=Q(moderation_state__in=ModerationState.values),
                name="initiative_moderation_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(activity_status__in=ActivityStatus.values),
                name="initiative_activity_status_valid",
            ),
            *coordinate_constraints("initiative"),
            models.CheckConstraint(
                condition=Q(deprivation_decile__isnull=True) | Q(deprivation_decile__range=(1, 10)),
                name="initiative_deprivation_decile_range",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="initiative_external_id_unique",
            ),
        ]
        indexes = [
            # The public list, newest first: published() ordered by published_at.
            models.Index(
                fields=["moderation_state", "-published_at", "-id"], name="initiative_newest_idx"
            ),
            # The list sorted by title.
            models.Index(fields=["moderation_state", "title"], name="initiative_title_idx"),
            # The status filter on the public list.
            models.Index(
                fields=["moderation_state", "activity_status"], name="initiative_status_idx"
            ),
            # Featured initiatives on the home page.
            models.Index(
                fields=["featured"], condition=Q(featured=True), name="initiative_featured_idx"
            ),
            # The map's bounding-box query.
            models.Index(fields=["latitude", "longitude"], name="initiative_location_idx"),
            # Moderation queue, oldest first.
            models.Index(fields=["moderation_state", "created_at"], name="initiative_queue_idx"),
            # The API's and Open Referral's modified_after.
            models.Index(fields=["moderation_state", "updated_at"], name="initiative_modified_idx"),
            # The "most deprived 20%" filter (deprived=20) on the list, map and API.
            models.Index(
                fields=["moderation_state", "deprivation_decile"], name="initiative_deprived_idx"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("initiatives:detail", args=[self.slug])

    @property
    def is_public(self):
        return self.moderation_state == self.State.PUBLISHED

    @property
    def primary_place(self):
        return next(
            (
                link.place
                for link in self.initiative_places.select_related("place")
                if link.is_primary
            ),
            None,
        )

    @property
    def has_location(self):
        return self.latitude is not None and self.longitude is not None
