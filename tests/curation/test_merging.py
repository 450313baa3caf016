"""Curators merge a duplicate place or organisation into the one to keep:
every link moves, nothing is lost, and the duplicate goes."""

import pytest
from django.core.exceptions import ValidationError

from communities.models import Membership, Organisation, Place
from initiatives.curation.merging import merge_organisations, merge_places
from initiatives.models import (
    Initiative,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeRevision,
    ProposedOrganisation,
    ProposedPlace,
)
from initiatives.submissions.entries import live_entry_data
from tests.factories import make_initiative, make_organisation, make_place
from tests.submission_forms import verified_user

Role = InitiativeOrganisation.Role
pytestmark = pytest.mark.django_db


@pytest.fixture
def second_bristol(places):
    """Bristol entered twice: the second has the GSS code and a place within it."""
    duplicate = make_place(
        "Bristol", kind="local_authority", parent=places["south-west"], gss_code="E06000023"
    )
    make_place("Avonmouth", kind="neighbourhood", parent=duplicate)
    return Place.objects.get(pk=duplicate.pk)


def links(initiative):
    return {
        link.place.slug: link.is_primary
        for link in InitiativePlace.objects.filter(initiative=initiative).select_related("place")
    }


def assert_tree_is_sound():
    assert all(not problems for problems in Place.objects.find_problems())


# Places


def test_merging_places_keeps_every_relation_and_deletes_the_duplicate(
    places, second_bristol, theme
):
    bristol, bath = places["bristol"], places["bath"]
    only_there = make_initiative("Avonmouth food bank", places=[second_bristol], themes=[theme])
    primary_in_both = make_initiative(
        "Bristol solar", places=[second_bristol, bristol], themes=[theme]
    )
    secondary_in_both = make_initiative(
        "Bristol tool library", places=[bristol, second_bristol], themes=[theme]
    )
    elsewhere = make_initiative("Bath repair cafe", places=[bath, second_bristol], themes=[theme])
    serving_one = make_organisation("Avonmouth Community Association", places=[second_bristol])
    serving_both = make_organisation("Bristol City Council", places=[bristol, second_bristol])
    within = ProposedPlace.objects.create(
        name="Shirehampton", initiative=elsewhere, within=second_bristol
    )
    matched = ProposedPlace.objects.create(
        name="Bristol city", initiative=elsewhere, within=bath, place=second_bristol
    )
    revision = InitiativeRevision.objects.create(
        initiative=only_there, data=live_entry_data(only_there)
    )
    assert revision.data["primary_place"] == second_bristol.pk

    kept = merge_places(second_bristol, bristol)

    assert kept == bristol
    assert not Place.objects.filter(pk=second_bristol.pk).exists()
    assert links(only_there) == {"bristol": True}
    assert links(primary_in_both) == {"bristol": True}
    assert links(secondary_in_both) == {"bristol": True}
    assert links(elsewhere) == {"bath": True, "bristol": False}
    assert list(serving_one.places.all()) == [bristol]
    assert list(serving_both.places.all()) == [bristol]
    within.refresh_from_db()
    matched.refresh_from_db()
    assert within.within == bristol and matched.place == bristol and matched.within == bath
    revision.refresh_from_db()
    assert revision.data["primary_place"] == bristol.pk
    children = [p.name for p in Place.objects.get_children(Place.objects.get(pk=bristol.pk))]
    assert children == ["Avonmouth", "Lawrence Weston"]
    assert_tree_is_sound()
    kept.refresh_from_db()
    assert kept.gss_code == "E06000023"
    assert (kept.latitude, kept.longitude) == (51.4545, -2.5879)  # its own centre stays
    only_there.refresh_from_db()
    assert (only_there.latitude, only_there.longitude) == (51.4545, -2.5879)


def test_a_place_without_a_centre_takes_the_duplicates(places):
    bare = make_place("Keynsham", parent=places["south-west"], latitude=None, longitude=None)
    duplicate = make_place("Keynsham town", parent=places["bath"], latitude=51.41, longitude=-2.5)
    kept = merge_places(duplicate, bare)
    assert (kept.latitude, kept.longitude) == (51.41, -2.5)
    assert_tree_is_sound()


