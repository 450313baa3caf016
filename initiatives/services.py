"""Writes to initiatives. Each service validates, then saves inside one transaction."""

from collections.abc import Iterable, Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Organisation, Place
from communities.slugs import unique_slug

from . import caching, moderation, permissions, photos, tallies
from .models import (
    OPEN_REVISION_STATES,
    Initiative,
    InitiativeImage,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeRevision,
    InitiativeSource,
    ProposalState,
    ProposedOrganisation,
    ProposedPlace,
    RevisionImage,
    Theme,
)
from .search import refresh_search_vectors

OrganisationRoles = Iterable[tuple[Organisation, str]]


def _validate_relations(places: Sequence[Place], themes: Sequence[Theme] | None = None) -> None:
    """At least one place, and (when themes are being set) one theme."""
    errors = {}
    if not places:
        errors["places"] = _("Choose at least one place that the initiative serves.")
    if themes is not None and not themes:
        errors["themes"] = _("Choose at least one theme.")
    if errors:
        raise ValidationError(errors)


def initiative_set_places(initiative: Initiative, places: Sequence[Place]) -> None:
    """Make `places` the places served; the first one is the primary place."""
    _validate_relations(places)
    primary, wanted = places[0], {p.pk for p in places}
    initiative.initiative_places.exclude(place__in=wanted).delete()
    initiative.initiative_places.filter(is_primary=True).exclude(place=primary).update(
        is_primary=False
    )
    existing = set(initiative.initiative_places.values_list("place_id", flat=True))
    InitiativePlace.objects.bulk_create(
        InitiativePlace(initiative=initiative, place=p, is_primary=False)
        for p in places
        if p.pk not in existing
    )
    initiative.initiative_places.filter(place=primary).update(is_primary=True)
    # Bulk writes send no signals: bring the search vector, the counts and
    # the cached pages up to date here.
    refresh_search_vectors([initiative.pk])
    tallies.refresh([initiative.pk])
    caching.public_changed()


