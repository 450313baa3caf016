"""Email alerts: anyone follows a place (with every place under it) or a
theme by email, confirms from the email they are sent, and then gets a weekly
digest of what was newly published there, with a one-click unsubscribe.

Nothing here reveals whether an address follows anything: asking again sends
a confirmation only while the alert is unconfirmed, and the caller answers
every request the same way.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from accounts.emails import send_templated
from communities.models import Place
from initiatives.models import Alert, Initiative, Theme

logger = logging.getLogger(__name__)

# An unconfirmed alert, and the link in its email, lasts this long.
CONFIRM_WITHIN = timedelta(days=7)
# How long the "Follow again" button on the unsubscribed page works.
FOLLOW_AGAIN_WITHIN = timedelta(days=30)
# A digest covers what was published up to this long before the run: an
# initiative's publication time is set inside the moderator's transaction,
# so a row stamped a moment before the run may not be committed yet, and
# would otherwise fall between two digests.
SETTLE = timedelta(minutes=5)
# At most this many initiatives are listed in a digest; the rest are linked.
DIGEST_LIMIT = 20

_FOLLOW_AGAIN_SALT = "initiatives.alerts.follow-again"


def normalise_email(email: str) -> str:
    # One alert per person and subject, however they type their address.
    return email.strip().lower()


def absolute(path: str) -> str:
    """A link for an email, which is read outside any request."""
    return f"{settings.SITE_URL}{path}"


def confirm_url(alert: Alert) -> str:
    return absolute(reverse("initiatives:alert-confirm", args=[alert.token]))


def unsubscribe_url(alert: Alert) -> str:
    return absolute(reverse("initiatives:alert-unsubscribe", args=[alert.token]))


def list_url(alert: Alert) -> str:
    """The public list filtered to the alert's place or theme (newest first)."""
    query = {"place": alert.place.slug} if alert.place_id else {"theme": alert.theme.slug}
    return absolute(f"{reverse('initiatives:list')}?{urlencode(query)}")


def _check_subject(place: Place | None, theme: Theme | None) -> None:
    if (place is None) == (theme is None):
        raise ValueError("An alert follows a place or a theme: exactly one of them.")


# Following and confirming


def alert_request(*, email: str, place: Place | None = None, theme: Theme | None = None) -> Alert:
    """Ask to follow `place` or `theme`: create the alert, or reuse the one
    already asked for, and email a link to confirm it once committed.

    An alert that is already confirmed is left as it is and nothing is sent.
    """
    _check_subject(place, theme)
    email = normalise_email(email)
    with transaction.atomic():
        # get_or_create retries the lookup if a concurrent request won the race.
        alert, created = Alert.objects.get_or_create(email=email, place=place, theme=theme)
        if alert.confirmed_at is None:
            if not created:
                # The link in the new email lasts as long as a first one would.
                alert.created_at = timezone.now()
                alert.save(update_fields=["created_at"])
            transaction.on_commit(lambda: send_alert_confirmation.enqueue(alert.pk))
    return alert


@task
def send_alert_confirmation(alert_id: int) -> None:
    alert = (
        Alert.objects.select_related("place", "theme")
        .filter(pk=alert_id, confirmed_at__isnull=True)
        .first()
    )
    if alert is None:  # Confirmed or unsubscribed in the meantime.
        return
    send_templated(
        "alert_confirm",
        [alert.email],
        {
            "alert": alert,
            "subject": alert.subject,
            "confirm_url": confirm_url(alert),
            "unsubscribe_url": unsubscribe_url(alert),
            "subject_url": absolute(alert.subject.get_absolute_url()),
            "days": CONFIRM_WITHIN.days,
        },
    )


def alert_for_token(token: UUID) -> Alert | None:
    """The alert a link names: confirmed, or waiting for confirmation and
    not yet expired. None for a link that was used up or never existed."""
    live = Q(confirmed_at__isnull=False) | Q(created_at__gte=timezone.now() - CONFIRM_WITHIN)
    return Alert.objects.select_related("place", "theme").filter(live, token=token).first()


def _confirm(alert: Alert) -> None:
    """Confirm (once): the first digest starts from now, so nothing published
    before the person confirmed is ever sent."""
    now = timezone.now()
    if Alert.objects.filter(pk=alert.pk, confirmed_at__isnull=True).update(
        confirmed_at=now, sent_through=now
    ):
        alert.confirmed_at = alert.sent_through = now
    else:
        alert.refresh_from_db(fields=["confirmed_at", "sent_through"])


def alert_confirm(token: UUID) -> Alert | None:
    """Confirm the alert `token` names; confirming twice changes nothing.
    None when there is no such alert (or its link has expired)."""
    alert = alert_for_token(token)
    if alert is not None and alert.confirmed_at is None:
        _confirm(alert)
    return alert


# Unsubscribing, and following again


def alert_unsubscribe(token: UUID) -> Alert | None:
    """Delete the alert `token` names (we keep no address we do not need),
    confirmed or not. Returns the deleted alert, or None if there was none."""
    alert = Alert.objects.select_related("place", "theme").filter(token=token).first()
    if alert is None:
        return None
    alert.delete()
    return alert


def follow_again_value(alert: Alert) -> str:
    """A signed value for the "Follow again" button: the address and the
    subject of an alert just deleted, which the person has shown they own."""
    return signing.dumps(
        {"email": alert.email, "place": alert.place_id, "theme": alert.theme_id},
        salt=_FOLLOW_AGAIN_SALT,
        compress=True,
    )


