"""Importing initiatives from a CSV file at /moderation/import/: check the
file, then import it; and the template to start a file from."""

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from initiatives import permissions
from initiatives.models import Initiative
from initiatives.moderation import importing

importer_required = permissions.required(permissions.can_import)


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
            (Initiative.State.PENDING, gettext_lazy("Waiting for moderation (not public yet)")),
            (Initiative.State.PUBLISHED, gettext_lazy("Published (public at once)")),
        ],
        initial=Initiative.State.PENDING,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how to create the initiatives.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@importer_required
@require_http_methods(["GET", "POST"])
def import_csv(request):
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    report = file_error = None
    if request.method == "POST" and form.is_valid():
        try:
            report = importing.import_initiatives(
                form.cleaned_data["file"],
                state=form.cleaned_data["state"],
                # Set by the button pressed: anything but "Import" only checks.
                dry_run=request.POST.get("action") != "import",
                user=request.user,
            )
        except importing.ImportFileError as error:
            file_error = error.message
    failed = request.method == "POST" and (report is None or report.has_errors)
    # No redirect after an import: the page lists what was created, and
    # sending the same file again creates nothing (its rows are imported).
    return render(
        request,
        "moderation/import.html",
        {
            "form": form,
            "report": report,
            "state_label": report and Initiative.State(report.state).label,
            "file_error": file_error,
            "columns": importing.COLUMNS,
            "required_columns": importing.REQUIRED_COLUMNS,
        },
        status=400 if failed else 200,
    )


@importer_required
@require_safe
def import_template(request):
    # With a byte order mark, Excel opens the file as UTF-8 rather than
    # mangling names such as “São Paulo”.
    response = HttpResponse(
        "\ufeff" + importing.template_csv(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="initiatives-import-template.csv"'
    return response