def initiative_set_organisations(initiative: Initiative, organisations: OrganisationRoles) -> None:
    """Make `organisations` (pairs of organisation and role) the ones involved."""
    wanted = {(org.pk, role) for org, role in organisations}
    existing = {
        (link.organisation_id, link.role): link.pk
        for link in initiative.initiative_organisations.all()
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    initiative.initiative_organisations.filter(pk__in=stale).delete()
    InitiativeOrganisation.objects.bulk_create(
        InitiativeOrganisation(initiative=initiative, organisation_id=org_id, role=role)
        for org_id, role in sorted(wanted - existing.keys())
    )
    refresh_search_vectors([initiative.pk])
    tallies.refresh([initiative.pk])
    caching.public_changed()


def initiative_locate(initiative: Initiative, primary_place: Place | None) -> None:
    """Without a pin, the map shows the centre of the primary place."""
    if initiative.latitude is None or initiative.longitude is None:
        initiative.location_is_place_centre = True
    if initiative.location_is_place_centre and primary_place is not None:
        initiative.latitude = primary_place.latitude
        initiative.longitude = primary_place.longitude


@transaction.atomic
def initiative_create(
    *,
    title: str,
    places: Sequence[Place],
    themes: Sequence[Theme],
    organisations: OrganisationRoles = (),
    moderation_state: str = Initiative.State.DRAFT,
    slug: str = "",
    **fields,
) -> Initiative:
    """Create an initiative with its relations; `places[0]` is its primary place.

    `moderation_state` other than draft walks the state machine from draft, so
    an initiative created as published has its publication date set.
    """
    _validate_relations(places, themes)
    initiative = Initiative(title=title, slug=slug or unique_slug(Initiative, title), **fields)
    initiative.location_is_place_centre = initiative.latitude is None
    initiative_locate(initiative, places[0])
    _advance(initiative, moderation_state)
    initiative.full_clean()
    initiative.save()
    initiative_set_places(initiative, places)
    initiative.themes.set(themes)
    initiative_set_organisations(initiative, organisations)
    return initiative


def _advance(initiative: Initiative, to_state: str) -> None:
    """Walk the shortest allowed path from the current state to `to_state`."""
    path = {initiative.moderation_state: None}
    frontier = [initiative.moderation_state]
    while frontier and to_state not in path:
        state = frontier.pop(0)
        for nxt in moderation.TRANSITIONS[state]:
            if nxt not in path:
                path[nxt] = state
                frontier.append(nxt)
    if to_state not in path:
        raise moderation.IllegalTransition(_("That moderation state cannot be reached."))
    steps = []
    while path[to_state] is not None:
        steps.append(to_state)
        to_state = path[to_state]
    for step in reversed(steps):
        moderation.move(initiative, step)


# Submissions from residents and organisation members.
#
# An entry is the cleaned submission form: the fields of ENTRY_FIELDS plus
# themes, primary_place, proposed_place, on_behalf_of, public_name and the
# source link. entry_data() turns an entry or a live initiative into plain
# JSON of one shape, which a proposed edit stores and revision_apply() reads.

ENTRY_FIELDS = (
    "title",
    "summary",
    "description",
    "how_to_adapt",
    "activity_status",
    "start_date",
    "end_date",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "contact_consent",
    "credit_submitter",
    "latitude",
    "longitude",
)
DATE_FIELDS = ("start_date", "end_date")
EDITABLE_STATES = (
    Initiative.State.DRAFT,
    Initiative.State.PENDING,
    Initiative.State.CHANGES_REQUESTED,
)


def _check_on_behalf_of(user, organisation) -> None:
    if organisation is not None and not permissions.can_submit_for(user, organisation):
        raise ValidationError(
            {"on_behalf_of": _("You can only submit for an organisation you are a member of.")}
        )


def _entry_fields(entry: dict) -> dict:
    fields = {name: entry.get(name) for name in ENTRY_FIELDS}
    for name in ("how_to_adapt", "website", "contact_name", "contact_email", "contact_phone"):
        fields[name] = fields[name] or ""
    fields["contact_consent"] = bool(fields["contact_consent"])
    fields["credit_submitter"] = bool(fields["credit_submitter"])
    name = (entry.get("public_name") or "").strip()
    fields["credit_name"] = name if fields["credit_submitter"] else ""
    return fields


def _save_proposals(initiative, user, entry, proposed_organisations) -> None:
    """Replace the pending proposals of new places and organisations."""
    initiative.proposed_places.filter(state=ProposalState.PENDING).delete()
    initiative.proposed_organisations.filter(state=ProposalState.PENDING).delete()
    if entry.get("proposed_place"):
        ProposedPlace.objects.create(
            initiative=initiative,
            name=entry["proposed_place"],
            within=entry["primary_place"],
            proposed_by=user,
        )
    ProposedOrganisation.objects.bulk_create(
        ProposedOrganisation(
            initiative=initiative,
            name=row["name"],
            role=row["role"],
            website=row.get("website") or "",
            proposed_by=user,
        )
        for row in proposed_organisations
    )


def _save_source(initiative, entry) -> None:
    url = entry.get("source_url")
    if url and not initiative.sources.filter(url=url).exists():
        InitiativeSource.objects.create(
            initiative=initiative,
            title=entry.get("source_title") or url,
            url=url,
            position=initiative.sources.count(),
        )


def _add_photos(owner_field: str, owner, rows, written: list[str], model) -> None:
    """Store the photos of `rows` (from PhotoFormSet.photos()) for `owner`."""
    for position, row in enumerate(rows):
        photo = model(**{owner_field: owner}, alt_text=row["alt_text"])
        if owner_field == "initiative":
            photo.position = owner.images.count() + position
        if row.get("processed"):
            written += photos.attach(photo, row["processed"])
        else:
            written += photos.attach_kept(photo, row["kept"])
        photo.full_clean()
        photo.save()


def copy_photos(photos_, *, to: Initiative) -> None:
    """Add photos (an edit's, or another initiative's) to `to`, after its own;
    the rows share the stored files."""
    position = to.images.count()
    InitiativeImage.objects.bulk_create(
        InitiativeImage(
            initiative=to,
            image=photo.image.name,
            card=photo.card.name,
            large=photo.large.name,
            width=photo.width,
            height=photo.height,
            alt_text=photo.alt_text,
            caption=getattr(photo, "caption", ""),
            credit=getattr(photo, "credit", ""),
            position=position + offset,
        )
        for offset, photo in enumerate(photos_)
    )


def _remove_photos(images) -> None:
    """Delete photo rows, and their files once the transaction has committed."""
    images = list(images)
    for image in images:
        image.delete()
    transaction.on_commit(lambda: [photos.remove_files(image) for image in images])


def _with_files_cleaned_up(write):
    """Run `write(written)` in a transaction; if it fails, remove the files
    it stored, so that nothing half-written is left behind."""
    written: list[str] = []
    try:
        with transaction.atomic():
            return write(written)
    except BaseException:
        photos.delete_names(written)
        raise


def _remember_credit_name(user, entry) -> None:
    """The name chosen to be credited by is offered again next time (it is
    public only on initiatives that a moderator approved with it)."""
    name = (entry.get("public_name") or "").strip()
    if entry.get("credit_submitter") and name and name != user.public_name:
        user.public_name = name
        user.save(update_fields=["public_name"])


def submission_create(
    *, user, entry: dict, organisations: OrganisationRoles, proposed_organisations, photo_rows
) -> Initiative:
    """A resident's new initiative, as a draft: the submitter checks it against
    similar initiatives before submission_submit() sends it to moderation."""
    _check_on_behalf_of(user, entry.get("on_behalf_of"))

    def write(written):
        initiative = initiative_create(
            places=[entry["primary_place"]],
            themes=list(entry["themes"]),
            organisations=organisations,
            moderation_state=Initiative.State.DRAFT,
            submitted_by=user,
            on_behalf_of=entry.get("on_behalf_of"),
            **_entry_fields(entry),
        )
        _save_proposals(initiative, user, entry, proposed_organisations)
        _save_source(initiative, entry)
        _add_photos("initiative", initiative, photo_rows, written, InitiativeImage)
        _remember_credit_name(user, entry)
        return initiative

    return _with_files_cleaned_up(write)


@transaction.atomic
def submission_submit(initiative: Initiative) -> Initiative:
    """Send a draft to moderation, and the submitter a confirmation."""
    initiative = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if initiative.moderation_state != Initiative.State.DRAFT:
        return initiative  # Sent already (a second click, say): nothing more to do.
    moderation.move(initiative, Initiative.State.PENDING)
    initiative.save(update_fields=["moderation_state", "updated_at"])
    from .tasks import send_new_item_notice, send_submission_received

    transaction.on_commit(lambda: send_submission_received.enqueue(initiative.pk))
    transaction.on_commit(lambda: send_new_item_notice.enqueue("submission", initiative.pk))
    return initiative


@transaction.atomic
def submission_discard(initiative: Initiative) -> None:
    """Delete a draft that turned out to be an initiative already listed."""
    if initiative.moderation_state != Initiative.State.DRAFT:
        raise ValidationError(_("Only a draft can be discarded."))
    _remove_photos(initiative.images.all())
    initiative.delete()


def submission_update(
    initiative: Initiative,
    *,
    user,
    entry: dict,
    organisations: OrganisationRoles,
    proposed_organisations,
    photo_rows,
    remove_photos=(),
) -> Initiative:
    """Edit a submission that is not public yet. One that came back with
    changes requested goes to moderation again."""
    if initiative.moderation_state not in EDITABLE_STATES:
        raise ValidationError(_("This submission can no longer be edited."))
    _check_on_behalf_of(user, entry.get("on_behalf_of"))

    def write(written):
        live = Initiative.objects.select_for_update().get(pk=initiative.pk)
        for name, value in _entry_fields(entry).items():
            setattr(live, name, value)
        live.on_behalf_of = entry.get("on_behalf_of")
        live.location_is_place_centre = live.latitude is None
        initiative_locate(live, entry["primary_place"])
        if live.moderation_state == Initiative.State.CHANGES_REQUESTED:
            moderation.move(live, Initiative.State.PENDING)
        live.full_clean()
        live.save()
        initiative_set_places(live, _with_new_primary(live, entry["primary_place"]))
        live.themes.set(entry["themes"])
        initiative_set_organisations(live, organisations)
        _save_proposals(live, user, entry, proposed_organisations)
        _save_source(live, entry)
        _remove_photos(live.images.filter(pk__in=remove_photos))
        _add_photos("initiative", live, photo_rows, written, InitiativeImage)
        _remember_credit_name(user, entry)
        return live

    return _with_files_cleaned_up(write)


def _with_new_primary(initiative: Initiative, primary: Place) -> list[Place]:
    """The places served once `primary` replaces the primary place; the
    other places (added by staff) stay."""
    others = [
        link.place
        for link in initiative.initiative_places.select_related("place")
        if not link.is_primary and link.place_id != primary.pk
    ]
    return [primary, *others]


def _iso(value):
    return value.isoformat() if value else None


def entry_data(
    *, entry: dict, organisations: OrganisationRoles, proposed_organisations, remove_photos=()
) -> dict:
    """An entry as plain JSON, the shape a proposed edit stores."""
    fields = _entry_fields(entry)
    for name in DATE_FIELDS:
        fields[name] = _iso(fields[name])
    place = entry["primary_place"]
    return {
        **fields,
        "themes": sorted(theme.pk for theme in entry["themes"]),
        "primary_place": place.pk,
        "proposed_place": entry.get("proposed_place") or "",
        "on_behalf_of": entry["on_behalf_of"].pk if entry.get("on_behalf_of") else None,
        "organisations": [[org.pk, role] for org, role in organisations],
        "proposed_organisations": list(proposed_organisations),
        "source_url": entry.get("source_url") or "",
        "source_title": entry.get("source_title") or "",
        "public_name": (entry.get("public_name") or "").strip(),
        "remove_photos": sorted(remove_photos),
    }


def live_entry_data(initiative: Initiative) -> dict:
    """A live initiative in the shape of entry_data(), to compare an edit with."""
    fields = {name: getattr(initiative, name) for name in ENTRY_FIELDS}
    if initiative.location_is_place_centre:
        fields["latitude"] = fields["longitude"] = None
    for name in DATE_FIELDS:
        fields[name] = _iso(fields[name])
    primary = initiative.primary_place
    return {
        **fields,
        "themes": sorted(initiative.themes.values_list("pk", flat=True)),
        "primary_place": primary.pk if primary else None,
        "proposed_place": next(
            (p.name for p in initiative.proposed_places.filter(state=ProposalState.PENDING)), ""
        ),
        "on_behalf_of": initiative.on_behalf_of_id,
        "organisations": [
            [link.organisation_id, link.role]
            for link in initiative.initiative_organisations.order_by("pk")
        ],
        "proposed_organisations": [
            {"name": p.name, "role": p.role, "website": p.website}
            for p in initiative.proposed_organisations.filter(state=ProposalState.PENDING)
        ],
        "source_url": "",
        "source_title": "",
        "public_name": initiative.credit_name,
        "remove_photos": [],
    }


def revision_propose(
    initiative: Initiative,
    *,
    user,
    entry: dict,
    organisations: OrganisationRoles,
    proposed_organisations,
    photo_rows,
    remove_photos=(),
) -> InitiativeRevision:
    """An edit to a published initiative: stored for moderation while the
    live initiative stays as it is. A second edit updates the open one."""
    if not initiative.is_public:
        raise ValidationError(_("Only a published initiative takes proposed edits."))
    _check_on_behalf_of(user, entry.get("on_behalf_of"))
    data = entry_data(
        entry=entry,
        organisations=organisations,
        proposed_organisations=proposed_organisations,
        remove_photos=[pk for pk in remove_photos if initiative.images.filter(pk=pk).exists()],
    )

    def write(written):
        Initiative.objects.select_for_update().get(pk=initiative.pk)
        revision = initiative.revisions.filter(state__in=OPEN_REVISION_STATES).first()
        if revision is None:
            revision = InitiativeRevision(initiative=initiative, proposed_by=user)
        revision.data = data
        revision.state = InitiativeRevision.State.PENDING
        revision.save()
        _add_photos("revision", revision, photo_rows, written, RevisionImage)
        # The name to credit is part of the edit: it changes on approval.
        from .tasks import send_new_item_notice

        transaction.on_commit(lambda: send_new_item_notice.enqueue("edit", revision.pk))
        return revision

    return _with_files_cleaned_up(write)


def revision_apply(revision: InitiativeRevision) -> Initiative:
    """Make a proposed edit live (the moderator's approval calls this)."""
    data = revision.data

    def write(written):
        live = Initiative.objects.select_for_update().get(pk=revision.initiative_id)
        for name in ENTRY_FIELDS:
            value = data.get(name)
            if name in DATE_FIELDS and value:
                value = date.fromisoformat(value)
            setattr(live, name, value if value is not None or name in _NULLABLE else "")
        live.on_behalf_of_id = data.get("on_behalf_of")
        live.credit_name = data.get("credit_name", "") if live.credit_submitter else ""
        live.location_is_place_centre = live.latitude is None
        primary = Place.objects.get(pk=data["primary_place"])
        initiative_locate(live, primary)
        live.full_clean()
        live.save()
        initiative_set_places(live, _with_new_primary(live, primary))
        live.themes.set(Theme.objects.filter(pk__in=data["themes"]))
        orgs = Organisation.objects.in_bulk([pk for pk, _role in data["organisations"]])
        initiative_set_organisations(
            live, [(orgs[pk], role) for pk, role in data["organisations"] if pk in orgs]
        )
        entry = {"primary_place": primary, "proposed_place": data.get("proposed_place")}
        _save_proposals(live, revision.proposed_by, entry, data.get("proposed_organisations", []))
        _save_source(live, data)
        _remove_photos(live.images.filter(pk__in=data.get("remove_photos", [])))
        copy_photos(revision.images.all(), to=live)
        if revision.proposed_by is not None:
            _remember_credit_name(revision.proposed_by, data)
        revision.state = InitiativeRevision.State.APPROVED
        revision.decided_at = timezone.now()
        revision.save(update_fields=["state", "decided_at", "updated_at"])
        return live

    return _with_files_cleaned_up(write)


_NULLABLE = {"start_date", "end_date", "latitude", "longitude"}


# Privacy: what the platform holds about a person, and forgetting them.

NOT_PUBLIC_STATES = (*EDITABLE_STATES, Initiative.State.REJECTED)


def account_data(user) -> dict:
    """Everything the platform holds about `user`, as plain JSON."""
    submissions = (
        Initiative.objects.filter(submitted_by=user)
        .select_related("on_behalf_of")
        .prefetch_related("themes", "images", "sources", "decisions", "proposed_places")
        .prefetch_related("proposed_organisations", "initiative_places__place")
        .prefetch_related("initiative_organisations__organisation")
        .order_by("created_at", "pk")
    )
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "public_name": user.public_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": _iso(user.last_login),
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in user.emailaddress_set.order_by("pk")
        ],
        "organisation_memberships": [
            {
                "organisation": m.organisation.name,
                "job_title": m.job_title,
                "message": m.message,
                "state": m.state,
                "requested_at": m.requested_at.isoformat(),
                "decided_at": _iso(m.decided_at),
            }
            for m in user.memberships.select_related("organisation").order_by("pk")
        ],
        "submissions": [_submission_data(i) for i in submissions],
        "proposed_edits": [
            {
                "initiative": r.initiative.title,
                "state": r.state,
                "proposed_at": r.created_at.isoformat(),
                "entry": r.data,
                "photos": [{"file": p.image.name, "alt_text": p.alt_text} for p in r.images.all()],
            }
            for r in user.initiative_revisions.select_related("initiative").prefetch_related(
                "images"
            )
        ],
    }


