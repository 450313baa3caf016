"""Staff roles come from groups made by a migration; permissions are asked
of one module."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import AnonymousUser, Group

from initiatives import permissions

pytestmark = pytest.mark.django_db


def member_of(user, name):
    user.groups.add(Group.objects.get(name=name))
    return type(user).objects.get(pk=user.pk)  # a fresh user: permissions are cached


def test_the_staff_groups_exist_with_their_permissions():
    moderators = set(
        Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True)
    )
    curators = set(
        Group.objects.get(name="Curators").permissions.values_list("codename", flat=True)
    )
    assert "moderate_initiative" in moderators and "curate_initiative" not in moderators
    assert "curate_initiative" in curators and "moderate_initiative" not in curators


def test_a_moderator_moderates_but_does_not_curate_unless_also_a_curator(resident):
    moderator = member_of(resident, permissions.MODERATORS)
    assert permissions.can_moderate(moderator)
    assert not permissions.can_curate(moderator)
    both = member_of(moderator, permissions.CURATORS)
    assert permissions.can_moderate(both) and permissions.can_curate(both)


def test_a_resident_neither_moderates_nor_curates(resident):
    assert not permissions.can_moderate(resident)
    assert not permissions.can_curate(resident)


def test_only_a_confirmed_email_may_submit(resident, client):
    assert not permissions.can_submit(resident)
    EmailAddress.objects.create(user=resident, email=resident.email, verified=True, primary=True)
    assert permissions.can_submit(resident)
    resident.is_active = False
    assert not permissions.can_submit(resident)


def test_an_anonymous_visitor_may_not_submit():

    assert not permissions.can_submit(AnonymousUser())
    assert not permissions.can_moderate(AnonymousUser())