def test_a_place_cannot_merge_into_itself_or_a_place_within_it(places, published):
    england, bristol = places["england"], places["bristol"]
    for duplicate, keep, refusal in (
        (england, bristol, "a place cannot merge into a place inside it"),
        (places["south-west"], bristol, "a place cannot merge into a place inside it"),
        (bath := places["bath"], bath, "a place cannot merge into itself"),
    ):
        with pytest.raises(ValidationError, match=refusal):
            merge_places(duplicate, keep)
    assert Place.objects.filter(pk__in=[england.pk, bristol.pk, bath.pk]).count() == 3
    assert links(published) == {"england": True}
    assert_tree_is_sound()


def test_a_duplicate_within_the_place_kept_merges_into_it(places, theme):
    bristol = places["bristol"]
    duplicate = make_place("Bristol", kind="local_authority", parent=bristol)
    make_place("Hartcliffe", kind="neighbourhood", parent=duplicate)
    initiative = make_initiative("Hartcliffe farm", places=[duplicate], themes=[theme])
    merge_places(duplicate, bristol)
    bristol = Place.objects.get(pk=bristol.pk)
    assert [p.name for p in Place.objects.get_children(bristol)] == [
        "Hartcliffe",
        "Lawrence Weston",
    ]
    assert bristol.numchild == 2
    assert links(initiative) == {"bristol": True}
    assert_tree_is_sound()


def test_a_curator_merges_places_after_seeing_what_will_move(
    client, curator, places, second_bristol, theme
):
    make_initiative("Avonmouth food bank", places=[second_bristol], themes=[theme])
    client.force_login(curator)
    data = {"duplicate": second_bristol.slug, "keep": "bristol"}
    response = client.post("/curation/merge/places/", data)
    assert response.status_code == 200
    moves = dict(response.context["moves"])
    assert moves["Initiatives serving it"] == 1
    assert moves["Places directly within it"] == 1
    assert 'name="confirm" value="yes"' in response.text
    assert Place.objects.filter(pk=second_bristol.pk).exists()  # nothing done yet

    response = client.post("/curation/merge/places/", {**data, "confirm": "yes"}, follow=True)
    assert response.redirect_chain == [("/curation/merge/places/", 302)]
    assert "“Bristol, South West” was merged into “Bristol, South West” and deleted." in (
        response.text
    )
    assert not Place.objects.filter(pk=second_bristol.pk).exists()


def test_the_merge_form_refuses_a_place_within_the_duplicate(client, curator, places):
    client.force_login(curator)
    for data in (
        {"duplicate": "south-west", "keep": "Bristol", "confirm": "yes"},
        {"duplicate": "bath", "keep": "bath", "confirm": "yes"},
    ):
        response = client.post("/curation/merge/places/", data)
        assert response.status_code == 400
        assert 'class="error-summary"' in response.text
    assert (
        "cannot merge into a place inside it"
        in client.post(
            "/curation/merge/places/", {"duplicate": "south-west", "keep": "bristol"}
        ).text
    )
    response = client.post("/curation/merge/places/", {"duplicate": "Atlantis", "keep": ""})
    assert response.status_code == 400
    assert "We do not know a place called “Atlantis”" in response.text
    assert "Enter the place to keep." in response.text
    assert Place.objects.count() == 7
    assert_tree_is_sound()


# Organisations


