"""What is held about a person: their data as JSON, deleting their account,
and deleting what has passed its retention period (privacy/retention.py)."""

from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.utils import timezone

from accounts import notifications
from accounts.models import OutgoingEmail, UndeliverableAddress
from initiatives.models import (
    OPEN_REVISION_STATES,
    Alert,
    Collection,
    Initiative,
    InitiativeImage,
    InitiativeRevision,
    ModerationDecision,
    Report,
    RevisionImage,
)
from initiatives.moderation.states import NOT_PUBLIC_STATES
from initiatives.ops import caching
from initiatives.privacy.retention import (
    RETENTION,
    HistoricalInitiative,
    HistoricalOrganisation,
    HistoricalPlace,
    Kept,
)
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
            "email_choices": {
                name: getattr(user, kind.field) for name, kind in notifications.KINDS.items()
            },
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
        **_addressed_to(user),
        "two_step_sign_in": [
            # What kind, and when: never the secret itself.
            {
                "type": a.type,
                "created_at": a.created_at.isoformat(),
                "last_used_at": iso_date(a.last_used_at),
            }
            for a in user.authenticator_set.order_by("pk")
        ],
        "staff_work": _staff_work(user),
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


def addresses(user) -> set[str]:
    """Every address the person has given us, lower-cased."""
    found = {user.email.lower()}
    found.update(e.lower() for e in user.emailaddress_set.values_list("email", flat=True))
    return found


def _to_any(mine: set[str]):
    """Outgoing emails addressed to any of `mine`: the JSON list of
    recipients is narrowed in the database, then checked exactly here."""
    rows = OutgoingEmail.objects.none()
    for address in mine:
        rows = rows | OutgoingEmail.objects.filter(to__icontains=address)
    return [e for e in rows.order_by("created_at", "pk") if mine & {t.lower() for t in e.to}]


def _addressed_to(user) -> dict:
    """What is held under the person's addresses rather than their account:
    alerts, reports left with an address, the emails sent, a hard bounce."""
    mine = addresses(user)
    return {
        "alerts": [
            {
                "email": a.email,
                "following": str(a.subject),
                "asked_at": a.created_at.isoformat(),
                "confirmed_at": iso_date(a.confirmed_at),
            }
            for a in Alert.objects.filter(email__in=mine).select_related("place", "theme")
        ],
        "reports": [
            {
                "initiative": r.initiative.title,
                "reason": r.reason,
                "details": r.details,
                "email": r.email,
                "reported_at": r.created_at.isoformat(),
                "outcome": r.outcome,
            }
            for r in Report.objects.filter(email__in=mine).select_related("initiative")
        ],
        "emails_sent": [
            {
                "to": e.to,
                "subject": e.subject,
                "kind": e.kind,
                "written_at": e.created_at.isoformat(),
                "sent_at": iso_date(e.sent_at),
            }
            for e in _to_any(mine)
        ],
        "undeliverable_addresses": [
            {"email": u.email, "since": u.marked_at.isoformat()}
            for u in UndeliverableAddress.objects.filter(email__in=mine)
        ],
    }


def _staff_work(user) -> dict:
    """For staff: what they decided, curated and changed (the people and
    things concerned are others' data, so only what and when)."""
    return {
        "moderation_decisions": [
            {"decided_at": d.created_at.isoformat(), "to": d.to_state}
            for d in ModerationDecision.objects.filter(moderator=user).order_by("pk")
        ],
        "collections": [c.title for c in Collection.objects.filter(created_by=user).order_by("pk")],
        "admin_changes": [
            {"at": e.action_time.isoformat(), "what": str(e.content_type), "object": e.object_repr}
            for e in LogEntry.objects.filter(user=user).select_related("content_type")
        ],
        "directory_changes": [
            {"at": h.history_date.isoformat(), "what": model._meta.verbose_name, "name": h.name}
            for model in (HistoricalPlace, HistoricalOrganisation)
            for h in model.objects.filter(history_user=user).order_by("history_date")
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
    HistoricalInitiative.objects.filter(id__in=unpublished.values("pk")).delete()
    unpublished.delete()
    open_edits.delete()
    Initiative.objects.filter(submitted_by=user).update(
        submitted_by=None, credit_submitter=False, credit_name=""
    )
    # Earlier versions of what stays keep no link or credit either.
    HistoricalInitiative.objects.filter(submitted_by_id=user.pk).update(
        submitted_by_id=None, credit_submitter=False, credit_name=""
    )
    # What is held under the person's addresses rather than their account.
    mine = addresses(user)
    Alert.objects.filter(email__in=mine).delete()
    Report.objects.filter(email__in=mine).update(email="")
    OutgoingEmail.objects.filter(pk__in=[e.pk for e in _to_any(mine)]).delete()
    UndeliverableAddress.objects.filter(email__in=mine).delete()
    caching.public_changed()  # a credit may have gone from a public page
    # The rest goes with the account: email addresses, two-step sign-in,
    # memberships and the admin's log by cascade; decisions, collections,
    # proposals and the directory's history keep no link to them (SET_NULL).
    user.delete()


def account_delete_summary(user) -> dict:
    """What deleting the account would remove and keep, to show beforehand."""
    mine = Initiative.objects.filter(submitted_by=user)
    return {
        "removed_count": mine.filter(moderation_state__in=NOT_PUBLIC_STATES).count(),
        "kept_count": mine.exclude(moderation_state__in=NOT_PUBLIC_STATES).count(),
    }


def apply_retention(*, now=None, dry_run: bool = False) -> dict[str, int]:
    """Delete (or erase) what has passed its period in the retention table,
    table by table; returns how many rows of each went. Safe to run again:
    a second run finds nothing more."""
    now = now or timezone.now()
    done = {}
    for kept in RETENTION:
        if kept.expired is None:
            continue
        rows = kept.expired(now - timedelta(days=kept.days))
        done[kept.label] = rows.count() if dry_run else _purge(kept, rows)
    return done


@transaction.atomic
def _purge(kept: Kept, rows) -> int:
    if kept.erase:
        return rows.update(**dict.fromkeys(kept.erase, ""))
    if kept.model is Initiative:
        doomed = list(rows.values_list("pk", flat=True))
        delete_photos(InitiativeImage.objects.filter(initiative_id__in=doomed))
        delete_photos(RevisionImage.objects.filter(revision__initiative_id__in=doomed))
        HistoricalInitiative.objects.filter(id__in=doomed).delete()
        return Initiative.objects.filter(pk__in=doomed).delete()[1].get(Initiative._meta.label, 0)
    if kept.model is InitiativeRevision:
        delete_photos(RevisionImage.objects.filter(revision__in=rows))
    if kept.label == "accounts.User":
        users = list(rows)
        for user in users:
            account_delete(user)
        return len(users)
    return rows.delete()[1].get(kept.label, 0)
