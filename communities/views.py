from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from communities import services
from communities.forms import MembershipRequestForm
from communities.models import Organisation


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
