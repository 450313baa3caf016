"""The site's own pages: accessibility and robots.txt."""

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from initiatives.public import NOT_FOR_CRAWLERS


@require_safe
def accessibility(request):
    return render(request, "browse/accessibility.html")


@require_safe
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in NOT_FOR_CRAWLERS)]
    if settings.ADMIN_URL:
        lines.append(f"Disallow: /{settings.ADMIN_URL}")
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
