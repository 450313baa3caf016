"""The privacy notice, and a person's own data: download it, or delete the account."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from initiatives.privacy import services as privacy_services
from initiatives.privacy.forms import DeleteAccountForm
from initiatives.privacy.retention import RETENTION, period


@require_safe
def notice(request):
    """The privacy notice, read from the retention table the nightly job
    enforces."""
    rows = [{"kept": kept, "period": period(kept)} for kept in RETENTION]
    return render(request, "privacy/notice.html", {"rows": rows})


@login_required
@require_safe
@never_cache
def account_data(request):
    data = privacy_services.account_data(request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"my-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        privacy_services.account_delete(request.user)
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for taking part."))
        return redirect("initiatives:home")
    counts = privacy_services.account_delete_summary(request.user)
    return render(
        request,
        "privacy/account_delete.html",
        {"form": form, **counts},
        status=400 if form.is_bound else 200,
    )
