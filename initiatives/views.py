from django.shortcuts import get_object_or_404, render

from communities.models import Organisation, Place

from .models import Initiative, InitiativeOrganisation, InitiativePlace, Theme

FEATURED_ON_HOME = 6


def home(request):
    published = Initiative.objects.published()
    counts = {
        "initiatives": published.count(),
        "places": Place.objects.filter(initiative_links__initiative__in=published.values("pk"))
        .distinct()
        .count(),
        "organisations": Organisation.objects.filter(
            initiative_links__initiative__in=published.values("pk")
        )
        .distinct()
        .count(),
        "themes": Theme.objects.count(),
    }
    featured = (
        published.filter(featured=True).for_cards().order_by("-published_at")[:FEATURED_ON_HOME]
    )
    return render(request, "home.html", {"counts": counts, "featured": featured})


def initiative_detail(request, slug):
    initiative = get_object_or_404(
        Initiative.objects.published().prefetch_related(
            "themes",
            "images",
            "sources",
        ),
        slug=slug,
    )
    places = (
        InitiativePlace.objects.filter(initiative=initiative)
        .select_related("place")
        .order_by("-is_primary", "place__name")
    )
    organisations = (
        InitiativeOrganisation.objects.filter(initiative=initiative)
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )
    return render(
        request,
        "initiatives/detail.html",
        {"initiative": initiative, "places": places, "organisations": organisations},
    )
