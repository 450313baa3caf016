"""Curation: the public collections, and the curators' pages that shape what
the public sees (collections, featured initiatives, merging duplicate places
and organisations)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from communities.lookups import place_label
from communities.models import Organisation, Place
from initiatives import permissions, public
from initiatives.curation import merging
from initiatives.curation import services as curation
from initiatives.curation.forms import (
    CollectionForm,
    OrganisationMergeForm,
    PlaceMergeForm,
)
from initiatives.models import Collection
from initiatives.permissions import curator_required
from initiatives.validation import add_errors

PAGE_SIZE = 20
# The type-ahead lists stop here; beyond it, typing the exact name still works.
OPTIONS_LIMIT = 5000


# Public pages


@require_safe
def collection_index(request):
    collections = public.public_collections_with_counts().order_by("title")
    page = Paginator(collections, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "curation/collection_index.html", {"page": page})


@require_safe
def collection_detail(request, slug):
    collection = get_object_or_404(Collection, slug=slug)
    if public.is_public_collection(collection):
        return collection_page(request, collection)
    if not permissions.can_curate(request.user):
        raise Http404
    # A collection not yet public is a staff page: two factors first.
    return permissions.second_factor_required(collection_page)(request, collection)


def collection_page(request, collection):
    return render(
        request,
        "curation/collection_detail.html",
        {
            "collection": collection,
            "initiatives": list(curation.collection_initiatives(collection)),
        },
    )


# Curators' pages


@curator_required
@require_safe
def curation_home(request):
    published = public.published_initiatives()
    collections = Collection.objects.annotate(
        n_items=Count("items"),
        n_published=Count("items", filter=Q(items__initiative__in=published)),
    ).order_by("title")
    featured = public.featured_initiatives().with_primary_place().order_by("-published_at")
    return render(
        request,
        "curation/home.html",
        {
            "collections": collections,
            "featured": featured,
            "featured_on_home": public.FEATURED_ON_HOME,
        },
    )


def _collection_form_initial(collection):
    if collection is None:
        return {"is_public": False}
    return {
        "title": collection.title,
        "introduction": collection.introduction,
        "is_public": collection.is_public,
    }


@curator_required
@require_http_methods(["GET", "HEAD", "POST"])
def collection_edit(request, slug=None):
    collection = get_object_or_404(Collection, slug=slug) if slug else None
    items = curation.collection_items(collection) if collection else []
    form = CollectionForm(
        request.POST if request.method == "POST" else None,
        items=items,
        initial=_collection_form_initial(collection),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            collection = curation.collection_save(
                collection=collection,
                user=request.user,
                title=data["title"],
                introduction=data["introduction"],
                is_public=data["is_public"],
                initiatives=data["initiatives"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("“%(title)s” was saved.") % {"title": collection.title})
            return redirect("initiatives:collection-edit", slug=collection.slug)
    return render(
        request,
        "curation/collection_form.html",
        {
            "form": form,
            "collection": collection,
            "initiative_options": public.published_initiatives()
            .order_by("title")
            .values_list("title", flat=True)[:OPTIONS_LIMIT],
        },
        status=400 if form.errors else 200,
    )


def _next_url(request, default):
    url = request.POST.get("next", "")
    # A path on this site: redirect() takes anything else for a view's name.
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


@curator_required
@require_POST
def feature_toggle(request, pk):
    initiative = get_object_or_404(public.published_initiatives(), pk=pk)
    # The form says which way, so that a second click does not undo the first.
    wanted = request.POST.get("featured")
    featured = wanted == "1" if wanted in ("0", "1") else not initiative.featured
    curation.feature(initiative, featured=featured)
    if featured:
        message = _("“%(title)s” is featured on the home page.")
    else:
        message = _("“%(title)s” is no longer featured.")
    messages.success(request, message % {"title": initiative.title})
    return redirect(_next_url(request, reverse("initiatives:curation")))


# Merging duplicates


def _place_options():
    """(slug, label) for the list: the label names the larger place too."""
    places = list(Place.objects.only("name", "slug", "path")[:OPTIONS_LIMIT])
    names = {p.path: p.name for p in places}
    return [(p.slug, place_label(p, names.get(p.path[: -Place.steplen]))) for p in places]


def _place_description(place):
    parent = Place.objects.get_parent(place)
    return place_label(place, parent.name if parent else None)


def _organisation_options():
    return Organisation.objects.order_by("name").values_list("slug", "name")[:OPTIONS_LIMIT]


MERGES = {
    "places": {
        "form": PlaceMergeForm,
        "preview": merging.place_merge_preview,
        "merge": merging.merge_places,
        "options": _place_options,
        "describe": _place_description,
        "url": "initiatives:merge-places",
        "title": gettext_lazy("Merge duplicate places"),
        "lead": gettext_lazy(
            "Initiatives, organisations, proposals and the places within the duplicate move "
            "to the place kept; then the duplicate is deleted. It cannot be undone."
        ),
    },
    "organisations": {
        "form": OrganisationMergeForm,
        "preview": merging.organisation_merge_preview,
        "merge": merging.merge_organisations,
        "options": _organisation_options,
        "describe": str,
        "url": "initiatives:merge-organisations",
        "title": gettext_lazy("Merge duplicate organisations"),
        "lead": gettext_lazy(
            "Links to initiatives and their roles, memberships, submissions on its behalf, "
            "places served and proposals move to the organisation kept; then the duplicate "
            "is deleted. It cannot be undone."
        ),
    },
}


def _merge(request, kind):
    """Choose the duplicate and the one to keep; see what will move; merge."""
    merge = MERGES[kind]
    if request.method == "POST":
        form = merge["form"](request.POST)
    else:
        form = merge["form"](
            initial={"duplicate": request.GET.get("duplicate"), "keep": request.GET.get("keep")}
        )
    if form.is_valid():
        duplicate, keep = form.cleaned_data["duplicate"], form.cleaned_data["keep"]
        if request.POST.get("confirm") == "yes":
            names = {"duplicate": merge["describe"](duplicate), "keep": merge["describe"](keep)}
            try:
                merge["merge"](duplicate, keep)
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request,
                    _("“%(duplicate)s” was merged into “%(keep)s” and deleted.") % names,
                )
                return redirect(merge["url"])
        else:
            return render(
                request,
                "curation/merge_confirm.html",
                {
                    "merge": merge,
                    "duplicate": duplicate,
                    "keep": keep,
                    "duplicate_label": merge["describe"](duplicate),
                    "keep_label": merge["describe"](keep),
                    "moves": merge["preview"](duplicate, keep),
                },
            )
    return render(
        request,
        "curation/merge.html",
        {"merge": merge, "form": form, "options": merge["options"]()},
        status=400 if form.errors else 200,
    )


@curator_required
@require_http_methods(["GET", "HEAD", "POST"])
def merge_places(request):
    return _merge(request, "places")


@curator_required
@require_http_methods(["GET", "HEAD", "POST"])
def merge_organisations(request):
    return _merge(request, "organisations")
