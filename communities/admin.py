from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Organisation, Place


@admin.register(Place)
class PlaceAdmin(TreeAdmin):
    form = movenodeform_factory(Place, exclude=["path", "depth", "numchild"])
    list_display = ("name", "kind", "gss_code", "slug")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "gss_code")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "website")
    list_filter = ("kind",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("places",)
