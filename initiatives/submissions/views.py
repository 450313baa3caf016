"""Submitting an initiative, checking it against similar ones, and editing
one's own submissions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from communities.lookups import place_choices
from communities.models import Organisation
from initiatives import abuse, permissions
from initiatives.browse.maps import basemap_config
from initiatives.catalogue import photos
from initiatives.models import (
    OPEN_REVISION_STATES,
    Initiative,
    InitiativeRevision,
    ModerationDecision,
    Theme,
)
from initiatives.submissions import entries
from initiatives.submissions import services as submission_services
from initiatives.submissions.forms import SubmissionForms
from initiatives.submissions.similar import similar_initiatives
from initiatives.validation import add_errors

MY_SUBMISSIONS_PAGE_SIZE = 20


def _own_submission(request, pk, *, states=None) -> Initiative:
    """The signed-in user's own submission, or 404: nobody learns whether
    another person's submission exists."""
    submissions = Initiative.objects.filter(submitted_by=request.user)
    if states is not None:
        submissions = submissions.filter(moderation_state__in=states)
    return get_object_or_404(submissions, pk=pk)


def _pin_config(primary_place=None):
    """What pin.js needs to draw the map on which the pin is placed."""
    centre = [54.0, -2.5]
    if primary_place is not None and primary_place.has_centre:
        centre = [primary_place.latitude, primary_place.longitude]
    base = basemap_config()
    return {
        "styles": [static("vendor/leaflet-1.9.4/leaflet.css"), static("css/map.css")],
        "scripts": [static("vendor/leaflet-1.9.4/leaflet.js"), *base.pop("basemapScripts")],
        **base,
        "center": centre,
        "zoom": 5 if primary_place is None else 12,
        # "This pin is in <place>: use it?" (communities.views.place_containing).
        "containingUrl": reverse("communities:place-containing"),
    }


def _render_form(request, forms, *, template, context, status=200):
    return render(
        request,
        template,
        {
            **context,
            "forms": forms,
            "form": forms.main,
            "errors": forms.error_list() if forms.main.is_bound else [],
            "theme_tree": Theme.objects.in_tree_order(),
            "place_options": place_choices(),
            "organisation_options": Organisation.objects.order_by("name").values_list(
                "name", flat=True
            ),
            "pin_config": _pin_config(context.get("primary_place")),
        },
        status=status,
    )


def _limit_reached(request):
    """The hourly limits, per account and per address: a message if reached."""
    user_limit, ip_limit = abuse.submission_limits()
    if user_limit.reached(request.user.pk):
        return abuse.limit_message(user_limit.limit)
    if ip_limit.reached(abuse.client_ip(request)):
        return abuse.limit_message(ip_limit.limit)
    return None


def _record_submission(request):
    for limit, who in zip(
        abuse.submission_limits(), (request.user.pk, abuse.client_ip(request)), strict=True
    ):
        limit.record(who)


def _save(forms, service, *args, **kwargs):
    """Call a submission service; its validation errors join the form's."""
    try:
        return service(*args, **forms.service_kwargs(), **kwargs)
    except ValidationError as error:
        add_errors(forms.main, error, unplaced=forms.extra_errors)
        return None


@photos.limit_upload_size
@login_required
@require_http_methods(["GET", "POST"])
def submit(request):
    if not permissions.can_submit(request.user):
        return render(request, "submissions/submit_verify_email.html", status=403)
    forms = SubmissionForms(request)
    context = {"is_new": True}
    if request.method == "POST":
        limit = _limit_reached(request)
        if limit:
            forms.is_valid()
            forms.extra_errors.append(limit)
            forms.keep_photos()
            return _render_form(
                request, forms, template="submissions/submit.html", context=context, status=429
            )
        if forms.is_valid():
            initiative = _save(forms, submission_services.submission_create, user=request.user)
            if initiative is not None:
                _record_submission(request)
                return redirect("initiatives:submit-review", pk=initiative.pk)
        forms.keep_photos()
        return _render_form(
            request, forms, template="submissions/submit.html", context=context, status=400
        )
    return _render_form(request, forms, template="submissions/submit.html", context=context)


