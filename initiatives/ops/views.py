"""The background work page at /moderation/background/: the queue, the
emails on their way and those that failed (each can be tried again), and
the scheduled jobs' latest runs."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import OutgoingEmail
from accounts.tasks import retry_failed
from initiatives.ops import queries
from initiatives.permissions import moderator_required


@moderator_required
@require_safe
def background(request):
    return render(request, "ops/background.html", {"work": queries.overview()})


@moderator_required
@require_POST
def retry_email(request, pk):
    email = get_object_or_404(OutgoingEmail.objects.only("pk", "subject"), pk=pk)
    subject = queries.masked(email.subject)
    if retry_failed(email.pk):
        messages.success(
            request,
            _("Trying again, for another day if need be: %(subject)s") % {"subject": subject},
        )
    else:
        messages.info(
            request,
            _("This email has not failed (it was sent, or is still being tried): %(subject)s")
            % {"subject": subject},
        )
    # No #fragment: the message is shown at the top of the page.
    return redirect("initiatives:background-work")
