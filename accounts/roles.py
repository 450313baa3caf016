"""Who moderates, for the emails sent to moderators and the choices offered
them. Staff roles are groups made by a migration; the group's name is the
one thing the apps share (initiatives.permissions.MODERATORS is the same
group), so that communities can reach moderators without asking initiatives."""

from accounts.models import User

MODERATORS = "Moderators"


def moderators():
    """Active members of the moderators' group."""
    return User.objects.filter(groups__name=MODERATORS, is_active=True).distinct().order_by("pk")


def is_moderator(user) -> bool:
    return user.is_authenticated and user.is_active and user.groups.filter(name=MODERATORS).exists()
