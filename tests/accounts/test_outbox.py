"""Every email goes through the outbox: kept as a row when it is asked for,
sent once however often its task runs, tried again with longer and longer
waits while the mail server is away, and after a day marked failed for staff
to see, never dropped. An address refused for good gets no more mail."""

import re
import smtplib
import threading
import time
from datetime import timedelta
from email import policy as email_policy

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.emails import send_rendered
from accounts.models import OutgoingEmail
from accounts.services import is_undeliverable
from accounts.tasks import (
    SWEEP_GRACE,
    OneLineHeader,
    deliver_email,
    retry_due_emails,
    retry_failed,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-password-42"


class MailServer(BaseEmailBackend):
    """The mail server as a test sets it (mail_server_is, below): away, or
    answering some recipients with an SMTP code, like smtplib: a message
    refused for every recipient raises, one refused for some goes to the
    others."""

    def __init__(self, *, away=False, refusing=None, slow=None, broken=False, **kwargs):
        super().__init__(**kwargs)
        self.away = away
        self.broken = broken  # raises an error of no SMTP kind
        self.refusing = refusing or {}
        self.slow = slow  # an Event, set as sending starts

    def send_messages(self, messages):
        if self.slow:
            self.slow.set()
            time.sleep(0.3)
        if self.away:
            raise ConnectionRefusedError(111, "Connection refused")
        if self.broken:
            raise RuntimeError("The mail service's library broke")
        for message in messages:
            refused = {
                address: self.refusing[address]
                for address in message.recipients()
                if address in self.refusing
            }
            if len(refused) == len(message.recipients()):
                raise smtplib.SMTPRecipientsRefused(refused)
            message.to = [a for a in message.to if a not in refused]
            mail.outbox.append(message)
        return len(messages)


def mail_server_is(settings, **behaviour):
    settings.MAILERS = {
        "default": {"BACKEND": "tests.accounts.test_outbox.MailServer", "OPTIONS": behaviour}
    }


def gone(address):
    return {address: (550, b"5.1.1 No such mailbox")}


def time_passes(**delta):
    """Move the outbox `delta` into the past, as if that long had gone by."""
    delta = timedelta(**delta)
    OutgoingEmail.objects.update(
        created_at=F("created_at") - delta,
        next_attempt_at=F("next_attempt_at") - delta,
        sent_at=F("sent_at") - delta,
        failed_at=F("failed_at") - delta,
    )


def queue_email(capture, to=("sam@example.org",), subject="Hello", **fields):
    """An email asked for in a transaction that commits: its task runs then."""
    with capture(execute=True):
        email = send_rendered(subject=subject, body="Hi.", to=list(to), **fields)
    email.refresh_from_db()
    return email


def an_email(**fields):
    return OutgoingEmail.objects.create(
        to=fields.pop("to", ["sam@example.org"]), body="Hi.", **fields
    )


def test_an_email_leaves_when_its_transaction_commits_and_only_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = send_rendered(subject="Your\nalert", body="Hi.", to=["sam@example.org"])
        assert mailoutbox == []  # not before the commit
    [message] = mailoutbox
    assert message.to == ["sam@example.org"]
    assert message.subject == "Your alert"  # one line
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 1

    # A second task for it (a retry and the sweeper, a worker restarted).
    assert deliver_email.enqueue(email.pk).return_value == "done already"
    assert len(mailoutbox) == 1


# SQLite lets one writer at a time: there are no row locks to wait on.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_one_email_at_once_send_it_once(settings, mailoutbox):
    email = an_email(subject="Once")
    sending = threading.Event()
    mail_server_is(settings, slow=sending)

    def other_worker():
        try:
            deliver_email.call(email.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=other_worker)
    worker.start()
    assert sending.wait(timeout=5)
    # The other worker holds the email while it sends: this one waits, then
    # finds it sent.
    assert deliver_email.call(email.pk) == "done already"
    worker.join()
    assert [m.subject for m in mailoutbox] == ["Once"]


def test_nothing_is_kept_or_sent_for_a_transaction_that_rolls_back(
    mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send_rendered(subject="Welcome", body="Hi.", to=["sam@example.org"])
        raise RuntimeError("The sign-up failed after all.")
    assert not OutgoingEmail.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    "trouble",
    [
        {"away": True},
        {"refusing": {"sam@example.org": (451, b"4.7.1 Try again later")}},
    ],
    ids=["unreachable", "refused-for-now"],
)
def test_with_the_mail_server_away_an_email_is_kept_and_sent_when_it_is_back(
    settings, mailoutbox, django_capture_on_commit_callbacks, trouble
):
    mail_server_is(settings, **trouble)
    email = queue_email(django_capture_on_commit_callbacks)
    assert (email.sent_at, email.failed_at, email.attempts) == (None, None, 1)
    assert email.last_error
    assert not is_undeliverable("sam@example.org")  # a refusal for now is not for good

    # The sweeper leaves it until its time has come (and its grace).
    assert retry_due_emails.call() == 0
    time_passes(minutes=5)
    assert retry_due_emails.call() == 1
    email.refresh_from_db()
    assert (email.sent_at, email.attempts) == (None, 2)

    mail_server_is(settings)
    time_passes(minutes=5)
    retry_due_emails.call()
    assert [m.to for m in mailoutbox] == [["sam@example.org"]]
    email.refresh_from_db()
    assert email.sent_at is not None and email.attempts == 3 and email.last_error == ""
    assert retry_due_emails.call() == 0


def minutes_between(start, end):
    return round((end - start).total_seconds() / 60)


def test_each_wait_is_twice_the_last_up_to_two_hours(settings, django_capture_on_commit_callbacks):
    mail_server_is(settings, away=True)
    tried = timezone.now()
    email = queue_email(django_capture_on_commit_callbacks)
    waits = []
    for _ in range(10):
        waits.append(minutes_between(tried, email.next_attempt_at))
        # A task run before its time (a duplicate) does nothing.
        assert deliver_email.call(email.pk) == "not due"
        time_passes(minutes=waits[-1])
        tried = timezone.now()
        assert deliver_email.call(email.pk) == "retrying"
        email.refresh_from_db()
    assert waits == [1, 2, 4, 8, 16, 32, 64, 120, 120, 120]
    assert email.attempts == 11 and email.failed_at is None


def test_after_a_day_of_failures_an_email_is_marked_failed_with_the_error(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    mail_server_is(settings, away=True)
    email = queue_email(django_capture_on_commit_callbacks)
    time_passes(hours=23, minutes=50)
    retry_due_emails.call()
    email.refresh_from_db()
    assert email.failed_at is None and email.attempts == 2  # still trying

    time_passes(minutes=15)
    retry_due_emails.call()
    email.refresh_from_db()
    assert email.failed_at is not None and email.sent_at is None
    assert email.attempts == 3
    assert "Connection refused" in email.last_error
    assert list(OutgoingEmail.objects.failed()) == [email]  # kept, for staff to see

    # Failed is failed: the sweeper leaves it, even with the server back.
    mail_server_is(settings)
    time_passes(hours=3)
    assert retry_due_emails.call() == 0
    assert deliver_email.call(email.pk) == "done already"
    assert mailoutbox == []


def test_trying_a_failed_email_again_sends_it_once(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    failed = an_email(subject="Failed", failed_at=timezone.now(), attempts=9, last_error="Away")
    pending = an_email(subject="Pending", next_attempt_at=timezone.now() + timedelta(hours=1))
    sent = an_email(subject="Sent", sent_at=timezone.now(), attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert retry_failed(failed.pk) is True
        assert retry_failed(pending.pk) is False
        assert retry_failed(sent.pk) is False
    assert [m.subject for m in mailoutbox] == ["Failed"]
    failed.refresh_from_db()
    assert failed.sent_at is not None and failed.failed_at is None

    with django_capture_on_commit_callbacks(execute=True):
        assert retry_failed(failed.pk) is False  # sent now
    assert len(mailoutbox) == 1


def test_a_failed_email_tried_again_while_the_server_is_away_gets_a_new_day(
    settings, django_capture_on_commit_callbacks
):
    mail_server_is(settings, away=True)
    old = timezone.now() - timedelta(days=3)
    email = an_email(created_at=old, failed_at=old, attempts=12)
    with django_capture_on_commit_callbacks(execute=True):
        retry_failed(email.pk)
    email.refresh_from_db()
    assert email.failed_at is None and email.sent_at is None
    assert email.attempts == 13 and email.next_attempt_at > timezone.now()


def test_an_address_refused_for_good_is_marked_and_gets_no_more_email(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    mail_server_is(settings, refusing=gone("gone@example.org"))
    first = queue_email(django_capture_on_commit_callbacks, to=["gone@example.org"])
    assert first.failed_at is not None  # not retried for a day
    assert "No such mailbox" in first.last_error
    assert is_undeliverable("Gone@Example.org")

    # The server would take it now; the address is still skipped.
    mail_server_is(settings)
    later = queue_email(django_capture_on_commit_callbacks, to=["GONE@example.org"])
    assert later.failed_at is not None and later.attempts == 0
    assert "undeliverable" in later.last_error
    both = queue_email(
        django_capture_on_commit_callbacks, to=["gone@example.org", "here@example.org"]
    )
    assert both.sent_at is not None
    assert [m.to for m in mailoutbox] == [["here@example.org"]]


def test_a_refusal_for_some_recipients_for_good_and_others_for_now(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    mail_server_is(
        settings,
        refusing={**gone("gone@example.org"), "busy@example.org": (452, b"4.2.2 Mailbox full")},
    )
    email = queue_email(
        django_capture_on_commit_callbacks, to=["gone@example.org", "busy@example.org"]
    )
    assert email.failed_at is None and email.sent_at is None  # tried again for busy
    assert is_undeliverable("gone@example.org")
    assert not is_undeliverable("busy@example.org")

    mail_server_is(settings)
    time_passes(minutes=5)
    retry_due_emails.call()
    assert [m.to for m in mailoutbox] == [["busy@example.org"]]


def test_the_sweeper_queues_only_emails_whose_time_has_come(mailoutbox):
    now = timezone.now()
    an_email(subject="Due", next_attempt_at=now - timedelta(minutes=10))
    an_email(subject="Not yet", next_attempt_at=now + timedelta(minutes=10))
    # Its own task is on the way: the sweeper gives it a moment.
    an_email(subject="Just asked for", next_attempt_at=now - SWEEP_GRACE / 2)
    an_email(subject="Sent", next_attempt_at=now - timedelta(hours=1), sent_at=now)
    an_email(subject="Failed", next_attempt_at=now - timedelta(hours=1), failed_at=now)
    assert retry_due_emails.call() == 1
    assert [m.subject for m in mailoutbox] == ["Due"]
    assert retry_due_emails.call() == 0


def test_an_email_whose_task_was_lost_is_found_by_the_sweeper_and_sent_once(mailoutbox):
    # Kept, but its task never reached the queue (the queue was away).
    an_email(subject="Lost", next_attempt_at=timezone.now() - timedelta(minutes=5))
    retry_due_emails.call()
    retry_due_emails.call()
    assert [m.subject for m in mailoutbox] == ["Lost"]


@pytest.mark.parametrize(
    "value",
    ["<https://example.org/unsubscribe>\r\nBcc: everyone@example.org", "one two\nBcc: x@y.org"],
    ids=["link", "words"],
)
def test_an_email_with_a_line_break_in_a_header_is_refused(
    mailoutbox, django_capture_on_commit_callbacks, value
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError):
        send_rendered(
            subject="Digest",
            body="Hi.",
            to=["sam@example.org"],
            headers={"List-Unsubscribe": value},
        )
    assert not OutgoingEmail.objects.exists()
    assert mailoutbox == []
    with pytest.raises(ValueError):
        OneLineHeader("List-Unsubscribe", value)


def test_a_long_header_leaves_on_one_line(mailoutbox, django_capture_on_commit_callbacks):
    link = "<https://example.org/alerts/unsubscribe/" + "a" * 120 + "/>"
    queue_email(django_capture_on_commit_callbacks, headers={"List-Unsubscribe": link})
    [message] = mailoutbox
    raw = message.message(policy=email_policy.SMTP).as_bytes()
    assert f"\r\nList-Unsubscribe: {link}\r\n".encode() in raw


def test_a_sign_up_with_the_mail_server_away_answers_and_its_email_waits(
    settings, committing_client, mailoutbox
):
    mail_server_is(settings, away=True)
    response = committing_client.post(
        "/account/signup/",
        {"email": "sam@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302 and response.url == "/account/confirm-email/"
    [email] = OutgoingEmail.objects.all()
    assert email.to == ["sam@example.org"] and email.kind == "account"
    assert email.sent_at is None and email.failed_at is None and email.attempts == 1

    mail_server_is(settings)
    time_passes(minutes=5)
    retry_due_emails.call()
    [message] = mailoutbox
    link = re.search(r"https?://[^/\s]+(/account/confirm-email/\S+/)", message.body).group(1)
    assert committing_client.post(link).status_code == 302


def test_an_unexpected_error_from_the_mail_backend_is_retried_then_failed_not_looped(
    settings, django_capture_on_commit_callbacks
):
    mail_server_is(settings, broken=True)
    email = queue_email(django_capture_on_commit_callbacks)
    assert email.attempts == 1 and email.sent_at is None and email.failed_at is None
    assert "RuntimeError: The mail service's library broke" in email.last_error
    assert email.next_attempt_at > timezone.now()
    # A day of the same: failed, with its error, for staff to see.
    time_passes(days=1, minutes=1)
    deliver_email.enqueue(email.pk)
    email.refresh_from_db()
    assert email.failed_at is not None and email.attempts == 2
