"""Writes about people's accounts: addresses the mail server refuses."""

from django.db import transaction

from accounts.models import UndeliverableAddress, User
from accounts.notifications import KINDS


def _normalised(address: str) -> str:
    return (address or "").strip().lower()


@transaction.atomic
def mark_undeliverable(address: str, reason: str = "") -> None:
    """Record that the mail server refused `address` for good (a hard
    bounce): nothing more is sent to it, and if it is an account's address
    the person is told when they next sign in. Marking twice keeps the first
    date."""
    address = _normalised(address)
    if address:
        UndeliverableAddress.objects.get_or_create(
            email=address, defaults={"reason": (reason or "")[:500]}
        )


def is_undeliverable(address: str) -> bool:
    """Whether mail to `address` must not be sent."""
    address = _normalised(address)
    return bool(address) and UndeliverableAddress.objects.filter(email=address).exists()


def clear_undeliverable(address: str) -> None:
    """The person changed or confirmed their address: mail may go again."""
    UndeliverableAddress.objects.filter(email=_normalised(address)).delete()


def notifications_choose(user, wanted: dict[str, bool]) -> None:
    """Save which kinds of email `user` wants, from kind name to yes or no;
    kinds not named stay as they were."""
    fields = {KINDS[name].field: bool(on) for name, on in wanted.items() if name in KINDS}
    if fields:
        User.objects.filter(pk=user.pk).update(**fields)
        for field, value in fields.items():
            setattr(user, field, value)
