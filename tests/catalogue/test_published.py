"""Only published initiatives are public, and published() is where that is decided."""

import pytest

from initiatives.models import Initiative
from tests.factories import make_initiative

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", [s for s in Initiative.State if s != Initiative.State.PUBLISHED])
def test_published_hides_every_other_state(england, theme, state, client):
    hidden = make_initiative("Hidden", places=[england], themes=[theme], state="draft")
    Initiative.objects.filter(pk=hidden.pk).update(moderation_state=state)
    shown = make_initiative("Shown", places=[england], themes=[theme])
    assert list(Initiative.objects.published()) == [shown]
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(shown.get_absolute_url()).status_code == 200


def test_publishing_sets_the_publication_date(england, theme):
    initiative = make_initiative("Pending", places=[england], themes=[theme], state="pending")
    assert initiative.published_at is None
    published = make_initiative("Published", places=[england], themes=[theme])
    assert published.published_at is not None
