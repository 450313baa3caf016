"""The moderation queue: what waits for a moderator, the decision on several
new submissions at once, and a moderator's choice of emails."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from communities.models import Place
from initiatives.models import Initiative, Theme
from initiatives.moderation import decisions
from initiatives.moderation import queue as waiting_items
from initiatives.moderation.states import State
from initiatives.permissions import moderator_required
from initiatives.validation import slug_or_blank


@moderator_required
@require_safe
def queue(request):
    kind = request.GET.get("kind", "")
    theme = Theme.objects.filter(slug=slug_or_blank(request.GET.get("theme"))).first()
    place = Place.objects.filter(slug=slug_or_blank(request.GET.get("place"))).first()
    items = waiting_items.waiting(theme=theme, place=place)
    return render(
        request,
        "moderation/queue.html",
        {
            "items": waiting_items.queue_items(items, kind),
            "counts": waiting_items.counts(items),
            "kind": kind,
            "themes": Theme.objects.in_tree_order(),
            "chosen_theme": theme,
            "chosen_place": place,
            "places": Place.objects.filter(depth__lte=4).only("name", "slug", "depth"),
        },
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    """A moderator chooses whether new items are emailed to them."""
    if request.method == "POST":
        request.user.notify_new_items = request.POST.get("notify") == "on"
        request.user.save(update_fields=["notify_new_items"])
        messages.success(
            request,
            _("You will get an email for each new item.")
            if request.user.notify_new_items
            else _("You will no longer get emails about new items."),
        )
        return redirect("initiatives:moderation-notifications")
    return render(request, "moderation/notifications.html")


def _ids(values) -> list[int]:
    """Ids the database can hold: ASCII digits ("²" is a digit to isdigit(),
    not to int()), and no more than fit in 64 bits."""
    return [int(pk) for pk in values if pk.isascii() and pk.isdigit() and len(pk) <= 18]


@moderator_required
@require_POST
def bulk_decide(request):
    """Approve or reject several new submissions at once."""
    action = request.POST.get("action")
    ids = _ids(request.POST.getlist("items"))
    if action not in ("approve", "reject") or not ids:
        messages.error(request, _("Choose the submissions, and approve or reject."))
        return redirect("initiatives:moderation-queue")
    done, refused = 0, []
    for initiative in Initiative.objects.filter(pk__in=ids).order_by("created_at"):
        try:
            decisions.decide(
                initiative,
                moderator=request.user,
                action=action,
                message=request.POST.get("message", ""),
                seen_state=State.PENDING,
            )
            done += 1
        except ValidationError as error:
            refused.append(f"{initiative.title}: {' '.join(error.messages)}")
    if done:
        messages.success(
            request, _("%(n)s decided; the submitters have been emailed.") % {"n": done}
        )
    for problem in refused:
        messages.error(request, problem)
    return redirect("initiatives:moderation-queue")
