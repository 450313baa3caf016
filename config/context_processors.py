from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "DATA_LICENCE": {
            "name": settings.DATA_LICENCE_NAME,
            "short_name": settings.DATA_LICENCE_SHORT,
            "url": settings.DATA_LICENCE_URL,
            "attribution": settings.DATA_ATTRIBUTION,
        },
    }
