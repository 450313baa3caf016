"""What happens around sign-in and email addresses (allauth's signals,
connected in AccountsConfig.ready): a person whose address the mail server
refused is told when they sign in, and changing or confirming the address
lets mail go to it again."""

from allauth.account.signals import (
    email_changed,
    email_confirmation_sent,
    email_confirmed,
    user_logged_in,
)
from django.contrib import messages
from django.dispatch import receiver
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts import services


@receiver(user_logged_in, dispatch_uid="accounts.undeliverable_notice")
def tell_of_undeliverable_address(sender, request, user, **kwargs):
    if request is not None and services.is_undeliverable(user.email):
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "Emails to %(email)s cannot be delivered: the mail server refused them, "
                    "so we have stopped sending any."
                )
                % {"email": user.email},
                reverse("account_email"),
                _("Change or confirm your email address"),
            ),
        )


@receiver(email_confirmed, dispatch_uid="accounts.confirmed_clears_undeliverable")
def confirmed(sender, request, email_address, **kwargs):
    services.clear_undeliverable(email_address.email)


@receiver(email_confirmation_sent, dispatch_uid="accounts.resend_clears_undeliverable")
def confirmation_sent(sender, request, confirmation, signup, **kwargs):
    # The person asked us to try the address again: let mail go to it (a
    # second hard bounce marks it again). A link confirms an EmailAddress,
    # a code a process holding the address.
    address = getattr(confirmation, "email_address", None)
    services.clear_undeliverable(
        getattr(address, "email", "") or getattr(confirmation, "email", "")
    )


@receiver(email_changed, dispatch_uid="accounts.changed_clears_undeliverable")
def changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    services.clear_undeliverable(to_email_address.email)
