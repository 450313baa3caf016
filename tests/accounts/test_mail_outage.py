"""The mail server is down while people sign up and submit: nobody sees an
error, nothing is lost, and once it is back every email arrives once, sent
by the queue's worker (`manage.py db_worker`, which `make run` starts).

Everything here is real but the clock: a local SMTP server (aiosmtpd) that
is stopped and started, the database queue (django-tasks-db) and its
worker, and transactions that commit. Waiting for a retry is played by
moving its time to now, as an hour passing would."""

import email
import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import OutgoingEmail
from accounts.tasks import retry_due_emails
from tests.submission_forms import form_data, verified_user

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-and-unusual-password-42"


class Inbox:
    """What the mail server received, each message parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content)
        self.messages.append((tuple(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mail_server(settings):
    """A mail server the site sends to, stopped until `.start()`."""
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.inbox = inbox
    yield controller
    if getattr(controller, "_thread", None) is not None:
        controller.stop()


def work_the_queue():
    """The worker takes every task that is due, then stops."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def time_passes():
    """Every retry that was waiting comes due."""
    now = timezone.now()
    OutgoingEmail.objects.pending().update(next_attempt_at=now)
    DBTaskResult.objects.filter(run_after__gt=now).update(run_after=now)


def test_emails_written_while_the_mail_server_is_down_arrive_once_it_is_back(
    client, mail_server, moderator, places, theme
):
    # A sign-up: today's answer must not be a 500.
    response = client.post(
        "/account/signup/",
        {"email": "sam@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    # A submission sent for moderation by someone already confirmed.
    submitter = verified_user("alex@example.org")
    client.force_login(submitter)
    response = client.post(
        "/initiatives/submit/", form_data(themes=[theme], place="Lawrence Weston")
    )
    assert response.status_code == 302, response.text[:2000]
    review = response.url
    assert client.post(review, {"submit": "1"}).status_code == 302

    # The worker tries each email and the server cannot be reached.
    work_the_queue()
    waiting = OutgoingEmail.objects.pending()
    recipients = sorted(address for row in waiting for address in row.to)
    assert recipients == ["alex@example.org", "moderator@example.org", "sam@example.org"]
    for row in waiting:
        assert row.attempts == 1
        assert row.next_attempt_at > timezone.now()
        assert "Connection refused" in row.last_error or "Errno" in row.last_error
    assert not OutgoingEmail.objects.failed().exists()

    # The server comes back; an hour passes; the worker sends what waited.
    mail_server.start()
    time_passes()
    work_the_queue()
    received = sorted(to for to, _ in mail_server.inbox.messages)
    assert received == [("alex@example.org",), ("moderator@example.org",), ("sam@example.org",)]
    assert not OutgoingEmail.objects.pending().exists()

    # The confirmation that waited still works, and links to the site's address.
    confirmation = next(m for to, m in mail_server.inbox.messages if to == ("sam@example.org",))
    text = next(part for part in confirmation.walk() if part.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    link = re.search(r"http://127\.0\.0\.1:8000(/account/confirm-email/\S+/)", body)[1]
    client.logout()
    assert client.post(link).status_code == 302

    # Nothing leaves twice: the sweeper and the worker again find nothing to do.
    time_passes()
    retry_due_emails.enqueue()
    work_the_queue()
    assert len(mail_server.inbox.messages) == 3


def test_an_email_still_refused_after_a_day_is_failed_and_kept_for_staff(client, mail_server):
    response = client.post(
        "/account/signup/",
        {"email": "sam@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    work_the_queue()
    # A day of retries goes by.
    OutgoingEmail.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    time_passes()
    work_the_queue()

    failed = OutgoingEmail.objects.get()
    assert failed.failed_at is not None and failed.sent_at is None
    assert failed.attempts == 2 and failed.last_error
    assert mail_server.inbox.messages == []
