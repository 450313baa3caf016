"""Staff edit initiatives, with their places, organisations and themes, in the
admin; what is published is decided on the moderation pages alone, whoever
opens the admin."""

import pytest
from django.urls import reverse

from initiatives.models import Initiative, ModerationDecision
from tests.factories import make_initiative, make_organisation, make_place, make_theme

pytestmark = pytest.mark.django_db

STAFF = ["moderator", "curator", "staff"]


@pytest.fixture(params=STAFF)
def member_of_staff(request):
    """Each persona who may open an initiative in the admin."""
    return request.getfixturevalue(request.param)


def inline(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


@pytest.fixture
def initiative(england, theme):
    return make_initiative("Solar farm", places=[england], themes=[theme])


def form_data(initiative, places, organisations=(), themes=None, **overrides):
    data = {
        "title": initiative.title,
        "slug": initiative.slug,
        "summary": initiative.summary,
        "description": initiative.description,
        "how_to_adapt": "",
        "activity_status": "active",
        "themes": [t.pk for t in (themes or initiative.themes.all())],
        "location_is_place_centre": "on",
        **inline("initiative_places", places, initial=initiative.initiative_places.count()),
        **inline("initiative_organisations", organisations),
        **inline("images", []),
        **inline("sources", []),
    }
    data.update(overrides)
    return data


def test_staff_edit_places_organisations_and_themes(client, member_of_staff, initiative, england):
    client.force_login(member_of_staff)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    assert client.get(url).status_code == 200
    bristol = make_place("Bristol", parent=england, latitude=51.4545, longitude=-2.5879)
    energy = make_theme("Energy")
    ambition = make_organisation("Ambition Lawrence Weston")
    link = initiative.initiative_places.get()
    places = [
        {"id": link.pk, "initiative": initiative.pk, "place": england.pk, "is_primary": ""},
        {"initiative": initiative.pk, "place": bristol.pk, "is_primary": "on"},
    ]
    organisations = [{"initiative": initiative.pk, "organisation": ambition.pk, "role": "lead"}]
    response = client.post(url, form_data(initiative, places, organisations, themes=[energy]))
    assert response.status_code == 302, response.context["errors"]
    initiative.refresh_from_db()
    assert initiative.primary_place == bristol
    assert set(initiative.places.all()) == {england, bristol}
    assert list(initiative.themes.all()) == [energy]
    assert initiative.initiative_organisations.get().organisation == ambition
    # Without a pin, the map moves to the new primary place.
    assert (initiative.latitude, initiative.longitude) == (51.4545, -2.5879)


def test_the_admin_insists_on_exactly_one_primary_place(
    client, member_of_staff, initiative, england
):
    client.force_login(member_of_staff)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    link = initiative.initiative_places.get()
    places = [{"id": link.pk, "initiative": initiative.pk, "place": england.pk, "is_primary": ""}]
    response = client.post(url, form_data(initiative, places))
    assert response.status_code == 200
    assert "Mark exactly one of the places as the primary place." in response.text


def one_place(initiative, place):
    link = initiative.initiative_places.get()
    return [{"id": link.pk, "initiative": initiative.pk, "place": place.pk, "is_primary": "on"}]


@pytest.mark.parametrize(
    ("state", "tried"),
    [
        (Initiative.State.PENDING, Initiative.State.PUBLISHED),
        (Initiative.State.PUBLISHED, Initiative.State.DRAFT),
        (Initiative.State.PUBLISHED, Initiative.State.ARCHIVED),
    ],
)
def test_no_member_of_staff_moves_the_moderation_state_in_the_admin(
    client, member_of_staff, england, theme, state, tried
):
    initiative = make_initiative("Solar farm", places=[england], themes=[theme], state=state)
    client.force_login(member_of_staff)
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    data = form_data(
        initiative, one_place(initiative, england), moderation_state=tried, published_at=""
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    initiative.refresh_from_db()
    assert initiative.moderation_state == state
    assert not ModerationDecision.objects.exists()


def test_the_admin_shows_the_state_with_a_way_to_the_moderation_page(
    client, member_of_staff, england, theme
):
    initiative = make_initiative(
        "Solar farm", places=[england], themes=[theme], state=Initiative.State.PENDING
    )
    client.force_login(member_of_staff)
    response = client.get(reverse("admin:initiatives_initiative_change", args=[initiative.pk]))
    assert 'name="moderation_state"' not in response.text
    assert 'name="published_at"' not in response.text
    assert 'name="submitted_by"' not in response.text
    moderation_page = reverse("initiatives:moderation-initiative", args=[initiative.pk])
    # The way to the moderation page, for those who may take it.
    assert (moderation_page in response.text) is (member_of_staff.email != "curator@example.org")
    assert "Waiting for moderation" in response.text


def test_an_initiative_added_in_the_admin_waits_for_moderation(client, staff, england, theme):
    client.force_login(staff)
    data = {
        "title": "Repair café",
        "slug": "repair-cafe",
        "summary": "Fixing things together.",
        "description": "Once a month.",
        "how_to_adapt": "",
        "activity_status": "active",
        "themes": [theme.pk],
        "location_is_place_centre": "on",
        "moderation_state": "published",
        **inline("initiative_places", [{"place": england.pk, "is_primary": "on"}]),
        **inline("initiative_organisations", []),
        **inline("images", []),
        **inline("sources", []),
    }
    response = client.post(reverse("admin:initiatives_initiative_add"), data)
    assert response.status_code == 302, response.context["errors"]
    initiative = Initiative.objects.get(slug="repair-cafe")
    assert initiative.moderation_state == Initiative.State.PENDING
    assert initiative.published_at is None


@pytest.mark.parametrize(("persona", "features"), [("curator", True), ("moderator", False)])
def test_only_curators_feature_in_the_admin(
    client, request, initiative, england, persona, features
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("admin:initiatives_initiative_change", args=[initiative.pk])
    response = client.post(
        url, form_data(initiative, one_place(initiative, england), featured="on")
    )
    assert response.status_code == 302, response.context["errors"]
    initiative.refresh_from_db()
    assert initiative.featured is features


def test_every_admin_list_and_add_page_opens_for_a_superuser(client, staff, initiative):
    client.force_login(staff)
    for model in [
        "initiatives/initiative",
        "initiatives/theme",
        "communities/place",
        "communities/organisation",
        "accounts/user",
    ]:
        assert client.get(f"/admin/{model}/").status_code == 200, model
        assert client.get(f"/admin/{model}/add/").status_code == 200, model


def test_residents_cannot_open_the_admin(client, resident):
    client.force_login(resident)
    response = client.get("/admin/initiatives/initiative/")
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_staff_see_who_changed_a_place_an_organisation_and_an_initiative(
    client, staff, published, england
):

    organisation = make_organisation("Bristol Energy Network")
    client.force_login(staff)
    for obj in (published, england, organisation):
        obj.save()
        meta = obj._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/history/"
        response = client.get(url)
        assert response.status_code == 200, url
        assert obj.history.count() >= 1
