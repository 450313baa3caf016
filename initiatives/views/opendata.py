"""Reusing the data: the open data page, the CSV export and the embeddable map."""

from django.http import HttpResponse


def open_data(request):
    return HttpResponse(status=501)


def export_csv(request):
    return HttpResponse(status=501)


def embed_map(request):
    return HttpResponse(status=501)