def test_merging_organisations_keeps_links_roles_memberships_and_submissions(
    places, theme, resident
):
    keep = make_organisation("Bristol Energy Network", places=[places["bristol"]])
    duplicate = make_organisation(
        "Bristol Energy Network",
        places=[places["bath"], places["bristol"]],
        website="https://ben.example.org/",
        description="Community energy across Bristol.",
    )
    both_lead = make_initiative(
        "Bristol solar",
        places=[places["bristol"]],
        themes=[theme],
        organisations=[(keep, Role.LEAD), (duplicate, Role.LEAD)],
    )
    other_role = make_initiative(
        "Bath heat pumps",
        places=[places["bath"]],
        themes=[theme],
        organisations=[(keep, Role.FUNDER), (duplicate, Role.PARTNER)],
        on_behalf_of=duplicate,
    )
    member_of_both = verified_user("officer@example.org")
    Membership.objects.create(user=member_of_both, organisation=keep, job_title="")
    Membership.objects.create(
        user=member_of_both,
        organisation=duplicate,
        job_title="Energy officer",
        state=Membership.State.APPROVED,
    )
    Membership.objects.create(user=resident, organisation=duplicate)
    proposal = ProposedOrganisation.objects.create(
        name="BEN", initiative=other_role, organisation=duplicate
    )
    revision = InitiativeRevision.objects.create(
        initiative=other_role, data=live_entry_data(other_role)
    )

    merge_organisations(duplicate, keep)

    assert not Organisation.objects.filter(pk=duplicate.pk).exists()
    roles = set(
        InitiativeOrganisation.objects.filter(organisation=keep).values_list(
            "initiative__title", "role"
        )
    )
    assert roles == {
        ("Bristol solar", Role.LEAD),
        ("Bath heat pumps", Role.FUNDER),
        ("Bath heat pumps", Role.PARTNER),
    }
    assert InitiativeOrganisation.objects.filter(initiative=both_lead).count() == 1
    other_role.refresh_from_db()
    assert other_role.on_behalf_of == keep
    memberships = {m.user: m for m in Membership.objects.filter(organisation=keep)}
    assert set(memberships) == {member_of_both, resident}
    assert memberships[member_of_both].state == Membership.State.APPROVED
    assert memberships[member_of_both].job_title == "Energy officer"
    assert memberships[resident].state == Membership.State.REQUESTED
    proposal.refresh_from_db()
    assert proposal.organisation == keep
    assert set(keep.places.values_list("slug", flat=True)) == {"bristol", "bath"}
    keep.refresh_from_db()
    assert keep.website == "https://ben.example.org/"
    assert keep.description == "Community energy across Bristol."
    revision.refresh_from_db()
    assert revision.data["on_behalf_of"] == keep.pk
    assert sorted(map(tuple, revision.data["organisations"])) == [
        (keep.pk, "funder"),
        (keep.pk, "partner"),
    ]


def test_an_organisation_cannot_merge_into_itself(places):
    organisation = make_organisation("Bristol Energy Network")
    with pytest.raises(ValidationError, match="an organisation cannot merge into itself"):
        merge_organisations(organisation, organisation)
    assert Organisation.objects.filter(pk=organisation.pk).exists()


def test_a_curator_merges_two_organisations_of_the_same_name(client, curator, places, theme):
    keep = make_organisation("Bristol Energy Network")
    duplicate = make_organisation("Bristol Energy Network")
    initiative = make_initiative(
        "Bristol solar",
        places=[places["bristol"]],
        themes=[theme],
        organisations=[(duplicate, Role.LEAD)],
    )
    client.force_login(curator)
    # Their names are the same: the list gives each one's slug, which tells them apart.
    response = client.post(
        "/curation/merge/organisations/", {"duplicate": "Bristol Energy Network", "keep": "x"}
    )
    assert response.status_code == 400
    assert "Several organisations are called" in response.text
    data = {"duplicate": duplicate.slug, "keep": keep.slug}
    response = client.post("/curation/merge/organisations/", data)
    assert dict(response.context["moves"])["Links to initiatives (one per role)"] == 1
    response = client.post("/curation/merge/organisations/", {**data, "confirm": "yes"})
    assert response.status_code == 302
    assert list(Organisation.objects.all()) == [keep]
    assert list(Initiative.objects.involving(keep)) == [initiative]


def test_after_a_merge_a_search_finds_initiatives_by_the_name_kept(client, places, theme):
    # On PostgreSQL the stored search text must be brought up to date.
    misspelt = make_place("Lawrence Westen", kind="neighbourhood", parent=places["bristol"])
    duplicate = make_organisation("Westen Community Trust")
    keep = make_organisation("Ambition Lawrence Weston")
    initiative = make_initiative(
        "Community wind turbine",
        places=[misspelt],
        themes=[theme],
        organisations=[(duplicate, Role.LEAD)],
    )

    def found(q):
        return [i.title for i in client.get("/initiatives/", {"q": q}).context["page"]]

    assert found("weston") == [] and found("ambition") == []
    merge_places(misspelt, places["lawrence-weston"])
    assert found("weston") == [initiative.title]
    merge_organisations(duplicate, keep)
    assert found("ambition") == [initiative.title]
