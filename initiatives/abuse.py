"""Keeping spam out of public forms: a honeypot, a minimum time to fill the
form, and hourly limits per person and per address (counted in the cache,
Redis when REDIS_URL is set)."""

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MIN_FILL_SECONDS = 3
_SALT = "initiatives.abuse.form-started"


def form_started_token(now: float | None = None) -> str:
    """A signed record of when the form was shown."""
    return signing.dumps(int(now if now is not None else time.time()), salt=_SALT)


class HumanCheckForm(forms.Form):
    """A form that turns away what only a bot would send: a filled-in field
    that people never see, or a post within seconds of the form being shown."""

    # Hidden from people by CSS and from assistive technology by aria-hidden
    # in the template; bots that fill every field fill this one too.
    fax_number = forms.CharField(
        label=gettext_lazy("Leave this field empty"), required=False, max_length=100
    )
    form_started = forms.CharField(widget=forms.HiddenInput, required=False)

    BOT_MESSAGE = gettext_lazy(
        "Sorry, we could not accept that: it looked like an automated submission. "
        "If you are a person, please check your entries and send the form again."
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["form_started"] = form_started_token()

    def clean(self):
        cleaned = super().clean()
        if self.cleaned_data.get("fax_number"):
            raise ValidationError(self.BOT_MESSAGE, code="honeypot")
        try:
            started = signing.loads(self.data.get(self.add_prefix("form_started"), ""), salt=_SALT)
        except signing.BadSignature:
            started = None
        if not isinstance(started, int) or time.time() - started < MIN_FILL_SECONDS:
            raise ValidationError(self.BOT_MESSAGE, code="too_fast")
        return cleaned

    def is_bot(self) -> bool:
        return any(
            error.code in ("honeypot", "too_fast")
            for error in self.errors.as_data().get(forms.forms.NON_FIELD_ERRORS, [])
        )


def client_ip(request) -> str:
    """The client's address. Behind NUM_PROXIES trusted proxies, it is the
    address the outermost of them saw (the rest of X-Forwarded-For can be forged)."""
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


class HourlyLimit:
    """At most `limit` actions an hour for each key (a user id, an address)."""

    def __init__(self, name: str, limit: int):
        self.name = name
        self.limit = limit

    def _key(self, who) -> str:
        return f"limit:{self.name}:{who}:{int(time.time() // 3600)}"

    def reached(self, who) -> bool:
        return cache.get(self._key(who), 0) >= self.limit

    def record(self, who) -> None:
        key = self._key(who)
        cache.add(key, 0, timeout=3600 + 60)
        try:
            cache.incr(key)
        except ValueError:  # Expired between add() and incr().
            cache.set(key, 1, timeout=3600 + 60)


def submission_limits():
    return (
        HourlyLimit("submit-user", settings.SUBMISSIONS_PER_USER_PER_HOUR),
        HourlyLimit("submit-ip", settings.SUBMISSIONS_PER_IP_PER_HOUR),
    )


def limit_message(per_hour: int) -> str:
    return _(
        "We accept at most %(n)s submissions an hour from one person or one network, "
        "and that many have arrived. Please send this one again in an hour: your entries "
        "are kept below."
    ) % {"n": per_hour}
