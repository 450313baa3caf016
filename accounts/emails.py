"""Emails to people, from templates: emails/<name>_subject.txt, <name>.txt
and <name>.html, rendered with the same context.

Every email goes through the outbox: it is rendered here, in the caller
(which has the request, the language and the objects at hand), kept as an
OutgoingEmail row in the caller's transaction, and sent by the worker once
that transaction commits (accounts/tasks.py), with retries while the mail
server is away. Nothing is sent for a transaction that rolls back."""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from accounts.models import OutgoingEmail
from accounts.tasks import enqueue_delivery


def send_templated(
    name: str, to: list[str], context: dict, headers: dict[str, str] | None = None
) -> OutgoingEmail:
    context = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    return send_rendered(
        subject=render_to_string(f"emails/{name}_subject.txt", context),
        body=render_to_string(f"emails/{name}.txt", context),
        html=render_to_string(f"emails/{name}.html", context),
        to=to,
        headers=headers,
        kind=name,
    )


def send_rendered(
    *,
    subject: str,
    body: str,
    html: str = "",
    to: list[str],
    headers: dict[str, str] | None = None,
    kind: str = "",
) -> OutgoingEmail:
    """Queue an email already rendered (allauth's adapter renders its own)."""
    # Header values may be str subclasses that fold themselves (the alerts'
    # List-Unsubscribe); the row keeps their text.
    headers = {key: str(value) for key, value in (headers or {}).items()}
    if any("\r" in text or "\n" in text for text in [*headers, *headers.values()]):
        # Refused here, in the caller: kept, it could never be sent, and its
        # task would fail at every sweep.
        raise ValueError("A header cannot contain a line break.")
    email = OutgoingEmail.objects.create(
        to=list(to),
        # One line: a subject template's line breaks would end the header.
        subject=" ".join(subject.split()),
        body=body,
        html=html,
        headers=headers,
        kind=kind[:60],
    )
    transaction.on_commit(partial(enqueue_delivery, email.pk))
    return email
