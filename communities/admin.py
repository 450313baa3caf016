from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from communities import services
from communities.models import Membership, Organisation, Place


@admin.register(Place)
class PlaceAdmin(SimpleHistoryAdmin, TreeAdmin):
    form = movenodeform_factory(Place, exclude=["path", "depth", "numchild"])
    list_display = ("name", "kind", "gss_code", "slug")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "gss_code")
    prepopulated_fields = {"slug": ("name",)}

    def changelist_view(self, request, extra_context=None):
        # treebeard names the level of the tree it lists only for a GET:
        # without this, a POST that shows the list again (one with no action
        # chosen) was a 500.
        request._treebeard_parent = None
        return super().changelist_view(request, extra_context)


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "website")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("places",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Staff check who acts for an organisation before they may submit for it."""

    list_display = ("user", "organisation", "job_title", "state", "requested_at")
    list_filter = ("state",)
    search_fields = ("user__email", "organisation__name")
    list_select_related = ("user", "organisation")
    readonly_fields = ("user", "organisation", "job_title", "message", "requested_at")
    fields = (*readonly_fields, "state", "decided_at", "decided_by")
    actions = ("approve", "decline")
    ordering = ("state", "requested_at")

    def has_add_permission(self, request):
        return False  # People ask to join from their account.

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "state", "decided_at", "decided_by")

    def _decide(self, request, queryset, approve):
        for membership in queryset.filter(state=Membership.State.REQUESTED):
            services.membership_decide(membership, approve=approve, decided_by=request.user)
        self.message_user(request, _("Done: the people concerned have been emailed."))

    @admin.action(description=_("Approve the selected requests"), permissions=["change"])
    def approve(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Decline the selected requests"), permissions=["change"])
    def decline(self, request, queryset):
        self._decide(request, queryset, approve=False)
