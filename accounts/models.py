from allauth.account.models import EmailAddress
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        """A superuser, with their address confirmed: whoever runs
        `createsuperuser` on the server vouches for it, and staff sign in
        through the site's sign-in page, which asks for a confirmed one."""

        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        user = self._create_user(email, password, **extra_fields)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with an account. They sign in with their email address.

    `full_name` is private: it is shown only to staff. `public_name` is how
    the person is credited on the initiatives they choose to be credited on.
    """

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    public_name = models.CharField(
        _("public name"),
        max_length=150,
        blank=True,
        help_text=_("How you are credited on initiatives, if you choose to be."),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Whether the user can sign in to the staff pages."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    notify_new_items = models.BooleanField(
        _("email me about new items to moderate"),
        default=True,
        help_text=_("For moderators: an email when something new waits in the queue."),
    )
    # The other kinds of email a person may turn off (accounts/notifications.py
    # names each kind and who is offered it). Fields rather than a table of
    # choices: few kinds, read with the user at no extra query.
    notify_resubmissions = models.BooleanField(
        _("email me when a submission comes back after changes"), default=True
    )
    notify_membership_requests = models.BooleanField(
        _("email me about requests to act for an organisation"), default=True
    )
    notify_submission_updates = models.BooleanField(_("email me about what I submit"), default=True)
    notify_membership_updates = models.BooleanField(
        _("email me the outcome of my organisation requests"), default=True
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Sign-in looks people up by email whatever its case.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.public_name or self.full_name or self.email.split("@")[0]


class UndeliverableAddress(models.Model):
    """An address the mail server refused for good (a hard bounce). Nothing
    more is sent to it until its owner changes or confirms it again. Kept
    apart from User because alert followers need no account."""

    email = models.EmailField(_("email address"), max_length=254, unique=True)
    marked_at = models.DateTimeField(_("marked undeliverable at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("undeliverable address")
        verbose_name_plural = _("undeliverable addresses")

    def __str__(self):
        return self.email


class OutgoingEmailQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(sent_at__isnull=True, failed_at__isnull=True)

    def due(self, now=None):
        """Pending emails whose next attempt has come (the sweeper's query)."""
        return self.pending().filter(next_attempt_at__lte=now or timezone.now())

    def failed(self):
        return self.filter(failed_at__isnull=False)


class OutgoingEmail(models.Model):
    """An email on its way: rendered when it was asked for, and sent by the
    worker (accounts/tasks.py). The row is the outbox: `sent_at` says it
    left, so that however often its task runs, it leaves once."""

    to = models.JSONField(_("to"), default=list)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    kind = models.CharField(_("kind"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The sweeper's due() and the background work page's pending count.
            models.Index(
                fields=["next_attempt_at"],
                name="accounts_email_pending_idx",
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
            ),
            # The background work page's failed list.
            models.Index(
                fields=["-failed_at"],
                name="accounts_email_failed_idx",
                condition=models.Q(failed_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"
