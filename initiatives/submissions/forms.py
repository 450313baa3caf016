"""The submission form: an initiative as a resident or council officer
describes it, with the organisations involved and up to five photos.

Forms validate and normalise; initiatives.submissions saves.
"""

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.lookups import resolve_place
from communities.models import Membership, Organisation
from initiatives import validation
from initiatives.abuse import HumanCheckForm
from initiatives.catalogue import photos
from initiatives.models import ActivityStatus, Theme
from initiatives.submissions.formsets import (
    OrganisationFormSet,
    PhotoFormSet,
    RemovePhotosForm,
    kept_token,
)


class ThemesField(forms.ModelMultipleChoiceField):
    """Themes chosen by id. An id longer than any the database holds names no
    theme: SQLite cannot even compare it (Django checks the range for one id,
    not for a list)."""

    def _check_values(self, value):
        if any(len(str(pk)) > 18 for pk in value):
            raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value")
        return super()._check_values(value)


class AreaField(forms.JSONField):
    """A GeoJSON Polygon or MultiPolygon, pasted as text (or drawn, where a
    drawing tool fills the box in), checked by validation.served_area."""

    default_error_messages = {
        "invalid": gettext_lazy(
            "The area is not GeoJSON: paste a Polygon or MultiPolygon, such as geojson.io "
            "gives, or leave the box empty."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str) and len(value) > validation.MAX_AREA_CHARACTERS:
            raise ValidationError(
                _("The area is too long: at most %(n)s characters."),
                code="area_too_long",
                params={"n": validation.MAX_AREA_CHARACTERS},
            )
        return super().to_python(value)

    def clean(self, value):
        return validation.served_area(super().clean(value))


class InitiativeForm(HumanCheckForm):
    title = forms.CharField(
        label=gettext_lazy("Name of the initiative"),
        max_length=200,
        error_messages={"required": gettext_lazy("Enter the name of the initiative.")},
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        max_length=280,
        help_text=gettext_lazy("One or two sentences, shown in lists: at most 280 characters."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("Enter a short summary.")},
    )
    description = forms.CharField(
        label=gettext_lazy("What it does"),
        help_text=gettext_lazy("Who started it, who it helps, what happens and what changed."),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
        error_messages={"required": gettext_lazy("Describe what the initiative does.")},
    )
    how_to_adapt = forms.CharField(
        label=gettext_lazy("How others can adapt or copy it (optional)"),
        help_text=gettext_lazy(
            "What another community would need to start something similar: people, money, "
            "permissions, the first steps."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        required=False,
    )
    themes = ThemesField(
        label=gettext_lazy("Themes"),
        queryset=Theme.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choose at least one theme."),
            "invalid_choice": gettext_lazy("Choose themes from the list."),
            "invalid_pk_value": gettext_lazy("Choose themes from the list."),
        },
    )
    place = forms.CharField(
        label=gettext_lazy("Place it serves"),
        help_text=gettext_lazy(
            "A neighbourhood, town, council area or region. Start typing and choose from the list."
        ),
        max_length=250,
        widget=forms.TextInput(attrs={"list": "place-options", "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Enter the place that the initiative serves.")},
    )
    new_place = forms.BooleanField(
        label=gettext_lazy("My place is not in the list: propose it as a new place"),
        required=False,
    )
    new_place_within = forms.CharField(
        label=gettext_lazy("Which larger place is it in?"),
        help_text=gettext_lazy("For a new place only: the town, council area or region around it."),
        max_length=250,
        required=False,
        widget=forms.TextInput(attrs={"list": "place-options", "autocomplete": "off"}),
    )
    latitude = forms.FloatField(
        label=gettext_lazy("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=gettext_lazy("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    served_area = AreaField(
        label=gettext_lazy("Area served (GeoJSON, optional)"),
        help_text=gettext_lazy(
            "When the places served say too little: draw the area at geojson.io and paste "
            "its GeoJSON here, a Polygon or MultiPolygon in the UK of at most 500 points."
        ),
        required=False,
    )
    activity_status = forms.ChoiceField(
        label=gettext_lazy("Is it running now?"),
        choices=ActivityStatus.choices,
        initial=ActivityStatus.ACTIVE,
        widget=forms.RadioSelect,
    )
    start_date = forms.DateField(
        label=gettext_lazy("Started (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end_date = forms.DateField(
        label=gettext_lazy("Ended (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    website = forms.URLField(
        label=gettext_lazy("Website (optional)"), required=False, assume_scheme="https"
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Contact name"), max_length=150, required=False
    )
    contact_email = forms.EmailField(label=gettext_lazy("Contact email"), required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    contact_consent = forms.BooleanField(
        label=gettext_lazy(
            "The person or group named here agrees to these contact details being shown publicly"
        ),
        required=False,
    )
    source_url = forms.URLField(
        label=gettext_lazy("A link where people can read more (optional)"),
        help_text=gettext_lazy("A news story, report or blog post about it."),
        max_length=500,
        required=False,
        assume_scheme="https",
    )
    source_title = forms.CharField(
        label=gettext_lazy("Title of that page (optional)"), max_length=300, required=False
    )
    on_behalf_of = forms.ModelChoiceField(
        label=gettext_lazy("Submit as"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("Yourself"),
        blank=True,
        widget=forms.RadioSelect,
    )
    credit_submitter = forms.BooleanField(
        label=gettext_lazy("Credit me publicly as the person who added this"),
        required=False,
    )
    public_name = forms.CharField(
        label=gettext_lazy("The name to credit"),
        help_text=gettext_lazy("Shown on the initiative's page. Your email address never is."),
        max_length=150,
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        memberships = Membership.objects.approved().filter(user=user)
        self.fields["on_behalf_of"].queryset = Organisation.objects.filter(
            pk__in=memberships.values("organisation")
        ).order_by("name")
        if not self.is_bound:
            self.initial.setdefault("public_name", user.public_name)

    @property
    def can_submit_for_organisation(self):
        return self.fields["on_behalf_of"].queryset.exists()

    def clean(self):
        cleaned = super().clean()
        place_text = cleaned.get("place")
        if place_text:
            if cleaned.get("new_place"):
                within = cleaned.get("new_place_within")
                if not within:
                    self.add_error(
                        "new_place_within",
                        _("Enter the larger place that the new place is in."),
                    )
                else:
                    try:
                        cleaned["primary_place"] = resolve_place(within)
                        cleaned["proposed_place"] = " ".join(place_text.split())
                    except ValidationError as error:
                        self.add_error("new_place_within", error)
            else:
                try:
                    cleaned["primary_place"] = resolve_place(place_text)
                    cleaned["proposed_place"] = ""
                except ValidationError as error:
                    self.add_error("place", error)

        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            missing = "longitude" if longitude is None else "latitude"
            self.add_error(
                missing,
                _("Enter both latitude and longitude for the pin, or neither."),
            )

        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))

        has_contact = any(
            cleaned.get(f) for f in ("contact_name", "contact_email", "contact_phone")
        )
        if has_contact and not cleaned.get("contact_consent"):
            self.add_error(
                "contact_consent",
                _(
                    "Tick the box to confirm that the contact agrees to be shown publicly, "
                    "or leave the contact details empty."
                ),
            )
        if cleaned.get("contact_consent") and not has_contact:
            cleaned["contact_consent"] = False

        if cleaned.get("credit_submitter") and not (cleaned.get("public_name") or "").strip():
            self.add_error("public_name", _("Enter the name to credit you by."))

        url = cleaned.get("source_url")
        if url and not cleaned.get("source_title"):
            cleaned["source_title"] = urlsplit(url).netloc
        return cleaned


class SubmissionForms:
    """The submission form with its organisations and photos, validated and
    shown together, with one error summary for all of them."""

    def __init__(self, request, *, initial=None, organisations=None, images=()):
        data = request.POST if request.method == "POST" else None
        files = request.FILES if data is not None else None
        user = request.user
        self.images = list(images)
        self.main = InitiativeForm(data, initial=initial or {}, user=user)
        self.organisations = OrganisationFormSet(data, prefix="org", initial=organisations)
        self.photos = PhotoFormSet(
            data, files, prefix="photo", user=user, existing=len(self.images)
        )
        self.remove = RemovePhotosForm(data, images=self.images)
        self.extra_errors: list[str] = []

    def is_valid(self) -> bool:
        removed = set(self.remove.cleaned_data["remove_photos"]) if self.remove.is_valid() else ()
        self.photos.existing = len(self.images) - len(removed)
        # Every part is validated, so that every error shows at once.
        results = [
            self.main.is_valid(),
            self.organisations.is_valid(),
            self.photos.is_valid(),
            self.remove.is_valid(),
        ]
        return all(results) and not self.extra_errors

    def is_bot(self) -> bool:
        return self.main.is_bound and self.main.is_bot()

    def service_kwargs(self) -> dict:
        return {
            "entry": self.main.cleaned_data,
            "organisations": self.organisations.chosen(),
            "proposed_organisations": self.organisations.proposed(),
            "photo_rows": self.photos.photos(),
        }

    def removed_photos(self) -> list[int]:
        return list(self.remove.cleaned_data.get("remove_photos") or [])

    def keep_photos(self) -> None:
        """Photos that passed their checks are kept while the form is shown
        again, so that nobody has to choose them twice."""
        for form in self.photos.forms:
            processed = getattr(form, "cleaned_data", {}).get("processed")
            if processed:
                form.kept_token = kept_token(form.user, photos.keep(processed))
            elif getattr(form, "cleaned_data", {}).get("kept"):
                form.kept_token = form.data.get(form.add_prefix("kept"))

    def error_list(self) -> list[tuple[str, str]]:
        """(id of the field, message) for the error summary, in page order."""
        errors = []
        for message in self.main.non_field_errors():
            errors.append(("submission-form", message))
        for message in self.extra_errors:
            errors.append(("submission-form", message))
        for field in self.main:
            anchor = field.id_for_label
            if field.name == "themes":
                anchor = "themes-fieldset"
            elif field.name in ("activity_status", "on_behalf_of"):
                anchor = f"id_{field.name}_0"
            errors += [(anchor, message) for message in field.errors]
        # Photos to remove that are not this initiative's (a stale or forged form).
        errors += [
            ("photos-fieldset", message) for message in self.remove.errors.get("remove_photos", [])
        ]
        for label, formset, anchor in (
            (_("Organisation %(n)s"), self.organisations, "organisations-fieldset"),
            (_("Photo %(n)s"), self.photos, "photos-fieldset"),
        ):
            errors += [(anchor, message) for message in formset.non_form_errors()]
            for number, form in enumerate(formset.forms, start=1):
                for field in form:
                    for message in field.errors:
                        prefix = label % {"n": number}
                        errors.append((field.id_for_label, f"{prefix}: {message}"))
        return errors
