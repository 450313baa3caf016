"""What every open-data response carries: the data licence and an open door
for other sites' scripts."""

from django.conf import settings


def licence():
    return {
        "name": settings.DATA_LICENCE_NAME,
        "short_name": settings.DATA_LICENCE_SHORT,
        "url": settings.DATA_LICENCE_URL,
        "attribution": settings.DATA_ATTRIBUTION,
    }


def open_response(response):
    """Mark `response` as open data: any site may read it (CORS), and it
    names its licence (RFC 8288 `Link: rel="license"`)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Link"] = f'<{settings.DATA_LICENCE_URL}>; rel="license"'
    return response
