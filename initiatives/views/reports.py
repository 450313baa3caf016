"""Being written."""

from django.http import Http404


def report_create(request, slug):
    raise Http404


def report_item(request, pk):
    raise Http404
