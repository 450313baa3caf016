"""Following a place or a theme by email."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.models import Place
from initiatives.abuse import HumanCheckForm
from initiatives.models import Theme


class AlertForm(HumanCheckForm):
    """Follow a place or a theme by email: the form on their pages
    (templates/alerts/follow_form.html), which names one of them by slug."""

    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        help_text=gettext_lazy(
            "We use it only to send you these emails, and you can unsubscribe at any time "
            "from a link in every one."
        ),
        max_length=254,
        error_messages={
            "required": gettext_lazy("Enter your email address."),
            "invalid": gettext_lazy("Enter an email address like name@example.org."),
        },
    )
    place = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)
    theme = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)

    NOT_FOUND = {
        "place": gettext_lazy(
            "We could not find that place: it may have been renamed. Go back to its page "
            "and try again."
        ),
        "theme": gettext_lazy(
            "We could not find that theme: it may have been renamed. Go back to its page "
            "and try again."
        ),
    }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "follow-%s")
        super().__init__(*args, **kwargs)

    def clean_email(self):
        # One alert per person and place or theme, however they type the address.
        return self.cleaned_data["email"].lower()

    def clean_place(self):
        slug = self.cleaned_data["place"]
        return Place.objects.filter(slug=slug).first() if slug else None

    def clean_theme(self):
        slug = self.cleaned_data["theme"]
        return Theme.objects.filter(slug=slug).first() if slug else None

    def clean(self):
        cleaned = super().clean()
        named = [name for name in ("place", "theme") if self.data.get(name)]
        if len(named) != 1:
            raise ValidationError(
                _("Choose one place or one theme to follow, from its page."), code="subject"
            )
        if cleaned.get(named[0]) is None:
            raise ValidationError(self.NOT_FOUND[named[0]], code="not_found")
        return cleaned

    def follow(self) -> dict:
        """{"place": place} or {"theme": theme}: what the form was sent for, if
        it named exactly one that exists (to show the form again), else {}."""
        if not hasattr(self, "cleaned_data"):
            return {}
        found = {
            name: self.cleaned_data[name]
            for name in ("place", "theme")
            if self.cleaned_data.get(name) is not None
        }
        named = [name for name in ("place", "theme") if self.data.get(name)]
        return found if len(found) == 1 and len(named) == 1 else {}
