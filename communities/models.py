from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


def coordinate_constraints(prefix):
    """Latitude/longitude in range, and both given or neither."""
    return [
        models.CheckConstraint(
            condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
            name=f"{prefix}_latitude_range",
        ),
        models.CheckConstraint(
            condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
            name=f"{prefix}_longitude_range",
        ),
        models.CheckConstraint(
            condition=Q(latitude__isnull=True, longitude__isnull=True)
            | Q(latitude__isnull=False, longitude__isnull=False),
            name=f"{prefix}_latitude_longitude_together",
        ),
    ]


class PlaceQuerySet(MP_NodeQuerySet):
    def within(self, place, *, include_self=True):
        """Every place under `place` (and `place` itself), in one query.

        The materialised path makes "under" a prefix match, which the unique
        index on `path` serves (PostgreSQL adds a pattern-ops index for it).
        """
        qs = self.filter(path__startswith=place.path)
        return qs if include_self else qs.exclude(pk=place.pk)


class PlaceManager(MP_NodeManager):
    def get_queryset(self):
        return PlaceQuerySet(self.model, using=self._db).order_by("path")

    def within(self, place, *, include_self=True):
        return self.get_queryset().within(place, include_self=include_self)


class Place(MP_Node):
    """A place that initiatives serve, in a hierarchy:
    country › region › county or local authority › town › neighbourhood.
    """

    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country")
        REGION = "region", _("Region")
        COUNTY = "county", _("County")
        LOCAL_AUTHORITY = "local_authority", _("Local authority")
        TOWN = "town", _("Town or city")
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")
        OTHER = "other", _("Other area")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    # The identifier that other systems keep (the API, Open Referral UK):
    # it never changes, whatever happens to the slug.
    uuid = models.UUIDField(_("public identifier"), default=uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    gss_code = models.CharField(
        _("ONS GSS code"),
        max_length=9,
        blank=True,
        help_text=_("The Office for National Statistics code, such as E06000023 for Bristol."),
    )
    latitude = models.FloatField(_("centre latitude"), null=True, blank=True)
    longitude = models.FloatField(_("centre longitude"), null=True, blank=True)
    # How deprived its neighbourhoods are: its postcodes counted by decile of
    # their nation's index, {"index": "england-2019", "deciles": [10 counts],
    # "postcodes": N}, or None when no postcode carries its GSS code. Derived
    # from the postcodes by communities.deprivation.refresh(), so not in the
    # history.
    deprivation = models.JSONField(
        _("deprivation of its postcodes"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    node_order_by = ["name"]
    objects = PlaceManager()
    history = HistoricalRecords(excluded_fields=["path", "depth", "numchild", "deprivation"])

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.UniqueConstraint(
                fields=["gss_code"],
                condition=~Q(gss_code=""),
                name="place_gss_code_unique",
                violation_error_message=_("Another place already has this GSS code."),
            ),
            *coordinate_constraints("place"),
        ]
        indexes = [
            # Place facets and the index page list places of one kind.
            models.Index(fields=["kind", "depth"], name="place_kind_depth_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("initiatives:place-detail", args=[self.slug])

    @property
    def parent(self):
        return Place.objects.get_parent(self)

    @property
    def has_centre(self):
        return self.latitude is not None and self.longitude is not None


class PlaceBoundaryQuerySet(models.QuerySet):
    def might_contain(self, latitude: float, longitude: float):
        """Boundaries whose bounding box holds the point, smallest first: the
        few candidates that communities.boundaries tests with shapely."""
        return self.filter(
            min_lat__lte=latitude,
            max_lat__gte=latitude,
            min_lng__lte=longitude,
            max_lng__gte=longitude,
        ).order_by("area_km2", "pk")


class PlaceBoundary(models.Model):
    """A place's outline, from the ONS boundary files (`manage.py
    import_boundaries`), simplified to a few KB for the web: a GeoJSON
    Polygon or MultiPolygon in WGS 84, with its bounding box."""

    place = models.OneToOneField(
        Place, on_delete=models.CASCADE, related_name="boundary", verbose_name=_("place")
    )
    geometry = models.JSONField(_("outline (GeoJSON)"))
    min_lat = models.FloatField(_("south"))
    min_lng = models.FloatField(_("west"))
    max_lat = models.FloatField(_("north"))
    max_lng = models.FloatField(_("east"))
    # Roughly: it puts a ward before its council when both contain a point.
    area_km2 = models.FloatField(_("area (km²)"))
    source = models.CharField(_("imported from"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported"))

    objects = PlaceBoundaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("place boundary")
        verbose_name_plural = _("place boundaries")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_lat__lte=F("max_lat"), min_lng__lte=F("max_lng")),
                name="place_boundary_bbox_ordered",
            ),
        ]
        indexes = [
            # "Which boundaries might contain this point" (might_contain):
            # the pin's suggestion on the submission form.
            models.Index(
                fields=["min_lat", "max_lat", "min_lng", "max_lng"], name="place_boundary_bbox_idx"
            ),
        ]

    def __str__(self):
        return str(self.place)

    def get_absolute_url(self):
        return reverse("communities:place-boundary", args=[self.place.slug])


class OrganisationQuerySet(models.QuerySet):
    def serving(self, place):
        return self.filter(places__path__startswith=place.path).distinct()


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COUNCIL = "council", _("Council")
        CHARITY = "charity", _("Charity")
        COMMUNITY_GROUP = "community_group", _("Community group")
        COMMUNITY_BUSINESS = "community_business", _("Community business or social enterprise")
        THINK_TANK = "think_tank", _("Think tank")
        PUBLIC_BODY = "public_body", _("NHS or public body")
        FUNDER = "funder", _("Funder")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    # The identifier that other systems keep (the API, Open Referral UK):
    # it never changes, whatever happens to the slug.
    uuid = models.UUIDField(_("public identifier"), default=uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    places = models.ManyToManyField(
        Place, verbose_name=_("places served"), related_name="organisations", blank=True
    )
    logo = models.ImageField(_("logo"), upload_to="organisations/logos/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [
            # The organisations index is sorted by name.
            models.Index(fields=["name"], name="organisation_name_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("initiatives:organisation-detail", args=[self.slug])


class MembershipQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(state=Membership.State.APPROVED)

    def pending(self):
        return self.filter(state=Membership.State.REQUESTED)


class Membership(models.Model):
    """A person who acts for an organisation (a council officer, say).

    They ask to join; staff approve. An approved member may submit
    initiatives on the organisation's behalf.
    """

    class State(models.TextChoices):
        REQUESTED = "requested", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    job_title = models.CharField(_("role or job title"), max_length=150, blank=True)
    message = models.TextField(
        _("message to staff"),
        blank=True,
        help_text=_("How you are connected with the organisation, so that staff can check."),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation membership")
        verbose_name_plural = _("organisation memberships")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                name="membership_user_organisation_unique",
                violation_error_message=_("You have already asked to join this organisation."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "approved", "declined"]),
                name="membership_state_valid",
            ),
        ]
        indexes = [
            # Staff review requests oldest first.
            models.Index(fields=["state", "requested_at"], name="membership_queue_idx"),
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation}"


class Postcode(models.Model):
    """A live UK postcode from the ONS Postcode Directory (ONSPD), open data
    imported by `manage.py import_postcodes`; `communities.postcodes` reads it.

    Codes are ONS GSS codes, empty where ONSPD says "none" (its pseudo-codes
    such as E99999999). `imd_rank` is the postcode's rank in its own nation's
    index of multiple deprivation (1 is the most deprived): ranks of
    different nations are not comparable.
    """

    # Normalised: upper case, one space before the inward code ("BS11 0QA").
    # Every lookup normalises its input first, so the primary key's index
    # serves the full-postcode lookup.
    postcode = models.CharField(_("postcode"), max_length=8, primary_key=True)
    outward = models.CharField(_("outward code"), max_length=4)
    sector = models.CharField(_("postcode sector"), max_length=6)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    county_code = models.CharField(_("county"), max_length=9, blank=True)
    local_authority_code = models.CharField(_("local authority"), max_length=9, blank=True)
    ward_code = models.CharField(_("ward"), max_length=9, blank=True)
    parish_code = models.CharField(_("parish"), max_length=9, blank=True)
    region_code = models.CharField(_("region"), max_length=9, blank=True)
    country_code = models.CharField(_("country"), max_length=9, blank=True)
    imd_rank = models.PositiveIntegerField(_("deprivation rank"), null=True, blank=True)
    # Set by every import that reads the postcode: `--replace` deletes those
    # an import did not read.
    imported_at = models.DateTimeField(_("imported"))

    class Meta:
        verbose_name = _("postcode")
        verbose_name_plural = _("postcodes")
        constraints = coordinate_constraints("postcode")
        indexes = [
            # The centroid of an outward code ("BS11") or a sector ("BS11 0").
            models.Index(fields=["outward"], name="postcode_outward_idx"),
            models.Index(fields=["sector"], name="postcode_sector_idx"),
            # The postcode nearest an initiative's pin, in a small box around it
            # (initiatives.catalogue.deprivation).
            models.Index(fields=["latitude", "longitude"], name="postcode_location_idx"),
            # `import_postcodes --replace` deletes what the latest import did not read.
            models.Index(fields=["imported_at"], name="postcode_imported_at_idx"),
        ]

    def __str__(self):
        return self.postcode