def alert_follow_again(value: str) -> Alert | None:
    """Follow again from the unsubscribed page: confirmed at once, as the
    value could only come from a link in an email to that address. None when
    the value is forged or too old, or its place or theme no longer exists."""
    try:
        data = signing.loads(
            value, salt=_FOLLOW_AGAIN_SALT, max_age=FOLLOW_AGAIN_WITHIN.total_seconds()
        )
        email, place_id, theme_id = data["email"], data["place"], data["theme"]
    except (signing.BadSignature, TypeError, KeyError):
        return None
    place = Place.objects.filter(pk=place_id).first() if place_id else None
    theme = Theme.objects.filter(pk=theme_id).first() if theme_id else None
    if (place is None) == (theme is None):
        return None
    alert, _created = Alert.objects.get_or_create(email=email, place=place, theme=theme)
    if alert.confirmed_at is None:
        _confirm(alert)
    return alert


# The weekly digest


@dataclass
class DigestRun:
    sent: int = 0  # or, in a dry run, would be sent
    failed: int = 0
    expired: int = 0  # unconfirmed alerts deleted (or, in a dry run, to delete)


def new_initiatives(alert: Alert, cutoff: datetime) -> QuerySet[Initiative]:
    """What the alert's next digest lists: published in (sent_through, cutoff]
    in its place or any place under it, or with its theme or a sub-theme."""
    initiatives = Initiative.objects.published()
    if alert.place_id:
        initiatives = initiatives.in_place(alert.place)
    else:
        initiatives = initiatives.with_theme(alert.theme)
    return initiatives.filter(published_at__gt=alert.sent_through, published_at__lte=cutoff)


def send_digests(now: datetime | None = None, dry_run: bool = False) -> DigestRun:
    """Email each confirmed alert what was newly published for it, then
    delete the unconfirmed alerts whose link has expired.

    Each alert is sent in its own transaction, holding its row: a second run
    at the same time skips it (PostgreSQL's SKIP LOCKED; SQLite serialises
    writers anyway), and finds the watermark moved once it commits. An email
    that fails leaves the watermark where it was, so it is tried next run.
    """
    now = now or timezone.now()
    cutoff = now - SETTLE
    run = DigestRun()
    due = (
        Alert.objects.confirmed()
        .filter(sent_through__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for alert_id in list(due):
        outcome = _send_digest(alert_id, now=now, cutoff=cutoff, dry_run=dry_run)
        if outcome == "sent":
            run.sent += 1
        elif outcome == "failed":
            run.failed += 1
    expired = Alert.objects.filter(confirmed_at__isnull=True, created_at__lt=now - CONFIRM_WITHIN)
    run.expired = expired.count() if dry_run else expired.delete()[0]
    return run


def _send_digest(
    alert_id: int, *, now: datetime, cutoff: datetime, dry_run: bool
) -> Literal["sent", "failed", "skipped"]:
    with transaction.atomic():
        alert = (
            Alert.objects.confirmed()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("place", "theme")
            .filter(pk=alert_id, sent_through__lt=cutoff)
            .first()
        )
        if alert is None:  # Another run has it, has sent it, or it was unsubscribed.
            return "skipped"
        initiatives = new_initiatives(alert, cutoff)
        count = initiatives.count()
        if dry_run:
            return "sent" if count else "skipped"
        if count:
            newest = initiatives.with_primary_place().order_by("-published_at", "-pk")
            try:
                _send_digest_email(alert, list(newest[:DIGEST_LIMIT]), count)
            except Exception:
                logger.exception("The digest for alert %s could not be sent.", alert.pk)
                return "failed"
            alert.last_sent_at = now
        alert.sent_through = cutoff
        alert.save(update_fields=["sent_through", "last_sent_at"])
    return "sent" if count else "skipped"


class _OneLineHeader(str):
    """A header value that is written on one line, however long.

    Python's email package folds a header longer than 78 characters that has
    no space to fold at by rewriting it as RFC 2047 encoded words, and mail
    programs do not decode those in List-Unsubscribe: Gmail, for one, would
    offer no unsubscribe button. RFC 5322 allows lines of up to 998
    characters. The email policy stores a value that has a `name` as a
    header object, and writes it out by calling its `fold()`; as a str, it
    passes through Django's EmailMessage unchanged.
    """

    name: str

    def __new__(cls, name: str, value: str):
        if "\r" in value or "\n" in value:
            raise ValueError("A header value cannot contain a line break.")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def __getnewargs__(self):  # Copies and pickles (the test outbox keeps copies).
        return (self.name, str(self))

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def _send_digest_email(alert: Alert, initiatives: list[Initiative], count: int) -> None:
    unsubscribe = unsubscribe_url(alert)
    send_templated(
        "alert_digest",
        [alert.email],
        {
            "alert": alert,
            "subject": alert.subject,
            "initiatives": initiatives,
            "count": count,
            "more": count - len(initiatives),
            "list_url": list_url(alert),
            "subject_url": absolute(alert.subject.get_absolute_url()),
            "unsubscribe_url": unsubscribe,
        },
        # RFC 2369 and RFC 8058: mail programs offer their own one-click
        # unsubscribe, which POSTs to the same link.
        headers={
            "List-Unsubscribe": _OneLineHeader("List-Unsubscribe", f"<{unsubscribe}>"),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
