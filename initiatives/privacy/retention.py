"""How long each table holding personal data keeps it: the one table that
the privacy page (/privacy/) reads to say so and the retention job
(privacy/tasks.py, run each night) reads to do so, so the two never disagree.

Each row names a model, what it holds and why, and either a period (`days`,
counted from `counted_from`) after which `expired(cutoff)` finds the rows
that must go, or none: then the data lasts as long as the account (or the
public listing) and goes with `account_delete`. `export` names the key of
the account export (privacy/services.py account_data) that holds it, or is
empty with `not_exported` saying why. tests/privacy/test_retention.py fails
when a model holding personal data is missing here."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import OutgoingEmail, UndeliverableAddress, User
from communities.models import Membership, Organisation, Place
from initiatives.models import (
    Alert,
    Collection,
    Initiative,
    InitiativeRevision,
    ModerationDecision,
    ProposedOrganisation,
    ProposedPlace,
    Report,
)

HistoricalInitiative = Initiative.history.model
HistoricalPlace = Place.history.model
HistoricalOrganisation = Organisation.history.model


@dataclass(frozen=True)
class Kept:
    model: type
    what: Promise
    why: Promise
    days: int | None = None
    counted_from: Promise | str = ""  # "after …": when the period starts
    until: Promise | str = ""  # without a period: how long it lasts
    expired: Callable[[datetime], QuerySet] | None = None
    # What happens to expired rows: deleted, unless `erase` names the
    # fields emptied instead (a report stays, without the reporter's address).
    erase: tuple[str, ...] = ()
    export: str = ""
    not_exported: Promise | str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label


UNTIL_DELETED = _("Until you delete your account.")

RETENTION = [
    Kept(
        User,
        _(
            "Your account: your email address, your name and public name if you give them, "
            "your password (scrambled, never readable) and your email choices."
        ),
        _("To sign you in, to credit you where you ask to be, and to email you."),
        days=30,
        counted_from=_(
            "after signing up, if the email address is never confirmed; "
            "otherwise until you delete your account"
        ),
        expired=lambda cutoff: User.objects.filter(
            date_joined__lt=cutoff, is_staff=False, is_superuser=False, last_login__isnull=True
        ).exclude(Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True))),
        export="account",
    ),
    Kept(
        EmailAddress,
        _("Your email addresses and whether each is confirmed."),
        _("To sign you in and to know where to write."),
        until=UNTIL_DELETED,
        export="email_addresses",
    ),
    Kept(
        EmailConfirmation,
        _("A confirmation link sent to a new email address."),
        _("To check that the address is yours."),
        days=7,
        counted_from=_("after it was sent"),
        expired=lambda cutoff: EmailConfirmation.objects.filter(created__lt=cutoff),
        not_exported=_("A one-use key that opens nothing once used or expired."),
    ),
    Kept(
        Authenticator,
        _("Your two-step sign-in: the authenticator app's secret and recovery codes."),
        _("To check the code you enter when you sign in."),
        until=UNTIL_DELETED,
        export="two_step_sign_in",
    ),
    Kept(
        Session,
        _("Which browser is signed in, in a cookie and a row naming your account."),
        _("To keep you signed in from page to page."),
        days=0,
        counted_from=_("after it expires (two weeks without a visit, or when you sign out)"),
        expired=lambda cutoff: Session.objects.filter(expire_date__lt=cutoff),
        not_exported=_("It holds only that a browser is signed in as you."),
    ),
    Kept(
        OutgoingEmail,
        _("The emails we send you, as sent."),
        _(
            "To send each email once, to retry when the mail server is away, and to "
            "answer questions about what was sent."
        ),
        days=90,
        counted_from=_("after it was written"),
        expired=lambda cutoff: OutgoingEmail.objects.filter(created_at__lt=cutoff),
        export="emails_sent",
    ),
    Kept(
        UndeliverableAddress,
        _("An address the mail server refused for good."),
        _("To stop writing to an address that does not exist."),
        days=365,
        counted_from=_("after it was refused, or until you change or confirm it"),
        expired=lambda cutoff: UndeliverableAddress.objects.filter(marked_at__lt=cutoff),
        export="undeliverable_addresses",
    ),
    Kept(
        Alert,
        _("The places and themes you follow by email, with your address."),
        _("To send you the weekly digest you asked for."),
        days=30,
        counted_from=_("after asking, if never confirmed; otherwise until you unsubscribe"),
        expired=lambda cutoff: Alert.objects.filter(created_at__lt=cutoff, confirmed_at=None),
        export="alerts",
    ),
    Kept(
        Membership,
        _("Your requests to act for an organisation: your role, your message and the outcome."),
        _("So that staff can check who acts for an organisation."),
        days=365,
        counted_from=_(
            "after a request is declined; an approved one until you delete your account"
        ),
        expired=lambda cutoff: Membership.objects.filter(
            state=Membership.State.DECLINED, decided_at__lt=cutoff
        ),
        export="organisation_memberships",
    ),
    Kept(
        Initiative,
        _("What you submit, and the contact details you give for it."),
        _("To moderate it and, once published, to show it on the map."),
        days=180,
        counted_from=_(
            "after the last change for a draft never sent, and for a rejected "
            "submission; a published one stays on the map, no longer linked to "
            "you once you delete your account"
        ),
        expired=lambda cutoff: Initiative.objects.filter(
            moderation_state__in=[Initiative.State.DRAFT, Initiative.State.REJECTED],
            updated_at__lt=cutoff,
        ),
        export="submissions",
    ),
    Kept(
        HistoricalInitiative,
        _("Earlier versions of what you submitted."),
        _("So that moderators can see what changed."),
        until=_("As long as the initiative: deleted with it."),
        not_exported=_("Earlier versions of the submissions in your export."),
    ),
    Kept(
        InitiativeRevision,
        _("Edits you propose to published initiatives."),
        _("To moderate them."),
        days=180,
        counted_from=_(
            "after a moderator declines the edit; an approved one becomes part of the initiative"
        ),
        expired=lambda cutoff: InitiativeRevision.objects.filter(
            state=InitiativeRevision.State.REJECTED, decided_at__lt=cutoff
        ),
        export="proposed_edits",
    ),
    Kept(
        ProposedPlace,
        _("Places you propose adding to the directory with a submission."),
        _("To moderate them with the submission."),
        until=_("As long as the submission."),
        export="submissions",
    ),
    Kept(
        ProposedOrganisation,
        _("Organisations you propose adding to the directory with a submission."),
        _("To moderate them with the submission."),
        until=_("As long as the submission."),
        export="submissions",
    ),
    Kept(
        Report,
        _("The email address you leave when reporting a problem with an initiative."),
        _("Only to tell you what happened to your report."),
        days=90,
        counted_from=_("after the report is decided; the report itself stays, without it"),
        expired=lambda cutoff: Report.objects.filter(decided_at__lt=cutoff).exclude(email=""),
        erase=("email",),
        export="reports",
    ),
    # Staff only: who decided, curated and changed what.
    Kept(
        ModerationDecision,
        _("For moderators: each decision you record."),
        _("So that every decision on the map can be traced."),
        until=_(
            "As long as the decision's item; no longer linked to you once you delete your account."
        ),
        export="staff_work",
    ),
    Kept(
        Collection,
        _("For curators: the collections you make."),
        _("To show who put a collection together."),
        until=_("As long as the collection; no longer linked to you once you delete your account."),
        export="staff_work",
    ),
    Kept(
        LogEntry,
        _("For staff: what you changed in the admin pages."),
        _("So that changes can be traced."),
        days=730,
        counted_from=_("after the change"),
        expired=lambda cutoff: LogEntry.objects.filter(action_time__lt=cutoff),
        export="staff_work",
    ),
    Kept(
        HistoricalPlace,
        _("For staff: who changed a place in the directory."),
        _("So that changes can be traced."),
        until=_("As long as the place; no longer linked to you once you delete your account."),
        export="staff_work",
    ),
    Kept(
        HistoricalOrganisation,
        _("For staff: who changed an organisation in the directory."),
        _("So that changes can be traced."),
        until=_(
            "As long as the organisation; no longer linked to you once you delete your account."
        ),
        export="staff_work",
    ),
]

BY_LABEL = {kept.label: kept for kept in RETENTION}


def period(kept: Kept) -> str:
    """How long, in words, as the privacy page says it."""
    if kept.days is None:
        return str(kept.until)
    if kept.days == 0:
        return str(_("Deleted %(after)s.") % {"after": kept.counted_from})
    return str(_("%(days)s days %(after)s.") % {"days": kept.days, "after": kept.counted_from})
