"""The parts of the submission form that repeat: the organisations involved
(each named, or proposed as new) and the photos (each uploaded, or kept from
a form shown again), and the photos to remove."""

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.lookups import resolve_organisation
from communities.models import Organisation
from initiatives.catalogue import photos
from initiatives.models import InitiativeOrganisation

MAX_ORGANISATIONS = 10
ORGANISATION_ROWS = 3


class OrganisationRowForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    name = forms.CharField(
        label=gettext_lazy("Organisation"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "organisation-options", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=InitiativeOrganisation.Role.choices,
        initial=InitiativeOrganisation.Role.LEAD,
    )
    is_new = forms.BooleanField(
        label=gettext_lazy("Not in the list: propose it as a new organisation"), required=False
    )
    website = forms.URLField(
        label=gettext_lazy("Its website (for a new organisation)"),
        required=False,
        assume_scheme="https",
    )

    def clean(self):
        cleaned = super().clean()
        name = " ".join((cleaned.get("name") or "").split())
        cleaned["name"] = name
        cleaned["organisation"] = None
        if name and not cleaned.get("is_new"):
            try:
                cleaned["organisation"] = resolve_organisation(name)
            except ValidationError as error:
                self.add_error("name", error)
        return cleaned


class BaseOrganisationFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": gettext_lazy("List at most %(num)d organisations."),
    }

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            name = form.cleaned_data.get("name")
            if not name:
                continue
            key = (name.lower(), form.cleaned_data.get("role"))
            if key in seen:
                form.add_error("name", _("This organisation is already listed in this role."))
            seen.add(key)

    def chosen(self) -> list[tuple[Organisation, str]]:
        return [
            (f.cleaned_data["organisation"], f.cleaned_data["role"])
            for f in self.forms
            if f.cleaned_data.get("organisation")
        ]

    def proposed(self) -> list[dict]:
        return [
            {
                "name": f.cleaned_data["name"],
                "role": f.cleaned_data["role"],
                "website": f.cleaned_data.get("website", ""),
            }
            for f in self.forms
            if f.cleaned_data.get("name") and f.cleaned_data.get("is_new")
        ]


OrganisationFormSet = forms.formset_factory(
    OrganisationRowForm,
    formset=BaseOrganisationFormSet,
    extra=ORGANISATION_ROWS,
    max_num=MAX_ORGANISATIONS,
    absolute_max=MAX_ORGANISATIONS,
    validate_max=True,
)


_KEPT_SALT = "initiatives.forms.kept-photo"


def kept_token(user, processed_names: dict) -> str:
    return signing.dumps({"user": user.pk, "files": processed_names}, salt=_KEPT_SALT)


class PhotoRowForm(forms.Form):
    image = forms.FileField(
        label=gettext_lazy("Photo"),
        required=False,
        help_text=gettext_lazy("A JPEG, PNG or WebP image, at most 8 MB."),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    alt_text = forms.CharField(
        label=gettext_lazy("Describe the photo for people who cannot see it"),
        max_length=250,
        required=False,
    )
    # A photo sent with a form that had to be shown again, kept so that it
    # need not be chosen again (see initiatives.submissions.keep_photos).
    kept = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload:
            self.cleaned_data["processed"] = photos.process(upload)
        return upload

    def clean_kept(self):
        token = self.cleaned_data.get("kept")
        if not token:
            return None
        try:
            kept = signing.loads(token, salt=_KEPT_SALT, max_age=60 * 60 * 24)
        except signing.BadSignature:
            return None
        if kept.get("user") != getattr(self.user, "pk", None):
            return None
        return kept["files"]

    @property
    def has_photo(self):
        return bool(self.cleaned_data.get("processed") or self.cleaned_data.get("kept"))

    def clean(self):
        cleaned = super().clean()
        if self.has_error("image"):
            return cleaned
        alt_text = (cleaned.get("alt_text") or "").strip()
        if self.has_photo and not alt_text:
            self.add_error("alt_text", _("Describe the photo for people who cannot see it."))
        elif alt_text and not self.has_photo:
            self.add_error("image", _("Choose a photo for this description, or clear it."))
        return cleaned


class BasePhotoFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": gettext_lazy("An initiative can have at most %(num)d photos."),
    }

    def __init__(self, *args, user=None, existing=0, **kwargs):
        self.user = user
        self.existing = existing
        self.extra = max(0, photos.MAX_PHOTOS - existing)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"user": self.user}

    def clean(self):
        if any(self.errors):
            return
        count = sum(1 for f in self.forms if f.has_photo)
        if self.existing + count > photos.MAX_PHOTOS:
            raise ValidationError(
                _("An initiative can have at most %(n)s photos.") % {"n": photos.MAX_PHOTOS}
            )

    def photos(self) -> list[dict]:
        return [
            {
                "processed": f.cleaned_data.get("processed"),
                "kept": f.cleaned_data.get("kept"),
                "alt_text": f.cleaned_data["alt_text"].strip(),
            }
            for f in self.forms
            if f.has_photo
        ]


PhotoFormSet = forms.formset_factory(
    PhotoRowForm,
    formset=BasePhotoFormSet,
    extra=photos.MAX_PHOTOS,
    max_num=photos.MAX_PHOTOS,
    absolute_max=photos.MAX_PHOTOS,
    validate_max=True,
)


class RemovePhotosForm(forms.Form):
    """In an edit: the photos already there that the submitter takes away."""

    remove_photos = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Remove these photos"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, images=(), **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["remove_photos"].choices = [(image.pk, image.alt_text) for image in images]
