"""The Open Referral UK read endpoints."""

from django.http import HttpResponse


def index(request):
    return HttpResponse(status=501)


def service_list(request):
    return HttpResponse(status=501)


def service_detail(request, id):
    return HttpResponse(status=501)


def service_at_location_list(request):
    return HttpResponse(status=501)


def service_at_location_detail(request, id):
    return HttpResponse(status=501)


def organization_list(request):
    return HttpResponse(status=501)


def organization_detail(request, id):
    return HttpResponse(status=501)


def taxonomy_list(request):
    return HttpResponse(status=501)


def taxonomy_detail(request, id):
    return HttpResponse(status=501)


def taxonomy_term_list(request):
    return HttpResponse(status=501)


def taxonomy_term_detail(request, id):
    return HttpResponse(status=501)
