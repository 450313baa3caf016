"""Sending the outbox (accounts.models.OutgoingEmail), one email per task.

Queue backends do not retry, so this does: an email the mail server refuses
for now, or cannot be reached for, is tried again later, each wait twice the
last (from a minute up to two hours), for at least a day; then it is marked
failed, and staff see it on the background work page, which can try it
again. Tasks may run twice (a retry and the sweeper, a worker restarted):
each holds the email's row while it sends, and `sent_at` says it left, so an
email leaves once."""

import logging
import smtplib
from datetime import datetime, timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from accounts.models import OutgoingEmail
from accounts.services import is_undeliverable, mark_undeliverable

logger = logging.getLogger(__name__)

# How long an email is retried before it is marked failed (at least this).
RETRY_FOR = timedelta(days=1)
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=2)
# The sweeper leaves an email this long past its time to the task queued
# for it, before queueing another (one lost with a queue that was away).
SWEEP_GRACE = timedelta(minutes=2)


def wait_after(attempts: int) -> timedelta:
    """The wait before the next try, after `attempts` tries."""
    return min(FIRST_WAIT * 2 ** max(attempts - 1, 0), LONGEST_WAIT)


def enqueue_delivery(email_id: int, run_after: datetime | None = None) -> None:
    """Queue the email's delivery, now or at `run_after`. A backend that
    cannot defer (the immediate one the tests use) leaves a later try to the
    sweeper (`retry_due_emails`), which the scheduler runs."""
    if run_after is None:
        deliver_email.enqueue(email_id)
    elif deliver_email.get_backend().supports_defer:
        deliver_email.using(run_after=run_after).enqueue(email_id)


class OneLineHeader(str):
    """A header value written on one line, however long.

    Python's email package folds a long header with no space in it (a
    List-Unsubscribe link) into RFC 2047 encoded words, which mail programs
    do not decode there. RFC 5322 allows lines of up to 998 characters."""

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


def message(email: OutgoingEmail, to: list[str]) -> EmailMultiAlternatives:
    headers = {
        name: OneLineHeader(name, value) if value.isascii() and " " not in value else value
        for name, value in email.headers.items()
    }
    message = EmailMultiAlternatives(subject=email.subject, body=email.body, to=to, headers=headers)
    if email.html:
        message.attach_alternative(email.html, "text/html")
    return message


def refused_for_good(error: smtplib.SMTPRecipientsRefused) -> dict[str, str]:
    """The recipients a server refused with a permanent (5xx) answer."""
    return {
        address: (reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply))
        for address, (code, reply) in error.recipients.items()
        if 500 <= code < 600
    }


@task
def deliver_email(email_id: int) -> str:
    """Send one outbox email, unless it has left, failed or is not due."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at or email.failed_at:
            return "done already"
        now = timezone.now()
        if email.next_attempt_at > now:
            return "not due"
        to = [address for address in email.to if not is_undeliverable(address)]
        if not to:
            return _fail(email, now, "Not sent: every address is marked undeliverable.")
        email.attempts += 1
        try:
            message(email, to).send()
        except smtplib.SMTPRecipientsRefused as error:
            refused = refused_for_good(error)
            for address, reply in refused.items():
                mark_undeliverable(address, reason=reply)
            if set(refused) >= set(to):
                return _fail(email, now, f"Refused by the mail server: {error.recipients}")
            return _retry(email, now, error)
        except (smtplib.SMTPException, OSError) as error:
            return _retry(email, now, error)
        except Exception as error:
            # Anything else (a mail backend's own error): kept and retried
            # like the rest, so that after a day it is failed and shown to
            # staff, never tried at every sweep for ever.
            logger.exception("Email %s: unexpected error from the mail backend", email.pk)
            return _retry(email, now, error)
        email.sent_at = now
        email.last_error = ""
        email.save(update_fields=["attempts", "sent_at", "last_error"])
        return "sent"


def _fail(email: OutgoingEmail, now: datetime, reason: str) -> str:
    logger.error("Email %s failed for good: %s", email.pk, reason)
    email.failed_at = now
    email.last_error = reason[:2000]
    email.save(update_fields=["attempts", "failed_at", "last_error"])
    return "failed"


def _retry(email: OutgoingEmail, now: datetime, error: Exception) -> str:
    reason = f"{type(error).__name__}: {error}"
    if now - email.created_at >= RETRY_FOR:
        return _fail(email, now, reason)
    logger.warning(
        "Email %s not sent (try %s), tried again later: %s", email.pk, email.attempts, reason
    )
    email.last_error = reason[:2000]
    email.next_attempt_at = now + wait_after(email.attempts)
    email.save(update_fields=["attempts", "next_attempt_at", "last_error"])
    when = email.next_attempt_at
    transaction.on_commit(lambda: enqueue_delivery(email.pk, run_after=when))
    return "retrying"


@task
def retry_due_emails() -> int:
    """Queue every email past its time (and its grace): those whose queued
    task was lost, and, with a backend that cannot defer, every retry."""
    due = OutgoingEmail.objects.due(timezone.now() - SWEEP_GRACE).values_list("pk", flat=True)
    ids = list(due[:1000])
    for email_id in ids:
        enqueue_delivery(email_id)
    return len(ids)


def retry_failed(email_id: int) -> bool:
    """Staff asked to try a failed email again: it starts a new day of tries."""
    now = timezone.now()
    with transaction.atomic():
        updated = OutgoingEmail.objects.filter(
            pk=email_id, failed_at__isnull=False, sent_at__isnull=True
        ).update(failed_at=None, created_at=now, next_attempt_at=now)
        if updated:
            transaction.on_commit(lambda: enqueue_delivery(email_id))
    return bool(updated)
