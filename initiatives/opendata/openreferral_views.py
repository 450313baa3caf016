"""The Open Referral UK read endpoints: the published initiatives as the
services of a directory, for councils' service directories to import.

openreferral_params reads the parameters, openreferral_queries reads and
pages, openreferral builds each body;
docs/openreferral.md describes the endpoints.
"""

from functools import partial, wraps

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from initiatives.opendata import openreferral as oruk
from initiatives.opendata import openreferral_params as params
from initiatives.opendata import openreferral_queries as queries
from initiatives.opendata.licence import open_response


def endpoint(view):
    """GET and HEAD only, and JSON whatever happens: a parameter that cannot
    be read is a 400 saying why, an unknown id a 404; errors are open data
    like the answers, so that another site's script can read them."""
    safe_view = require_safe(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = safe_view(request, *args, **kwargs)
        except params.InvalidParameter as error:
            response = JsonResponse({"error": str(error)}, status=400)
        except Http404 as error:
            response = JsonResponse({"error": str(error) or _("Not found.")}, status=404)
        if response.status_code == 405:
            allow = response["Allow"]
            response = JsonResponse({"error": _("Only GET and HEAD are allowed here.")}, status=405)
            response["Allow"] = allow
        return open_response(response)

    return wrapper


def _id(value, message):
    """The uuid in the path, or a 404: an ill-formed id names nothing."""
    parsed = oruk.parse_uuid(value)
    if parsed is None:
        raise Http404(message)
    return parsed


def _page(queryset, item, paging):
    rows, total = queries.paginate(queryset, paging)
    return JsonResponse(queries.page([item(row) for row in rows], total=total, paging=paging))


@endpoint
def index(request):
    return JsonResponse(oruk.index())


@endpoint
def service_list(request):
    paging = params.parse_paging(request.GET)
    filters = params.parse_service_filters(request.GET)
    queryset = queries.filter_services(queries.services(), filters)
    item = partial(oruk.service, absolute=request.build_absolute_uri)
    return _page(queryset, item, paging)


@endpoint
def service_detail(request, id):
    message = _("There is no service with that id.")
    initiative = queries.services(full=True).filter(uuid=_id(id, message)).first()
    if initiative is None:
        raise Http404(message)
    return JsonResponse(oruk.service(initiative, request.build_absolute_uri, full=True))


@endpoint
def service_at_location_list(request):
    paging = params.parse_paging(request.GET)
    filters = params.parse_service_filters(request.GET)
    queryset = queries.filter_services(queries.service_at_locations(), filters)
    item = partial(oruk.service_at_location, absolute=request.build_absolute_uri)
    return _page(queryset, item, paging)


@endpoint
def service_at_location_detail(request, id):
    message = _("There is no service at a location with that id.")
    service_id = oruk.flip_service_at_location_id(_id(id, message))
    initiative = queries.service_at_locations(full=True).filter(uuid=service_id).first()
    if initiative is None:
        raise Http404(message)
    return JsonResponse(oruk.service_at_location(initiative, request.build_absolute_uri, full=True))


@endpoint
def organization_list(request):
    paging = params.parse_paging(request.GET)
    queryset = queries.organizations(params.parse_organization_filters(request.GET))
    item = partial(oruk.organization, absolute=request.build_absolute_uri)
    return _page(queryset, item, paging)


@endpoint
def organization_detail(request, id):
    message = _("There is no organization with that id.")
    organisation = queries.organizations().filter(uuid=_id(id, message)).first()
    if organisation is None:
        raise Http404(message)
    return JsonResponse(oruk.organization(organisation, request.build_absolute_uri))


@endpoint
def taxonomy_list(request):
    paging = params.parse_paging(request.GET)
    # One taxonomy: the themes. Paged all the same, as the standard's lists are.
    taxonomies = [oruk.taxonomy(request.build_absolute_uri)]
    contents = taxonomies[paging.offset : paging.offset + paging.per_page]
    return JsonResponse(queries.page(contents, total=len(taxonomies), paging=paging))


@endpoint
def taxonomy_detail(request, id):
    message = _("There is no taxonomy with that id.")
    if _id(id, message) != oruk.TAXONOMY_ID:
        raise Http404(message)
    terms = list(queries.taxonomy_terms())
    return JsonResponse(oruk.taxonomy(request.build_absolute_uri, terms))


@endpoint
def taxonomy_term_list(request):
    paging = params.parse_paging(request.GET)
    item = partial(oruk.taxonomy_term, absolute=request.build_absolute_uri)
    return _page(queries.taxonomy_terms(), item, paging)


@endpoint
def taxonomy_term_detail(request, id):
    message = _("There is no taxonomy term with that id.")
    theme = queries.taxonomy_terms().filter(uuid=_id(id, message)).first()
    if theme is None:
        raise Http404(message)
    return JsonResponse(oruk.taxonomy_term(theme, request.build_absolute_uri))
