"""A person's choices of which emails to get."""

from django import forms

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
