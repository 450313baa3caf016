"""allauth's account adapter: its emails are the site's own.

allauth renders an email in the request and sends it at once, naming the
site after the request's host. Here the email is rendered in the request
with the site's name and address (SITE_NAME, SITE_URL), as text and HTML,
and handed to `accounts.emails.send_rendered`, which queues it like every
other email the site sends: a mail server that is down then delays a
confirmation email rather than answering the sign-up with a 500.
"""

from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.emails import send_rendered


def site_url(path: str) -> str:
    """The absolute address of `path` on the site as it is served (SITE_URL),
    whatever host the request that asked for it came by."""
    return settings.SITE_URL + path


def current_site() -> SimpleNamespace:
    """What allauth's templates call `current_site`, named by the settings."""
    return SimpleNamespace(name=settings.SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    # allauth's messages, in the words of the site's other forms.
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": _(
            "The email address or password is not right: check them and try again"
        ),
        "email_taken": _("An account already uses this email address"),
        "enter_current_password": _("Enter your current password"),
        "incorrect_code": _("The code is not right: enter the code your app shows now"),
        "incorrect_password": _("The password is not right"),
        "invalid_or_expired_key": _("This link has expired or has already been used"),
        "invalid_password_reset": _("This link has expired or has already been used"),
        "unknown_email": _("No account uses this email address"),
        "unverified_primary_email": _("Confirm your email address first"),
        "same_as_current": _("Enter something different from what it is now"),
    }

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return site_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def get_reset_password_from_key_url(self, key: str) -> str:
        # As allauth builds it: one path segment holding "<uidb36>-<key>".
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return site_url(path.replace("UID-KEY", key))

    def send_account_already_exists_mail(self, email: str) -> None:
        context = {
            "signup_url": site_url(reverse("account_signup")),
            "password_reset_url": site_url(reverse("account_reset_password")),
        }
        self.send_mail("account/email/account_already_exists", email, context)

    def format_email_subject(self, subject: str) -> str:
        return subject

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        context = {
            "email": email,
            "current_site": current_site(),
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
            **context,
        }
        # allauth's own flows build a few addresses from the request (the
        # sign-up link in the "no account" email): served from SITE_URL instead.
        for key, value in list(context.items()):
            if key.endswith("_url") and isinstance(value, str):
                context[key] = self._on_site(value)
        request = self.request
        subject = render_to_string(f"{template_prefix}_subject.txt", context, request)
        send_rendered(
            subject=" ".join(subject.split()),
            body=render_to_string(f"{template_prefix}_message.txt", context, request).strip(),
            html=render_to_string(f"{template_prefix}_message.html", context, request),
            to=[email],
            kind="account",
        )

    def _on_site(self, url: str) -> str:
        request = self.request
        if request is None:
            return url
        root = request.build_absolute_uri("/")
        if url.startswith(root):
            return site_url("/" + url.removeprefix(root))
        return url