@login_required
@require_http_methods(["GET", "POST"])
def submit_review(request, pk):
    """Before it goes to moderation: is it one of these already listed?"""
    draft = _own_submission(request, pk, states=[Initiative.State.DRAFT])
    primary = draft.primary_place
    similar = similar_initiatives(draft.title, primary, exclude_pk=draft.pk) if primary else []
    if request.method == "POST":
        same_as = request.POST.get("same_as")
        if same_as:
            existing = next((i for i in similar if i.slug == same_as), None)
            if existing is None:
                messages.error(request, _("Choose one of the initiatives listed."))
                return redirect("initiatives:submit-review", pk=draft.pk)
            submission_services.submission_discard(draft)
            messages.success(
                request,
                _(
                    "Thank you: “%(title)s” is already on the map, so we have not added yours "
                    "again. If something is missing here, use “Report a problem” to tell us."
                )
                % {"title": existing.title},
            )
            return redirect(existing)
        submission_services.submission_submit(draft)
        return redirect("initiatives:submit-done", pk=draft.pk)
    return render(
        request,
        "submissions/submit_review.html",
        {
            "initiative": draft,
            "primary_place": primary,
            "similar": similar,
            "themes": draft.themes.all(),
            "images": draft.images.all(),
        },
    )


@login_required
@require_safe
def submit_done(request, pk):
    initiative = _own_submission(request, pk, states=[Initiative.State.PENDING])
    return render(request, "submissions/submit_done.html", {"initiative": initiative})


def _save_edit(request, forms, initiative: Initiative):
    """Save an edit: a redirect once saved, None to show the form again. A
    published initiative's edit waits for moderation; a draft goes on to
    the review of similar initiatives."""
    kwargs = {"user": request.user, "remove_photos": forms.removed_photos()}
    if initiative.is_public:
        if _save(forms, submission_services.revision_propose, initiative, **kwargs) is None:
            return None
        success = _(
            "Thank you: your edit waits for moderation. The public page stays as it "
            "is until a moderator approves it."
        )
    else:
        was_draft = initiative.moderation_state == Initiative.State.DRAFT
        if _save(forms, submission_services.submission_update, initiative, **kwargs) is None:
            return None
        if was_draft:
            return redirect("initiatives:submit-review", pk=initiative.pk)
        success = _("Your changes are saved; the submission waits for moderation.")
    messages.success(request, success)
    return redirect("initiatives:my-submissions")


@photos.limit_upload_size
@login_required
@require_http_methods(["GET", "POST"])
def submission_edit(request, pk):
    initiative = _own_submission(request, pk)
    if not permissions.can_edit_submission(request.user, initiative):
        return render(
            request, "submissions/submission_locked.html", {"initiative": initiative}, status=403
        )
    revision = None
    if initiative.is_public:
        revision = initiative.revisions.filter(state__in=OPEN_REVISION_STATES).first()
    data = revision.data if revision else entries.live_entry_data(initiative)
    initial, organisations, primary = entries.form_initial(data)
    images = list(initiative.images.all())
    forms = SubmissionForms(
        request, initial=initial, organisations=organisations or None, images=images
    )
    context = {
        "is_new": False,
        "initiative": initiative,
        "revision": revision,
        "primary_place": primary,
        "revision_images": list(revision.images.all()) if revision else [],
    }
    if request.method == "POST":
        if forms.is_valid() and (done := _save_edit(request, forms, initiative)):
            return done
        forms.keep_photos()
        return _render_form(
            request, forms, template="submissions/submit.html", context=context, status=400
        )
    return _render_form(request, forms, template="submissions/submit.html", context=context)


@login_required
@require_safe
def my_submissions(request):
    decisions = ModerationDecision.objects.filter(initiative=OuterRef("pk"), revision=None)
    open_revisions = InitiativeRevision.objects.filter(initiative=OuterRef("pk")).order_by(
        "-created_at"
    )
    revision_decisions = ModerationDecision.objects.filter(
        revision=OuterRef("latest_revision_pk")
    ).exclude(message="")
    submissions = (
        Initiative.objects.filter(submitted_by=request.user)
        .select_related("on_behalf_of")
        .annotate(
            last_message=Subquery(decisions.exclude(message="").values("message")[:1]),
            latest_revision_pk=Subquery(open_revisions.values("pk")[:1]),
            latest_revision_state=Subquery(open_revisions.values("state")[:1]),
        )
        .annotate(
            revision_message=Subquery(revision_decisions.values("message")[:1]),
        )
        .with_primary_place()
        .order_by("-created_at", "-pk")
    )
    page = Paginator(submissions, MY_SUBMISSIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    for initiative in page:
        initiative.can_edit = permissions.can_edit_submission(request.user, initiative)
        if initiative.latest_revision_state:
            initiative.latest_revision_label = InitiativeRevision.State(
                initiative.latest_revision_state
            ).label
    return render(
        request,
        "submissions/my_submissions.html",
        {
            "page_obj": page,
            "submissions": page.object_list,
            "submit_url": reverse("initiatives:submit"),
        },
    )
