"""The moderation forms: a decision on a submission or an edit, a report and
the decision on it, and the CSV import."""

from django import forms
from django.utils.translation import gettext_lazy

from initiatives import abuse
from initiatives.models import Report
from initiatives.moderation.states import State


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a decision.")},
    )
    message = forms.CharField(
        label=gettext_lazy("Message to the submitter"),
        help_text=gettext_lazy("Required to ask for changes or to reject. They see it."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    note = forms.CharField(
        label=gettext_lazy("Internal note (optional)"),
        help_text=gettext_lazy("Only staff see it."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )
    seen_state = forms.CharField(widget=forms.HiddenInput)

    LABELS = {
        "approve": gettext_lazy("Approve and publish"),
        "request_changes": gettext_lazy("Ask the submitter for changes"),
        "reject": gettext_lazy("Reject"),
        "archive": gettext_lazy("Archive (take off the map)"),
    }

    def __init__(self, *args, actions, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(a, self.LABELS[a]) for a in actions]


class ReportForm(abuse.HumanCheckForm):
    reason = forms.ChoiceField(
        label=gettext_lazy("What is the problem?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose what the problem is."),
            "invalid_choice": gettext_lazy("Choose one of the problems listed."),
        },
    )
    details = forms.CharField(
        label=gettext_lazy("Tell us more (optional)"),
        help_text=gettext_lazy(
            "What is wrong, and what it should say if you know. "
            "Please do not include anyone's private details."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=5000,
    )
    email = forms.EmailField(
        label=gettext_lazy("Your email address (optional)"),
        help_text=gettext_lazy(
            "Only to tell you the outcome. We never show it on the site or use it for "
            "anything else."
        ),
        required=False,
        error_messages={
            "invalid": gettext_lazy(
                "Enter an email address like name@example.org, or leave it empty."
            )
        },
    )


class ReportDecisionForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a decision.")},
    )
    message = forms.CharField(
        label=gettext_lazy("Message"),
        help_text=gettext_lazy(
            "To resolve or dismiss: optional, sent to the reporter if they left an email "
            "address. To unpublish: required, the reason, sent to the submitter only."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    seen_state = forms.CharField(widget=forms.HiddenInput)

    LABELS = {
        "resolve": gettext_lazy("Resolve: we corrected the page"),
        "unpublish": gettext_lazy("Unpublish: take the initiative off the map"),
        "dismiss": gettext_lazy("Dismiss: nothing needs changing"),
    }

    def __init__(self, *args, actions, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(a, self.LABELS[a]) for a in actions]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8, with a header row; at most 5 MB and 5,000 rows. Choose it again after "
            "checking it."
        ),
        error_messages={
            "required": gettext_lazy("Choose a CSV file."),
            "empty": gettext_lazy("The file is empty."),
        },
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Create the new initiatives as"),
        choices=[
            (State.PENDING, gettext_lazy("Waiting for moderation (not public yet)")),
            (State.PUBLISHED, gettext_lazy("Published (public at once)")),
        ],
        initial=State.PENDING,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how to create the initiatives.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
