"""Who may do what: the one place that views and templates ask."""

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
