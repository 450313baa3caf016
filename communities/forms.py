from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.lookups import resolve_organisation
from communities.models import Membership


class MembershipRequestForm(forms.Form):
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"),
        help_text=gettext_lazy("Start typing its name and choose it from the list."),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "organisation-options", "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Enter the organisation's name.")},
    )
    job_title = forms.CharField(
        label=gettext_lazy("Your role there (optional)"), max_length=150, required=False
    )
    message = forms.CharField(
        label=gettext_lazy("How can we check that you work or volunteer there?"),
        help_text=gettext_lazy(
            "For example: your work email address is at the organisation's domain, or a "
            "colleague we can ask."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Tell us how we can check.")},
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_organisation(self):
        try:
            organisation = resolve_organisation(self.cleaned_data["organisation"])
        except ValidationError as error:
            if error.code == "unknown_organisation":
                raise ValidationError(
                    _(
                        "We do not know an organisation called “%(name)s”. Choose one from the "
                        "list; if yours is missing, add it with your first submission."
                    ),
                    params=error.params,
                ) from None
            raise
        if Membership.objects.filter(user=self.user, organisation=organisation).exists():
            raise ValidationError(_("You have already asked to join this organisation."))
        return organisation
