"""Email alerts: following a place or a theme by email."""

from django.http import HttpResponse


def follow(request):
    return HttpResponse(status=501)


def confirm(request, token):
    return HttpResponse(status=501)


def unsubscribe(request, token):
    return HttpResponse(status=501)
