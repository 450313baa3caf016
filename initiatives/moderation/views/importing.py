"""Importing initiatives from a CSV file at /moderation/import/: check the
file, then import it; and the template to start a file from."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from initiatives.models import Initiative
from initiatives.moderation import import_columns, import_rows, importing
from initiatives.moderation.forms import ImportForm
from initiatives.permissions import importer_required


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
        except import_rows.ImportFileError as error:
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
            "columns": import_columns.COLUMNS,
            "required_columns": import_columns.REQUIRED_COLUMNS,
        },
        status=400 if failed else 200,
    )


@importer_required
@require_safe
def import_template(request):
    # With a byte order mark, Excel opens the file as UTF-8 rather than
    # mangling names such as “São Paulo”.
    response = HttpResponse(
        "\ufeff" + import_columns.template_csv(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="initiatives-import-template.csv"'
    return response
