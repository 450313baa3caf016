import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from communities import boundaries, geometry, services
from communities.forms import MembershipRequestForm
from communities.lookups import place_label
from communities.models import Organisation, Place, PlaceBoundary


@login_required
@require_http_methods(["GET", "POST"])
def memberships(request):
    """The organisations a person acts for, and requests to join one."""
    form = MembershipRequestForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        services.membership_request(
            user=request.user,
            organisation=form.cleaned_data["organisation"],
            job_title=form.cleaned_data["job_title"],
            message=form.cleaned_data["message"],
        )
        messages.success(
            request,
            _("Thank you: our staff will check your request and email you when they decide."),
        )
        return redirect("communities:memberships")
    return render(
        request,
        "communities/memberships.html",
        {
            "form": form,
            "memberships": request.user.memberships.select_related("organisation"),
            "organisation_options": Organisation.objects.order_by("name").values_list(
                "name", flat=True
            ),
        },
        status=400 if form.is_bound else 200,
    )


@require_safe
def place_boundary(request, slug):
    """A place's outline as an RFC 7946 Feature; 404 for a place without one."""
    boundary = get_object_or_404(PlaceBoundary.objects.select_related("place"), place__slug=slug)
    place = boundary.place
    feature = {
        "type": "Feature",
        "id": place.slug,
        "bbox": [boundary.min_lng, boundary.min_lat, boundary.max_lng, boundary.max_lat],
        "geometry": boundary.geometry,
        "properties": {
            "name": place.name,
            "kind": place.kind,
            "gss_code": place.gss_code,
            "url": request.build_absolute_uri(place.get_absolute_url()),
            "source": "Office for National Statistics, Open Geography Portal "
            "(Open Government Licence; contains OS data © Crown copyright and database right)",
        },
    }
    response = JsonResponse(feature, content_type="application/geo+json")
    response["Access-Control-Allow-Origin"] = "*"  # open data, as the map's GeoJSON is
    return response


def _coordinate(value, limit):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


@require_safe
def place_containing(request):
    """The smallest place whose boundary holds ?lat=&lng= (the submission
    form's pin suggests it): {"place": {...}} or {"place": null}."""
    latitude = _coordinate(request.GET.get("lat"), 90)
    longitude = _coordinate(request.GET.get("lng"), 180)
    if latitude is None or longitude is None:
        return JsonResponse(
            {"error": _("Give lat and lng: a latitude and a longitude in degrees.")}, status=400
        )
    min_lat, min_lng, max_lat, max_lng = geometry.UK_BOUNDS
    inside_uk = min_lat <= latitude <= max_lat and min_lng <= longitude <= max_lng
    place = boundaries.smallest_containing(latitude, longitude) if inside_uk else None
    if place is None:
        return JsonResponse({"place": None})
    parent = Place.objects.get_parent(place)
    return JsonResponse(
        {
            "place": {
                "slug": place.slug,
                "name": place.name,
                "kind": place.kind,
                # What the submission form's place field takes.
                "label": place_label(place, parent.name if parent else None),
                "url": place.get_absolute_url(),
            }
        }
    )
