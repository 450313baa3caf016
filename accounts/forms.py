"""The account forms in the site's words: which emails a person gets, and signing in."""

from allauth.account.forms import LoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.notifications import offered_to


class NotificationsForm(forms.Form):
    """One checkbox for each kind of email offered to the person, ticked
    when they want it. An unticked box (absent from the post) turns it off."""

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        self.kinds = offered_to(user)
        for kind in self.kinds:
            self.fields[kind.name] = forms.BooleanField(
                label=kind.label,
                help_text=kind.help_text,
                required=False,
                initial=getattr(user, kind.field),
            )


class SignInForm(LoginForm):
    """allauth's sign-in form in the site's words: the page itself links to
    the password reset once, below the button, so the field does not."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = ""
        if "remember" in self.fields:
            self.fields["remember"].label = _("Keep me signed in on this device")
