"""Curation: the public collections, and the curators' pages that shape what
the public sees (collections, featured initiatives, merging duplicate places
and organisations)."""

from django import forms
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

from communities.lookups import place_label, resolve_organisation, resolve_place
from communities.models import Organisation, Place
from initiatives import permissions
from initiatives.browse.views import FEATURED_ON_HOME
from initiatives.curation import merging
from initiatives.curation import services as curation
from initiatives.models import Collection, Initiative

PAGE_SIZE = 20
# The type-ahead lists stop here; beyond it, typing the exact name still works.
OPTIONS_LIMIT = 5000


curator_required = permissions.required(permissions.can_curate)


def _add_errors(form, error: ValidationError) -> None:
    """A service's ValidationError onto the form, on the field it names when
    the form has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# Public pages


@require_safe
def collection_index(request):
    collections = curation.public_collections().order_by("title")
    page = Paginator(collections, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "collections/index.html", {"page": page})


@require_safe
def collection_detail(request, slug):
    collection = get_object_or_404(Collection, slug=slug)
    if not collection.is_public and not permissions.can_curate(request.user):
        raise Http404
    return render(
        request,
        "collections/detail.html",
        {
            "collection": collection,
            "initiatives": list(curation.collection_initiatives(collection)),
        },
    )


# Curators' pages


@curator_required
@require_safe
def curation_home(request):
    published = Initiative.objects.published()
    collections = Collection.objects.annotate(
        n_items=Count("items"),
        n_published=Count("items", filter=Q(items__initiative__in=published)),
    ).order_by("title")
    featured = published.filter(featured=True).with_primary_place().order_by("-published_at")
    return render(
        request,
        "curation/home.html",
        {
            "collections": collections,
            "featured": featured,
            "featured_on_home": FEATURED_ON_HOME,
        },
    )


class CollectionForm(forms.Form):
    """A collection's details and its ordered initiatives: a position and a
    remove box for each one in it, and a title to add one (no script needed)."""

    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        error_messages={"required": gettext_lazy("Enter a title.")},
    )
    introduction = forms.CharField(
        label=gettext_lazy("Introduction (optional)"),
        help_text=gettext_lazy("Plain text. Leave a blank line between paragraphs."),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=10000,
    )
    is_public = forms.BooleanField(
        label=gettext_lazy("Public: anyone can find and read it"),
        help_text=gettext_lazy("Leave unticked while you build it."),
        required=False,
    )
    add = forms.CharField(
        label=gettext_lazy("Add an initiative (optional)"),
        help_text=gettext_lazy(
            "Start typing its title and choose it from the list; it is added at the end. "
            "Only published initiatives can be added."
        ),
        max_length=220,
        required=False,
        widget=forms.TextInput(attrs={"list": "initiative-options", "autocomplete": "off"}),
    )

    def __init__(self, *args, items, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.items = items
        for number, item in enumerate(items, start=1):
            title = item.initiative.title
            self.fields[f"position_{item.initiative_id}"] = forms.IntegerField(
                label=_("Position of “%(title)s”") % {"title": title},
                min_value=1,
                max_value=10000,
                initial=number,
                # Left empty, an initiative keeps its place.
                required=False,
                error_messages={
                    "invalid": _("Enter a whole number for the position of “%(title)s”.")
                    % {"title": title},
                    "min_value": _("Positions start at 1."),
                },
            )
            self.fields[f"remove_{item.initiative_id}"] = forms.BooleanField(
                label=_("Remove “%(title)s”") % {"title": title}, required=False
            )
        # The list comes before "add", as on the page (and in the error summary).
        self.order_fields([name for name in self.fields if name != "add"])

    def rows(self):
        return [
            {
                "item": item,
                "position": self[f"position_{item.initiative_id}"],
                "remove": self[f"remove_{item.initiative_id}"],
            }
            for item in self.items
        ]

    def clean_add(self):
        text = " ".join(self.cleaned_data["add"].split())
        if not text:
            return None
        published = Initiative.objects.published()
        matches = list(published.filter(title=text)[:2]) or list(published.filter(slug=text)[:1])
        if not matches:
            raise ValidationError(
                _("No published initiative is called “%(title)s”. Choose one from the list."),
                params={"title": text},
            )
        if len(matches) > 1:
            raise ValidationError(
                _(
                    "Several published initiatives are called “%(title)s”. Type the last part "
                    "of the address of the one you mean instead (such as “%(slug)s”)."
                ),
                params={"title": text, "slug": matches[0].slug},
            )
        initiative = matches[0]
        if any(item.initiative_id == initiative.pk for item in self.items):
            raise ValidationError(
                _("“%(title)s” is already in this collection."), params={"title": initiative.title}
            )
        return initiative

    def clean(self):
        data = super().clean()
        kept = [
            (data.get(f"position_{item.initiative_id}") or index + 1, index, item.initiative)
            for index, item in enumerate(self.items)
            if not data.get(f"remove_{item.initiative_id}")
        ]
        initiatives = [initiative for _position, _index, initiative in sorted(kept)]
        if data.get("add"):
            initiatives.append(data["add"])
        data["initiatives"] = initiatives
        return data


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
            _add_errors(form, error)
        else:
            messages.success(request, _("“%(title)s” was saved.") % {"title": collection.title})
            return redirect("initiatives:collection-edit", slug=collection.slug)
    return render(
        request,
        "curation/collection_form.html",
        {
            "form": form,
            "collection": collection,
            "initiative_options": Initiative.objects.published()
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
    initiative = get_object_or_404(Initiative.objects.published(), pk=pk)
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


class PlaceMergeForm(forms.Form):
    duplicate = forms.CharField(
        label=gettext_lazy("The duplicate place"),
        help_text=gettext_lazy(
            "It will be deleted. Start typing its name and choose it from the list."
        ),
        max_length=220,
        widget=forms.TextInput(attrs={"list": "merge-options", "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Enter the duplicate place.")},
    )
    keep = forms.CharField(
        label=gettext_lazy("The place to keep"),
        help_text=gettext_lazy("Everything linked to the duplicate moves to it."),
        max_length=220,
        widget=forms.TextInput(attrs={"list": "merge-options", "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Enter the place to keep.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @staticmethod
    def resolve(text):
        """A place by its slug (what the list fills in: unique) or its name."""
        text = " ".join(text.split())
        place = Place.objects.filter(slug=text).first()
        if place is not None:
            return place
        try:
            return resolve_place(text)
        except ValidationError as error:
            if error.code == "unknown_place":
                raise ValidationError(
                    _("We do not know a place called “%(name)s”. Choose one from the list."),
                    params={"name": text},
                ) from None
            raise

    def clean_duplicate(self):
        return self.resolve(self.cleaned_data["duplicate"])

    def clean_keep(self):
        return self.resolve(self.cleaned_data["keep"])

    def clean(self):
        data = super().clean()
        if data.get("duplicate") and data.get("keep"):
            merging.check_place_merge(data["duplicate"], data["keep"])
        return data


class OrganisationMergeForm(PlaceMergeForm):
    duplicate = forms.CharField(
        label=gettext_lazy("The duplicate organisation"),
        help_text=gettext_lazy(
            "It will be deleted. Start typing its name and choose it from the list."
        ),
        max_length=220,
        widget=forms.TextInput(attrs={"list": "merge-options", "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Enter the duplicate organisation.")},
    )
    keep = forms.CharField(
        label=gettext_lazy("The organisation to keep"),
        help_text=gettext_lazy("Everything linked to the duplicate moves to it."),
        max_length=220,
        widget=forms.TextInput(attrs={"list": "merge-options", "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Enter the organisation to keep.")},
    )

    @staticmethod
    def resolve(text):
        text = " ".join(text.split())
        organisation = Organisation.objects.filter(slug=text).first()
        if organisation is not None:
            return organisation
        try:
            return resolve_organisation(text)
        except ValidationError as error:
            if error.code == "unknown_organisation":
                raise ValidationError(
                    _(
                        "We do not know an organisation called “%(name)s”. Choose one from "
                        "the list."
                    ),
                    params={"name": text},
                ) from None
            raise ValidationError(
                _(
                    "Several organisations are called “%(name)s”. Choose one from the list: "
                    "it fills in the last part of its address, which tells them apart."
                ),
                params={"name": text},
            ) from None

    def clean(self):
        data = forms.Form.clean(self)
        if data.get("duplicate") and data.get("keep"):
            merging.check_organisation_merge(data["duplicate"], data["keep"])
        return data


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
                _add_errors(form, error)
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
