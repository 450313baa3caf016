"""The curators' forms: a collection with its ordered initiatives, and the
choice of two duplicates to merge."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.lookups import resolve_organisation, resolve_place
from communities.models import Organisation, Place
from initiatives import public
from initiatives.curation import merging


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
        published = public.published_initiatives()
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
