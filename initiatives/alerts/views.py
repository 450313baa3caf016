"""Email alerts: following a place or a theme by email, confirming from the
email, and unsubscribing in one click."""

import hashlib
from urllib.parse import urlencode

from django.core.validators import slug_re
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from communities.models import Place
from initiatives import abuse
from initiatives.alerts import services as alerts
from initiatives.alerts.forms import AlertForm
from initiatives.models import Theme

ALERTS_PER_IP_PER_HOUR = 10
# Confirmation emails asked for one address in an hour, by anyone: counted
# for every request, sent or not, so that the limit gives nothing away.
ALERTS_PER_ADDRESS_PER_HOUR = 5
ip_limit = abuse.HourlyLimit("alert-ip", ALERTS_PER_IP_PER_HOUR)
address_limit = abuse.HourlyLimit("alert-address", ALERTS_PER_ADDRESS_PER_HOUR)


def _address_key(email: str) -> str:
    # A digest, so that the cache holds no addresses.
    return hashlib.sha256(email.encode()).hexdigest()


def _named(params) -> dict:
    """{"place": place} or {"theme": theme} from slugs in `params`, if it exists."""
    # What is not a slug names nothing (and PostgreSQL refuses a NUL).
    if slug := params.get("place"):
        place = Place.objects.filter(slug=slug).first() if slug_re.match(slug) else None
        return {"place": place} if place else {}
    if slug := params.get("theme"):
        theme = Theme.objects.filter(slug=slug).first() if slug_re.match(slug) else None
        return {"theme": theme} if theme else {}
    return {}


def _not_found(request, status=404):
    return render(
        request, "alerts/not_found.html", {"days": alerts.CONFIRM_WITHIN.days}, status=status
    )


# No CSRF token: the form is on the public pages, which are served to every
# visitor from the cache, and a token would tie each page to one visitor.
# A forged request could only ask for a confirmation email to an address;
# the honeypot, the signed time, the hourly limits and the double opt-in
# stand against that.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def follow(request):
    if request.method == "GET":
        return _follow_get(request)
    if "again" in request.POST:
        return _follow_again(request)
    form = AlertForm(request.POST)
    ip = abuse.client_ip(request)
    limit_message = None
    if ip_limit.reached(ip):
        limit_message = _(
            "We accept at most %(n)s requests to follow a place or theme an hour from one "
            "network, and that many have arrived. Please try again in an hour."
        ) % {"n": ip_limit.limit}
    elif form.is_valid():
        email = form.cleaned_data["email"]
        address = _address_key(email)
        if address_limit.reached(address):
            limit_message = _(
                "We send at most %(n)s confirmation emails an hour to one address, and that "
                "many have been asked for. Please look for them in your inbox (and spam "
                "folder), or try again in an hour."
            ) % {"n": address_limit.limit}
        else:
            alerts.alert_request(
                email=email, place=form.cleaned_data["place"], theme=form.cleaned_data["theme"]
            )
            ip_limit.record(ip)
            address_limit.record(address)
            # The same answer whether or not the address already follows it.
            query = {"sent": 1, **{kind: s.slug for kind, s in form.follow().items()}}
            return redirect(f"{reverse('initiatives:alert-follow')}?{urlencode(query)}")
    if limit_message:
        form.is_valid()
        form.add_error(None, limit_message)
    return render(
        request,
        "alerts/follow.html",
        {"alert_form": form, "follow": form.follow()},
        status=429 if limit_message else 400,
    )


def _follow_get(request):
    """After following: "check your email". Otherwise there is no page here:
    the form is on each place's and theme's page."""
    follow = _named(request.GET)
    if request.GET.get("sent"):
        return render(
            request,
            "alerts/check_email.html",
            {"follow": follow, "days": alerts.CONFIRM_WITHIN.days},
        )
    subject = follow.get("place") or follow.get("theme")
    return redirect(subject.get_absolute_url() if subject else "initiatives:place-index")


def _follow_again(request):
    """The unsubscribed page's "Follow again" button."""
    alert = alerts.alert_follow_again(request.POST["again"])
    if alert is None:
        return _not_found(request, status=400)
    return redirect("initiatives:alert-confirm", token=alert.token)


# Mail scanners open links to check them, so opening the link only asks;
# the button confirms.
@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    if request.method == "POST":
        alert = alerts.alert_confirm(token)
        if alert is None:
            return _not_found(request)
        return redirect(request.path)
    alert = alerts.alert_for_token(token)
    if alert is None:
        return _not_found(request)
    template = "alerts/confirmed.html" if alert.confirmed_at else "alerts/confirm.html"
    return render(
        request,
        template,
        {
            "alert": alert,
            "subject": alert.subject,
            "is_place": alert.place_id is not None,
            "days": alerts.CONFIRM_WITHIN.days,
        },
    )


# Mail programs unsubscribe with a POST of their own (RFC 8058), without our
# CSRF token; the token in the URL is the secret, as it is for the GET.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    one_click = request.method == "POST"
    if one_click and request.POST.get("List-Unsubscribe") != "One-Click":
        return HttpResponseBadRequest(
            _("To unsubscribe, open the link, or send List-Unsubscribe=One-Click."),
            content_type="text/plain; charset=utf-8",
        )
    alert = alerts.alert_unsubscribe(token)
    if alert is None:
        return _not_found(request)
    if one_click:
        return HttpResponse(_("Unsubscribed."), content_type="text/plain; charset=utf-8")
    return render(
        request,
        "alerts/unsubscribed.html",
        {
            "subject": alert.subject,
            "is_place": alert.place_id is not None,
            "again": alerts.follow_again_value(alert),
        },
    )
