"""Being written."""

from django.http import Http404


def import_csv(request):
    raise Http404


import_template = import_csv
