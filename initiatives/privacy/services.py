"""What is held about a person: their data as JSON, and deleting their account."""

from django.db import transaction
from django.utils import timezone

from initiatives.models import (
    OPEN_REVISION_STATES,
    Initiative,
    InitiativeImage,
    InitiativeRevision,
    RevisionImage,
)
from initiatives.moderation.states import NOT_PUBLIC_STATES
from initiatives.ops import caching
from initiatives.submissions.entries import DATE_FIELDS, ENTRY_FIELDS, iso_date
from initiatives.submissions.services import delete_photos


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
            "last_login": iso_date(user.last_login),
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
                "decided_at": iso_date(m.decided_at),
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
        fields[name] = iso_date(fields[name])
    return {
        "id": initiative.pk,
        "slug": initiative.slug,
        "moderation_state": initiative.moderation_state,
        "submitted_at": initiative.created_at.isoformat(),
        "published_at": iso_date(initiative.published_at),
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
    delete_photos(InitiativeImage.objects.filter(initiative__in=unpublished))
    open_edits = InitiativeRevision.objects.filter(proposed_by=user, state__in=OPEN_REVISION_STATES)
    delete_photos(RevisionImage.objects.filter(revision__in=open_edits))
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
