"""Kept counts that the public pages read instead of counting rows."""

from django.db import models
from django.db.models import Q


class Tally(models.Model):
    """How many published initiatives fall in one cell: serving a place or
    somewhere under it (by its materialised path; "" is anywhere), with a
    theme or one of its sub-themes (0 is any), with an activity status (""
    is any), and naming an organisation (0 is any; such rows count the
    organisation alone, with every other dimension "any")."""

    place_path = models.CharField(max_length=255, blank=True, default="")
    place_depth = models.PositiveSmallIntegerField(default=0)
    theme_id = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16, blank=True, default="")
    organisation_id = models.BigIntegerField(default=0)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["place_path", "theme_id", "status", "organisation_id"],
                name="tally_cell_unique",
            )
        ]
        indexes = [
            # Every theme's count for one place and status (the theme facets).
            models.Index(fields=["status", "place_path", "theme_id"], name="tally_theme_idx"),
            # The places one level down, for one theme and status (the place facets).
            models.Index(
                fields=["status", "theme_id", "place_depth", "place_path"], name="tally_place_idx"
            ),
            # The organisations' counts.
            models.Index(
                fields=["organisation_id"], condition=~Q(organisation_id=0), name="tally_org_idx"
            ),
        ]

    def __str__(self):
        return f"{self.place_path or '*'}/{self.theme_id or '*'}/{self.status or '*'}: {self.n}"


class MapCell(models.Model):
    """How many published initiatives with a location are in one cell of a
    grid of 360 / 2**level degrees, with the sums of their coordinates (for
    the cluster's centre): the whole map's clusters without reading every row."""

    level = models.PositiveSmallIntegerField()
    y = models.IntegerField()
    x = models.IntegerField()
    n = models.IntegerField(default=0)
    latitude_sum = models.FloatField(default=0)
    longitude_sum = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "y", "x"], name="map_cell_unique"),
        ]

    def __str__(self):
        return f"{self.level}/{self.y}/{self.x}: {self.n}"


class TallyMark(models.Model):
    """What one published initiative adds to the counts, as last applied:
    what to take away when it changes. Deliberately no foreign key, so that
    the mark outlives a deleted initiative until its counts are taken away."""

    initiative_id = models.BigIntegerField(primary_key=True)
    signature = models.TextField()

    def __str__(self):
        return f"{self.initiative_id}"
