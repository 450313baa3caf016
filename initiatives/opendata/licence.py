"""What every open-data response carries: the data licence and an open door
for other sites' scripts."""

from django.conf import settings

from config.context_processors import site


def licence():
    return site(None)["DATA_LICENCE"]


def open_response(response):
    """Mark `response` as open data: any site may read it (CORS), and it
    names its licence (RFC 8288 `Link: rel="license"`)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Link"] = f'<{settings.DATA_LICENCE_URL}>; rel="license"'
    return response
