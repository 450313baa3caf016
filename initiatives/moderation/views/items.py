"""One item of the moderation queue in full, and the decision on it: a new
submission (or a merge into the initiative it duplicates), a proposed edit,
a proposed place or organisation."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from communities.lookups import resolve_organisation, resolve_place
from communities.models import Organisation, Place
from initiatives import public
from initiatives.models import Initiative, InitiativeRevision, ProposedOrganisation, ProposedPlace
from initiatives.moderation import decisions, queries
from initiatives.moderation.forms import DecisionForm
from initiatives.permissions import moderator_required
from initiatives.submissions import entries
from initiatives.submissions.similar import similar_initiatives
from initiatives.validation import add_errors, slug_or_blank

PROPOSALS = {"place": ProposedPlace, "organisation": ProposedOrganisation}


def _decide(request, form, decide, item, current_state):
    """Apply the decision posted in `form`: a redirect once done (or refused
    because someone else decided first), None to show the form again."""
    seen = request.POST.get("seen_state")
    if seen and seen != current_state:
        # Decided by someone else since this moderator opened it: say so
        # rather than judging the form against choices that have changed.
        messages.error(request, decisions.already_decided_on(item).messages[0])
        return redirect(request.path)
    if not form.is_valid():
        return None
    try:
        decide(item, moderator=request.user, **form.cleaned_data)
    except decisions.AlreadyDecided as error:
        messages.error(request, error.messages[0])
        return redirect(request.path)
    except ValidationError as error:
        add_errors(form, error)
        return None
    messages.success(request, _("Decision recorded; the submitter has been emailed."))
    return redirect("initiatives:moderation-queue")


def _decision_form(request, actions, seen_state):
    return DecisionForm(
        request.POST if request.method == "POST" else None,
        actions=actions,
        initial={"seen_state": seen_state},
    )


def _duplicates(initiative: Initiative, primary: Place | None):
    if primary is None:
        return []
    organisations = [link.organisation for link in initiative.initiative_organisations.all()]
    return similar_initiatives(
        initiative.title, primary, organisations=organisations, exclude_pk=initiative.pk
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def initiative_item(request, pk):
    initiative = get_object_or_404(
        Initiative.objects.select_related("submitted_by", "on_behalf_of").prefetch_related(
            "themes",
            "images",
            "sources",
            "proposed_places",
            "proposed_organisations",
            "initiative_organisations__organisation",
            "initiative_places__place",
        ),
        pk=pk,
    )
    state = initiative.moderation_state
    form = _decision_form(request, decisions.initiative_actions(initiative), state)
    if request.method == "POST" and (
        done := _decide(request, form, decisions.decide, initiative, state)
    ):
        return done
    primary = initiative.primary_place
    context = {
        "initiative": initiative,
        "form": form,
        "primary_place": primary,
        "credit": public.public_credit(initiative),
        "duplicates": _duplicates(initiative, primary),
        "earlier": queries.earlier_submissions(initiative),
        "decisions": initiative.decisions.select_related("moderator", "revision"),
        "history": queries.history(initiative),
        "place_kinds": Place.Kind.choices,
        "organisation_kinds": Organisation.Kind.choices,
    }
    status = 400 if form.is_bound else 200
    return render(request, "moderation/initiative.html", context, status=status)


@moderator_required
@require_http_methods(["GET", "POST"])
def revision_item(request, pk):
    revision = get_object_or_404(
        InitiativeRevision.objects.select_related("initiative", "proposed_by"), pk=pk
    )
    form = _decision_form(request, decisions.revision_actions(revision), revision.state)
    if request.method == "POST" and (
        done := _decide(request, form, decisions.decide_revision, revision, revision.state)
    ):
        return done
    initiative = revision.initiative
    context = {
        "revision": revision,
        "initiative": initiative,
        "diff": entries.diff(initiative, revision.data),
        "new_photos": revision.images.all(),
        "removed_photos": initiative.images.filter(pk__in=entries.removed_photos(revision.data)),
        "form": form,
        "decisions": revision.decisions.select_related("moderator"),
    }
    status = 400 if form.is_bound else 200
    return render(request, "moderation/revision.html", context, status=status)


@moderator_required
@require_POST
def merge(request, pk):
    """Mark a submission as a duplicate of an initiative already listed."""
    duplicate = get_object_or_404(Initiative, pk=pk)
    into = Initiative.objects.filter(slug=slug_or_blank(request.POST.get("into"))).first()
    if into is None:
        messages.error(request, _("Choose the initiative it duplicates."))
        return redirect("initiatives:moderation-initiative", pk=pk)
    try:
        decisions.merge_duplicate(
            duplicate, into=into, moderator=request.user, message=request.POST.get("message", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("initiatives:moderation-initiative", pk=pk)
    messages.success(
        request,
        _("Merged into “%(title)s”; the submitter has been emailed.") % {"title": into.title},
    )
    return redirect("initiatives:moderation-queue")


def _accept(request, kind, proposal) -> None:
    name = request.POST.get("existing", "").strip()
    existing = (resolve_place if kind == "place" else resolve_organisation)(name) if name else None
    decisions.proposal_accept(
        proposal, moderator=request.user, existing=existing, kind=request.POST.get("kind", "other")
    )
    messages.success(request, _("Accepted: “%(name)s”.") % {"name": proposal.name})


@moderator_required
@require_POST
def proposal_decide(request, kind, pk):
    """Accept or reject a proposed new place or organisation."""
    if kind not in PROPOSALS:
        raise Http404
    proposal = get_object_or_404(PROPOSALS[kind], pk=pk)
    try:
        if request.POST.get("action") == "accept":
            _accept(request, kind, proposal)
        else:
            decisions.proposal_reject(proposal, moderator=request.user)
            messages.success(request, _("Rejected: “%(name)s”.") % {"name": proposal.name})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("initiatives:moderation-initiative", pk=proposal.initiative_id)
