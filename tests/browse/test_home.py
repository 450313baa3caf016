import pytest
from django.core.management import call_command

from initiatives.models import Initiative
from tests.factories import make_initiative

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_data():
    call_command("load_demo_data", verbosity=0)


def test_home_shows_totals_search_and_featured_initiatives(client, demo_data):
    response = client.get("/")
    assert response.status_code == 200
    page = response.text
    assert 'name="q"' in page and 'action="/initiatives/"' in page
    assert "Lawrence Weston community solar farm" in page
    published = Initiative.objects.published().count()
    assert response.context["counts"]["initiatives"] == published
    assert f"<dd>{published}</dd>" in page


def test_home_runs_a_bounded_number_of_queries(client, demo_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        client.get("/")
    Initiative.objects.published().update(featured=True)
    with django_assert_max_num_queries(10):
        client.get("/")


def test_home_never_features_an_unpublished_initiative(client, england, theme):
    make_initiative("Secret plan", places=[england], themes=[theme], state="pending", featured=True)
    response = client.get("/")
    assert "Secret plan" not in response.text
    assert response.context["counts"]["initiatives"] == 0


def test_an_unknown_page_gets_a_helpful_404(client, db):
    response = client.get("/initiatives/no-such-initiative/")
    assert response.status_code == 404
    assert "Page not found" in response.text and 'name="q"' in response.text