def _submission_data(initiative: Initiative) -> dict:
    fields = {name: getattr(initiative, name) for name in ENTRY_FIELDS}
    for name in DATE_FIELDS:
        fields[name] = _iso(fields[name])
    return {
        "id": initiative.pk,
        "slug": initiative.slug,
        "moderation_state": initiative.moderation_state,
        "submitted_at": initiative.created_at.isoformat(),
        "published_at": _iso(initiative.published_at),
        "on_behalf_of": initiative.on_behalf_of.name if initiative.on_behalf_of else None,
        **fields,
        "credit_name": initiative.credit_name,
        "themes": [t.name for t in initiative.themes.all()],
        "places": [link.place.name for link in initiative.initiative_places.all()],
        "organisations": [
            {"name": link.organisation.name, "role": link.role}
            for link in initiative.initiative_organisations.all()
        ],
        "proposed_places": [p.name for p in initiative.proposed_places.all()],
        "proposed_organisations": [p.name for p in initiative.proposed_organisations.all()],
        "photos": [{"file": i.image.name, "alt_text": i.alt_text} for i in initiative.images.all()],
        "sources": [{"title": s.title, "url": s.url} for s in initiative.sources.all()],
        "moderators_messages": [
            {"decided_at": d.created_at.isoformat(), "to": d.to_state, "message": d.message}
            for d in initiative.decisions.all()
            if d.message
        ],
    }


@transaction.atomic
def account_delete(user) -> None:
    """Forget a person: their submissions that are not public are deleted;
    published (and archived) initiatives stay, no longer attributed to them."""
    unpublished = Initiative.objects.filter(
        submitted_by=user, moderation_state__in=NOT_PUBLIC_STATES
    )
    _remove_photos(InitiativeImage.objects.filter(initiative__in=unpublished))
    open_edits = InitiativeRevision.objects.filter(proposed_by=user, state__in=OPEN_REVISION_STATES)
    _remove_photos(RevisionImage.objects.filter(revision__in=open_edits))
    unpublished.delete()
    open_edits.delete()
    Initiative.objects.filter(submitted_by=user).update(
        submitted_by=None, credit_submitter=False, credit_name=""
    )
    caching.public_changed()  # a credit may have gone from a public page
    user.delete()


def account_delete_summary(user) -> dict:
    """What deleting the account would remove and keep, to show beforehand."""
    mine = Initiative.objects.filter(submitted_by=user)
    return {
        "removed_count": mine.filter(moderation_state__in=NOT_PUBLIC_STATES).count(),
        "kept_count": mine.exclude(moderation_state__in=NOT_PUBLIC_STATES).count(),
    }
