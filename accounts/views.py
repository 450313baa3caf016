"""A person's own settings: which emails they get."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import NotificationsForm
from accounts.models import UndeliverableAddress


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    form = NotificationsForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.notifications_choose(request.user, form.cleaned_data)
        messages.success(request, _("Your email choices are saved."))
        return redirect("accounts:notifications")
    undeliverable = UndeliverableAddress.objects.filter(email=request.user.email.lower()).first()
    return render(
        request,
        "accounts/notifications.html",
        {"form": form, "undeliverable": undeliverable},
        status=400 if form.is_bound else 200,
    )
