"""Nothing private in any open-data answer: the API, CSV, GeoJSON, Open
Referral UK, the feeds and the embeddable map, for a published initiative
whose contact did not agree to be shown, whose submitter chose no credit and
which carries a moderator's note; and nothing of an unpublished one."""

import pytest
from django.contrib.auth import get_user_model

from initiatives.models import Initiative, ModerationDecision
from tests.factories import make_initiative, make_organisation

pytestmark = pytest.mark.django_db

SECRETS = (
    "hidden-contact@example.org",
    "Hidden Contact Person",
    "07700 900123",
    "submitter@example.org",
    "Submitter Surname",
    "internal note about the pantry",
    "Unpublished pantry",
)


@pytest.fixture
def initiatives(places, theme):
    submitter = get_user_model().objects.create_user(
        "submitter@example.org", public_name="Submitter Surname"
    )
    organisation = make_organisation("Pantry Trust")
    public = make_initiative(
        "Published pantry",
        places=[places["bristol"]],
        themes=[theme],
        organisations=[(organisation, "lead")],
        contact_name="Hidden Contact Person",
        contact_email="hidden-contact@example.org",
        contact_phone="07700 900123",
        contact_consent=False,
        submitted_by=submitter,
        credit_submitter=False,
        credit_name="Submitter Surname",
    )
    ModerationDecision.objects.create(
        initiative=public,
        from_state="pending",
        to_state="published",
        internal_note="internal note about the pantry",
    )
    hidden = make_initiative(
        "Unpublished pantry",
        places=[places["bristol"]],
        themes=[theme],
        organisations=[(organisation, "lead")],
        state=Initiative.State.PENDING,
    )
    return public, hidden, organisation


def open_data_urls(public, organisation, places, theme):
    from initiatives.opendata import openreferral

    bristol = places["bristol"]
    return [
        "/api/initiatives/",
        f"/api/initiatives/{public.slug}/",
        "/api/organisations/",
        "/initiatives/export.csv",
        "/api/initiatives.geojson",
        "/openreferral/services",
        f"/openreferral/services/{public.uuid}",
        "/openreferral/service_at_locations",
        f"/openreferral/service_at_locations/{openreferral.flip_service_at_location_id(public.uuid)}",
        f"/openreferral/organizations/{organisation.uuid}",
        "/feeds/initiatives.rss",
        "/feeds/initiatives.atom",
        f"/places/{bristol.slug}/feed.atom",
        f"/themes/{theme.slug}/feed.rss",
        f"/organisations/{organisation.slug}/feed.atom",
        f"/embed/map/?place={bristol.slug}",
        f"/places/{bristol.slug}/",
    ]


def body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_no_open_data_answer_holds_anything_private_or_unpublished(
    client, initiatives, places, theme
):
    public, _hidden, organisation = initiatives
    for url in open_data_urls(public, organisation, places, theme):
        response = client.get(url)
        assert response.status_code == 200, url
        text = body(response)
        # The answer does show the public things (so the test reads real data).
        assert "Published pantry" in text or "Pantry Trust" in text, url
        leaked = [secret for secret in SECRETS if secret in text]
        assert not leaked, f"{url} shows {leaked}"


def test_a_contact_who_agreed_is_shown_in_the_api_csv_and_open_referral(
    client, initiatives, places, theme
):
    public, _hidden, _organisation = initiatives
    Initiative.objects.filter(pk=public.pk).update(contact_consent=True)
    for url in (
        f"/api/initiatives/{public.slug}/",
        "/initiatives/export.csv",
        f"/openreferral/services/{public.uuid}",
    ):
        assert "hidden-contact@example.org" in body(client.get(url)), url
