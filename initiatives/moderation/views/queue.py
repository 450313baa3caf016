"""The moderation queue: what waits for a moderator, each item in full, and
the decision on it."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from communities.lookups import resolve_organisation, resolve_place
from communities.models import Organisation, Place
from initiatives import permissions
from initiatives.models import (
    Initiative,
    InitiativeRevision,
    ProposedOrganisation,
    ProposedPlace,
    Theme,
)
from initiatives.moderation import decisions, states
from initiatives.submissions import entries
from initiatives.submissions.similar import similar_initiatives

QUEUE_LIMIT = 100


moderator_required = permissions.required(permissions.can_moderate)


def _slug(value) -> str:
    """A slug sent in a query or a form, or "" for what cannot be one (which
    names nothing, and may hold a NUL that PostgreSQL refuses)."""
    return value if value and slug_re.match(value) else ""


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a decision.")},
    )
    message = forms.CharField(
        label=gettext_lazy("Message to the submitter"),
        help_text=gettext_lazy("Required to ask for changes or to reject. They see it."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    note = forms.CharField(
        label=gettext_lazy("Internal note (optional)"),
        help_text=gettext_lazy("Only staff see it."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=5000,
    )
    seen_state = forms.CharField(widget=forms.HiddenInput)

    LABELS = {
        "approve": gettext_lazy("Approve and publish"),
        "request_changes": gettext_lazy("Ask the submitter for changes"),
        "reject": gettext_lazy("Reject"),
        "archive": gettext_lazy("Archive (take off the map)"),
    }

    def __init__(self, *args, actions, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(a, self.LABELS[a]) for a in actions]


def _initiative_actions(initiative):
    return [
        action
        for action, to_state in decisions.ACTIONS.items()
        if states.can_move(initiative.moderation_state, to_state)
    ]


def _revision_actions(revision):
    return [
        action
        for action, to_state in decisions.REVISION_ACTIONS.items()
        if to_state in decisions.REVISION_TRANSITIONS[revision.state]
    ]


@moderator_required
@require_safe
def queue(request):
    kind = request.GET.get("kind", "")
    theme = Theme.objects.filter(slug=_slug(request.GET.get("theme"))).first()
    place = Place.objects.filter(slug=_slug(request.GET.get("place"))).first()
    submissions = Initiative.objects.filter(moderation_state=Initiative.State.PENDING)
    edits = InitiativeRevision.objects.filter(state=InitiativeRevision.State.PENDING)
    if theme:
        submissions = submissions.with_theme(theme)
        edits = edits.filter(initiative__in=Initiative.objects.with_theme(theme).values("pk"))
    if place:
        submissions = submissions.in_place(place)
        edits = edits.filter(initiative__in=Initiative.objects.in_place(place).values("pk"))
    from initiatives.moderation.reports import open_reports

    reports = open_reports()
    if theme:
        reports = reports.filter(initiative__in=Initiative.objects.with_theme(theme).values("pk"))
    if place:
        reports = reports.filter(initiative__in=Initiative.objects.in_place(place).values("pk"))
    counts = {
        "new": submissions.count(),
        "edit": edits.count(),
        "report": reports.count(),
        "proposal": ProposedPlace.objects.filter(state="pending").count()
        + ProposedOrganisation.objects.filter(state="pending").count(),
    }
    items = []
    if kind in ("", "new"):
        items += [
            {"kind": "new", "initiative": i, "at": i.created_at, "by": i.submitted_by}
            for i in submissions.with_primary_place()
            .select_related("submitted_by")
            .order_by("created_at")[:QUEUE_LIMIT]
        ]
    if kind in ("", "edit"):
        items += [
            {
                "kind": "edit",
                "revision": r,
                "initiative": r.initiative,
                "at": r.created_at,
                "by": r.proposed_by,
            }
            for r in edits.select_related("initiative", "proposed_by").order_by("created_at")[
                :QUEUE_LIMIT
            ]
        ]
    if kind in ("", "report"):
        items += [
            {
                "kind": "report",
                "report": r,
                "initiative": r.initiative,
                "at": r.created_at,
                "by": None,
            }
            for r in reports[:QUEUE_LIMIT]
        ]
    if kind in ("", "proposal"):
        for model in (ProposedPlace, ProposedOrganisation):
            proposals = model.objects.filter(state="pending").select_related(
                "initiative", "proposed_by"
            )
            if theme:
                proposals = proposals.filter(
                    initiative__in=Initiative.objects.with_theme(theme).values("pk")
                )
            if place:
                proposals = proposals.filter(
                    initiative__in=Initiative.objects.in_place(place).values("pk")
                )
            items += [
                {
                    "kind": "proposal",
                    "proposal": p,
                    "initiative": p.initiative,
                    "at": p.created_at,
                    "by": p.proposed_by,
                }
                for p in proposals.order_by("created_at")[:QUEUE_LIMIT]
            ]
    items.sort(key=lambda item: item["at"])
    return render(
        request,
        "moderation/queue.html",
        {
            "items": items[:QUEUE_LIMIT],
            "counts": counts,
            "kind": kind,
            "themes": Theme.objects.in_tree_order(),
            "chosen_theme": theme,
            "chosen_place": place,
            "places": Place.objects.filter(depth__lte=4).only("name", "slug", "depth"),
        },
    )


def _decide(request, form, decide, item, redirect_to, current_state):
    seen = request.POST.get("seen_state")
    if seen and seen != current_state:
        # Decided by someone else since this moderator opened it: say so
        # rather than judging the form against choices that have changed.
        messages.error(request, decisions.already_decided_on(item.decisions.all()).messages[0])
        return redirect(redirect_to)
    if not form.is_valid():
        return None
    try:
        decide(
            item,
            moderator=request.user,
            action=form.cleaned_data["action"],
            message=form.cleaned_data["message"],
            note=form.cleaned_data["note"],
            seen_state=form.cleaned_data["seen_state"],
        )
    except decisions.AlreadyDecided as error:
        messages.error(request, error.messages[0])
        return redirect(redirect_to)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        else:
            form.add_error(None, error)
        return None
    messages.success(request, _("Decision recorded; the submitter has been emailed."))
    return redirect("initiatives:moderation-queue")


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
    actions = _initiative_actions(initiative)
    form = DecisionForm(
        request.POST if request.method == "POST" else None,
        actions=actions,
        initial={"seen_state": initiative.moderation_state},
    )
    if request.method == "POST":
        done = _decide(
            request,
            form,
            decisions.decide,
            initiative,
            request.path,
            initiative.moderation_state,
        )
        if done:
            return done
    primary = initiative.primary_place
    earlier = (
        Initiative.objects.filter(submitted_by=initiative.submitted_by)
        .exclude(pk=initiative.pk)
        .order_by("-created_at")[:10]
        if initiative.submitted_by_id
        else []
    )
    return render(
        request,
        "moderation/initiative.html",
        {
            "initiative": initiative,
            "form": form,
            "primary_place": primary,
            "duplicates": similar_initiatives(
                initiative.title,
                primary,
                organisations=[
                    link.organisation for link in initiative.initiative_organisations.all()
                ],
                exclude_pk=initiative.pk,
            )
            if primary
            else [],
            "earlier": earlier,
            "decisions": initiative.decisions.select_related("moderator", "revision"),
            "history": _history(initiative),
            "place_kinds": Place.Kind.choices,
            "organisation_kinds": Organisation.Kind.choices,
        },
        status=400 if form.is_bound else 200,
    )


def _history(obj, limit=20):
    """Who changed what, newest first: each change against the one before."""
    records = list(
        obj.history.select_related("history_user").order_by("-history_date")[: limit + 1]
    )
    changes = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        if len(changes) == limit:
            break
        fields = [change.field for change in newer.diff_against(older).changes] if older else []
        changes.append({"record": newer, "fields": fields})
    return changes


def _describe(data):
    """An entry's values as people read them, for the diff."""
    themes = dict(Theme.objects.filter(pk__in=data.get("themes", [])).values_list("pk", "name"))
    org_ids = [pk for pk, _role in data.get("organisations", [])]
    orgs = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    place = Place.objects.filter(pk=data.get("primary_place")).values_list("name", flat=True)
    described = {name: data.get(name) for name in entries.ENTRY_FIELDS}
    described.update(
        themes=", ".join(sorted(themes.get(pk, "?") for pk in data.get("themes", []))),
        primary_place=next(iter(place), ""),
        organisations=", ".join(
            f"{orgs.get(pk, '?')} ({role})" for pk, role in data.get("organisations", [])
        ),
        proposed_place=data.get("proposed_place") or "",
        public_name=data.get("public_name") or "",
    )
    return described


