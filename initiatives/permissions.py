"""Who may do what: the one place that views and templates ask."""

from functools import wraps

from allauth.mfa.models import Authenticator
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from communities.models import Membership
from initiatives.moderation.states import EDITABLE_STATES

MODERATORS = "Moderators"
CURATORS = "Curators"


def can_submit(user) -> bool:
    """Residents may submit once they have confirmed their email address."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.emailaddress_set.filter(verified=True).exists()


def can_moderate(user) -> bool:
    return user.is_active and user.has_perm("initiatives.moderate_initiative")


def can_curate(user) -> bool:
    return user.is_active and user.has_perm("initiatives.curate_initiative")


def can_submit_for(user, organisation) -> bool:
    """Approved members submit on their organisation's behalf."""
    return (
        can_submit(user)
        and Membership.objects.approved().filter(user=user, organisation=organisation).exists()
    )


def can_edit_submission(user, initiative) -> bool:
    """The submitter edits their own submission (a published one through a
    proposed edit); rejected and archived ones stay as they are."""
    return (
        user.is_authenticated
        and initiative.submitted_by_id == user.pk
        and (initiative.moderation_state in EDITABLE_STATES or initiative.is_public)
    )


def context(request):
    """What templates may show a person, asked here like everything else
    (a context processor: the header offers staff their pages)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_moderate": False, "can_curate": False}
    return {"can_moderate": can_moderate(user), "can_curate": can_curate(user)}


# Fields of an initiative that the admin shows but never changes: its state
# and publication date move only through a moderation decision (recorded,
# audited and told to the submitter), who sent it and the name they chose to
# be credited under are the submitter's own, and featuring is a curator's.
ADMIN_DECIDED_FIELDS = (
    "moderation_state_link",
    "moderation_state_shown",
    "published_at",
    "created_at",
    "updated_at",
    "submitted_by",
    "credit_submitter",
    "credit_name",
)


def _superuser(user) -> bool:
    return user.is_superuser


def _moderator_or_curator(user) -> bool:
    return can_moderate(user) or can_curate(user)


# What staff may do with each of this app's models in the admin. Records that
# only the site writes (decisions, proposals, alerts) are never added or
# changed here; an initiative's photos, places, organisations and sources are
# changed with it.
ADMIN_RIGHTS = {
    "initiatives.theme": {
        "view": can_curate,
        "add": can_curate,
        "change": can_curate,
        "delete": _superuser,
    },
    "initiatives.initiative": {
        "view": _moderator_or_curator,
        "add": _superuser,
        "change": _moderator_or_curator,
        "delete": _superuser,
    },
    "initiatives.initiativerevision": {"view": can_moderate, "delete": _superuser},
    "initiatives.proposedplace": {"view": can_moderate, "delete": _superuser},
    "initiatives.proposedorganisation": {"view": can_moderate, "delete": _superuser},
    "initiatives.moderationdecision": {"view": _superuser, "delete": _superuser},
    "initiatives.alert": {"view": _superuser, "delete": _superuser},
}


def admin_may(user, action: str, model) -> bool:
    """Whether `user` may `action` ("view", "add", "change", "delete") `model` in the admin."""
    if not (user.is_active and user.is_staff):
        return False
    check = ADMIN_RIGHTS.get(model._meta.label_lower, {}).get(action)
    return bool(check and check(user))


def admin_readonly_fields(user, model) -> tuple[str, ...]:
    """The fields of `model`'s admin form that `user` may read but not change."""
    if model._meta.label != "initiatives.Initiative":
        return ()
    return ADMIN_DECIDED_FIELDS + (() if can_curate(user) else ("featured",))


def can_import(user) -> bool:
    """Importing a list can publish at once: a moderator's power."""
    return can_moderate(user)


def is_staff_member(user) -> bool:
    """Moderators, curators and whoever may open the admin."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_staff or user.is_superuser or can_moderate(user) or can_curate(user))
    )


def needs_second_factor(user) -> bool:
    """Staff sign in with two factors: a member of staff without an
    authenticator app set up opens no staff page until they set one up.
    Everyone else may turn one on, and nobody asks them to."""
    return (
        is_staff_member(user)
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    )


# Where the person was going, for the "go on" link once they have set it up.
SECOND_FACTOR_NEXT = "second_factor_next"


def second_factor_required(view):
    """A view decorator for staff pages (the admin's among them): a member
    of staff without a second factor is sent to set one up first."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if needs_second_factor(request.user):
            request.session[SECOND_FACTOR_NEXT] = request.get_full_path()
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapped


def required(check):
    """A view decorator: anonymous visitors are sent to sign in; a signed-in
    person for whom `check(user)` is false gets 403; staff without a second
    factor are sent to set one up."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return second_factor_required(view)(request, *args, **kwargs)

        return wrapped

    return decorator


moderator_required = required(can_moderate)
curator_required = required(can_curate)
importer_required = required(can_import)
