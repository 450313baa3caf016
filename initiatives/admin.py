from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_tasks_db.models import DBTaskResult
from simple_history.admin import SimpleHistoryAdmin

from initiatives import permissions
from initiatives.catalogue.services import initiative_locate
from initiatives.models import (
    Alert,
    Initiative,
    InitiativeImage,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeRevision,
    InitiativeSource,
    ModerationDecision,
    ProposedOrganisation,
    ProposedPlace,
    Theme,
)


class AskPermissions:
    """Admin rights come from `permissions.ADMIN_RIGHTS`, not from model
    permissions granted to groups."""

    def has_view_permission(self, request, obj=None):
        return permissions.admin_may(request.user, "view", self.model)

    def has_add_permission(self, request, *args):
        return permissions.admin_may(request.user, "add", self.model)

    def has_change_permission(self, request, obj=None):
        return permissions.admin_may(request.user, "change", self.model)

    def has_delete_permission(self, request, obj=None):
        return permissions.admin_may(request.user, "delete", self.model)

    def has_module_permission(self, request):
        return self.has_view_permission(request)


class PartOfAnInitiative:
    """An inline of the initiative's form: whoever may change the initiative
    changes it; others see it as part of the initiative they may view."""

    def has_view_permission(self, request, obj=None):
        return permissions.admin_may(request.user, "view", Initiative)

    def has_add_permission(self, request, obj=None):
        return permissions.admin_may(request.user, "change", Initiative)

    has_change_permission = has_delete_permission = has_add_permission