@moderator_required
@require_http_methods(["GET", "POST"])
def revision_item(request, pk):
    revision = get_object_or_404(
        InitiativeRevision.objects.select_related("initiative", "proposed_by"), pk=pk
    )
    form = DecisionForm(
        request.POST if request.method == "POST" else None,
        actions=_revision_actions(revision),
        initial={"seen_state": revision.state},
    )
    if request.method == "POST":
        done = _decide(
            request, form, decisions.decide_revision, revision, request.path, revision.state
        )
        if done:
            return done
    live = _describe(entries.live_entry_data(revision.initiative))
    proposed = _describe(revision.data)
    labels = {
        f.name: f.verbose_name for f in Initiative._meta.get_fields() if hasattr(f, "verbose_name")
    }
    labels.update(
        primary_place=_("Place"),
        proposed_place=_("Proposed new place"),
        public_name=_("Name to credit"),
    )
    diff = [
        {"field": labels.get(name, name), "live": live[name], "proposed": proposed[name]}
        for name in proposed
        if (live.get(name) or "") != (proposed.get(name) or "")
    ]
    return render(
        request,
        "moderation/revision.html",
        {
            "revision": revision,
            "initiative": revision.initiative,
            "diff": diff,
            "new_photos": revision.images.all(),
            "removed_photos": revision.initiative.images.filter(
                pk__in=revision.data.get("remove_photos", [])
            ),
            "form": form,
            "decisions": revision.decisions.select_related("moderator"),
        },
        status=400 if form.is_bound else 200,
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


@moderator_required
@require_POST
def bulk_decide(request):
    """Approve or reject several new submissions at once."""
    action = request.POST.get("action")
    message = request.POST.get("message", "")
    # Ids the database can hold: ASCII digits ("²" is a digit to isdigit(),
    # not to int()), and no more than fit in 64 bits.
    items = request.POST.getlist("items")
    ids = [int(pk) for pk in items if pk.isascii() and pk.isdigit() and len(pk) <= 18]
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
                message=message,
                seen_state=Initiative.State.PENDING,
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


@moderator_required
@require_POST
def merge(request, pk):
    """Mark a submission as a duplicate of an initiative already listed."""
    duplicate = get_object_or_404(Initiative, pk=pk)
    into = Initiative.objects.filter(slug=_slug(request.POST.get("into"))).first()
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


@moderator_required
@require_POST
def proposal_decide(request, kind, pk):
    """Accept or reject a proposed new place or organisation."""
    from initiatives.models import ProposedOrganisation, ProposedPlace

    models = {"place": ProposedPlace, "organisation": ProposedOrganisation}
    if kind not in models:
        raise Http404
    model = models[kind]
    proposal = get_object_or_404(model, pk=pk)
    try:
        if request.POST.get("action") == "accept":
            existing = None
            name = request.POST.get("existing", "").strip()
            if name:
                existing = (resolve_place if kind == "place" else resolve_organisation)(name)
            decisions.proposal_accept(
                proposal,
                moderator=request.user,
                existing=existing,
                kind=request.POST.get("kind", "other"),
            )
            messages.success(request, _("Accepted: “%(name)s”.") % {"name": proposal.name})
        else:
            decisions.proposal_reject(proposal, moderator=request.user)
            messages.success(request, _("Rejected: “%(name)s”.") % {"name": proposal.name})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("initiatives:moderation-initiative", pk=proposal.initiative_id)