@admin.register(Theme)
class ThemeAdmin(AskPermissions, admin.ModelAdmin):
    list_display = ("name", "parent", "slug")
    list_filter = (("parent", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}


class InitiativePlaceForm(forms.ModelForm):
    class Meta:
        model = InitiativePlace
        fields = ("place", "is_primary")

    def validate_constraints(self):
        # "One primary place" spans the rows: the formset checks it, and
        # saves the rows in an order that never has two primaries at once.
        try:
            self.instance.validate_constraints(
                exclude=self._get_validation_exclusions() | {"is_primary"}
            )
        except ValidationError as error:
            self._update_errors(error)


class PlacesFormSet(forms.BaseInlineFormSet):
    def kept_forms(self):
        return [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]

    def clean(self):
        super().clean()
        kept = self.kept_forms()
        if not kept:
            raise ValidationError(_("An initiative serves at least one place."))
        if sum(1 for f in kept if f.cleaned_data.get("is_primary")) != 1:
            raise ValidationError(_("Mark exactly one of the places as the primary place."))

    def save(self, commit=True):
        primary = next(
            f.cleaned_data["place"] for f in self.kept_forms() if f.cleaned_data["is_primary"]
        )
        self.instance.initiative_places.update(is_primary=False)
        for form in self.forms:
            form.instance.is_primary = False
        saved = super().save(commit)
        self.instance.initiative_places.filter(place=primary).update(is_primary=True)
        return saved


class InitiativePlaceInline(PartOfAnInitiative, admin.TabularInline):
    model = InitiativePlace
    form = InitiativePlaceForm
    formset = PlacesFormSet
    autocomplete_fields = ("place",)
    extra = 0
    min_num = 1


class InitiativeOrganisationInline(PartOfAnInitiative, admin.TabularInline):
    model = InitiativeOrganisation
    autocomplete_fields = ("organisation",)
    extra = 0


class InitiativeImageInline(PartOfAnInitiative, admin.StackedInline):
    model = InitiativeImage
    extra = 0
    classes = ("collapse",)


class InitiativeSourceInline(PartOfAnInitiative, admin.StackedInline):
    model = InitiativeSource
    extra = 0
    classes = ("collapse",)


class InitiativeAdminForm(forms.ModelForm):
    class Meta:
        model = Initiative
        fields = (
            "title",
            "slug",
            "summary",
            "description",
            "how_to_adapt",
            "activity_status",
            "start_date",
            "end_date",
            "themes",
            "location_is_place_centre",
            "latitude",
            "longitude",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
            "contact_consent",
            "featured",
            "on_behalf_of",
        )

    def clean(self):
        data = super().clean()
        if not data.get("themes"):
            self.add_error("themes", _("Choose at least one theme."))
        return data


@admin.register(Initiative)
class InitiativeAdmin(AskPermissions, SimpleHistoryAdmin):
    form = InitiativeAdminForm
    list_display = (
        "title",
        "moderation_state",
        "activity_status",
        "featured",
        "published_at",
        "updated_at",
    )
    list_filter = ("moderation_state", "activity_status", "featured", "themes")
    search_fields = ("title", "summary", "description", "places__name", "organisations__name")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("themes",)
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    inlines = [
        InitiativePlaceInline,
        InitiativeOrganisationInline,
        InitiativeImageInline,
        InitiativeSourceInline,
    ]
    fieldsets = (
        (None, {"fields": ("title", "slug", "summary", "description", "how_to_adapt")}),
        (_("Status and dates"), {"fields": ("activity_status", "start_date", "end_date")}),
        (_("Themes"), {"fields": ("themes",)}),
        (
            _("Location"),
            {
                "fields": ("location_is_place_centre", "latitude", "longitude"),
                "description": _(
                    "Leave “location is the place's centre” ticked to put the pin on the "
                    "primary place's centre."
                ),
            },
        ),
        (
            _("Contact"),
            {
                "fields": (
                    "website",
                    "contact_name",
                    "contact_email",
                    "contact_phone",
                    "contact_consent",
                )
            },
        ),
        (
            _("Moderation"),
            {
                "description": _(
                    "Decisions on what is published are made on the moderation pages, "
                    "where they are recorded and the submitter is told."
                ),
                "fields": (
                    "moderation_state_link",
                    "featured",
                    "submitted_by",
                    "credit_submitter",
                    "credit_name",
                    "on_behalf_of",
                    "created_at",
                    "updated_at",
                    "published_at",
                ),
            },
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        return permissions.admin_readonly_fields(request.user, Initiative)

    def get_fieldsets(self, request, obj=None):
        if permissions.can_moderate(request.user):
            return self.fieldsets
        # Those who do not moderate see the state, without a way they may not take.
        return [
            (
                name,
                {
                    **options,
                    "fields": tuple(
                        "moderation_state_shown" if f == "moderation_state_link" else f
                        for f in options["fields"]
                    ),
                },
            )
            for name, options in self.fieldsets
        ]

    @admin.display(description=_("moderation state"))
    def moderation_state_link(self, obj):
        if obj is None or obj.pk is None:
            return _("Waiting for moderation once saved")
        return format_html(
            '{} (<a href="{}">{}</a>)',
            obj.get_moderation_state_display(),
            reverse("initiatives:moderation-initiative", args=[obj.pk]),
            _("decide on the moderation page"),
        )

    @admin.display(description=_("moderation state"))
    def moderation_state_shown(self, obj):
        if obj is None or obj.pk is None:
            return _("Waiting for moderation once saved")
        return format_html(
            "{} ({})",
            obj.get_moderation_state_display(),
            _("moderators decide what is published, on the moderation pages"),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            # Added here, it waits in the moderation queue like any submission.
            obj.moderation_state = Initiative.State.PENDING
        super().save_model(request, obj, form, change)

    @transaction.atomic
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        initiative = form.instance
        link = initiative.initiative_places.filter(is_primary=True).select_related("place").first()
        initiative_locate(initiative, link.place if link else None)
        initiative.save(update_fields=["latitude", "longitude", "location_is_place_centre"])


class ReadOnlyAdmin(AskPermissions, admin.ModelAdmin):
    """Records that only the site writes (through its services): staff read them here."""


@admin.register(InitiativeRevision)
class InitiativeRevisionAdmin(ReadOnlyAdmin):
    list_display = ("initiative", "proposed_by", "state", "created_at")
    list_filter = ("state",)
    list_select_related = ("initiative", "proposed_by")
    search_fields = ("initiative__title",)


@admin.register(ProposedPlace)
class ProposedPlaceAdmin(ReadOnlyAdmin):
    list_display = ("name", "within", "initiative", "state", "created_at")
    list_filter = ("state",)
    list_select_related = ("within", "initiative")
    search_fields = ("name",)


@admin.register(ProposedOrganisation)
class ProposedOrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "role", "initiative", "state", "created_at")
    list_filter = ("state",)
    list_select_related = ("initiative",)
    search_fields = ("name",)


@admin.register(ModerationDecision)
class ModerationDecisionAdmin(ReadOnlyAdmin):
    list_display = ("item", "initiative", "from_state", "to_state", "moderator", "created_at")
    list_filter = ("item_type", "to_state")
    list_select_related = ("item_type", "initiative", "moderator")
    search_fields = ("initiative__title", "message")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """People follow and unsubscribe themselves; staff may delete an alert
    (when asked to forget an address, say), but not add one: that would
    skip the confirmation."""

    list_display = ("email", "subject", "confirmed_at", "last_sent_at")
    list_filter = (("confirmed_at", admin.EmptyFieldListFilter),)
    list_select_related = ("place", "theme")
    search_fields = ("email",)

    @admin.display(description=_("following"))
    def subject(self, alert):
        return alert.subject


# The task queue's own admin (django-tasks-db) would answer to the admin's
# rights alone: staff see the queue on the background work page instead,
# which asks permissions (initiatives/ops/views.py).
admin.site.unregister(DBTaskResult)
