"""Curators shape what the public sees: collections of initiatives, and the
initiatives featured on the home page. Nobody else reaches their pages."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from communities.models import Organisation, Place
from initiatives.curation import services as curation
from initiatives.models import Collection, CollectionItem, Initiative
from tests.factories import make_initiative, make_organisation
from tests.submission_forms import with_second_factor

State = Initiative.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def solar(published):
    return published


@pytest.fixture
def fridge(england, theme):
    return make_initiative("Knowle West fridge", places=[england], themes=[theme])


@pytest.fixture
def pending(england, theme):
    return make_initiative(
        "Hartcliffe tool library", places=[england], themes=[theme], state=State.PENDING
    )


@pytest.fixture
def collection(solar, fridge):
    return curation.collection_save(
        title="Energy together", introduction="Start here.", initiatives=[fridge, solar]
    )


def curation_urls(collection, initiative):
    return [
        "/curation/",
        "/curation/collections/new/",
        f"/curation/collections/{collection.slug}/",
        f"/curation/initiatives/{initiative.pk}/feature/",
        "/curation/merge/places/",
        "/curation/merge/organisations/",
    ]


def featured_section(client):
    page = client.get("/").text
    return page[page.index('id="featured-heading"') : page.index('id="newest-heading"')]


# Who may curate


def test_anonymous_visitors_are_sent_to_sign_in_from_every_curation_page(client, collection, solar):
    for url in curation_urls(collection, solar):
        for response in (client.get(url), client.post(url, {"title": "Hijacked"})):
            assert response.status_code == 302, url
            assert response.url.startswith("/account/login/?next=")


def test_residents_and_moderators_are_refused_every_curation_page(
    client, collection, solar, resident, moderator, places
):
    keep = make_organisation("Bristol Energy Network")
    duplicate = make_organisation("Bristol Energy Network CIC")
    for user in (resident, moderator):
        client.force_login(user)
        for url in curation_urls(collection, solar):
            assert client.get(url).status_code == 403, (user, url)
            assert client.post(url, {"title": "Hijacked"}).status_code == 403, (user, url)
        merges = {
            "/curation/merge/places/": {"duplicate": "bath", "keep": "bristol"},
            "/curation/merge/organisations/": {"duplicate": duplicate.slug, "keep": keep.slug},
        }
        for url, data in merges.items():
            assert client.post(url, {**data, "confirm": "yes"}).status_code == 403
    collection.refresh_from_db()
    solar.refresh_from_db()
    assert collection.title == "Energy together" and not solar.featured
    assert Place.objects.filter(slug="bath").exists()
    assert Organisation.objects.filter(pk=duplicate.pk).exists()


def test_curators_reach_every_curation_page_without_being_superusers(
    client, collection, solar, curator
):
    assert not curator.is_superuser
    client.force_login(curator)
    feature_url = f"/curation/initiatives/{solar.pk}/feature/"
    for url in curation_urls(collection, solar):
        expected = 405 if url == feature_url else 200
        assert client.get(url).status_code == expected, url


def test_the_curation_page_lists_collections_featured_initiatives_and_merges(
    client, curator, collection, solar, fridge
):
    curation.feature(solar, featured=True)
    curation.collection_save(title="Not ready yet", is_public=False)
    client.force_login(curator)
    page = client.get("/curation/").text
    assert "Energy together" in page and "Not ready yet" in page
    assert f'href="/curation/collections/{collection.slug}/"' in page
    assert 'href="/curation/collections/new/"' in page
    assert f'action="/curation/initiatives/{solar.pk}/feature/"' in page
    assert f'action="/curation/initiatives/{fridge.pk}/feature/"' not in page
    assert 'href="/curation/merge/places/"' in page
    assert 'href="/curation/merge/organisations/"' in page


# Collections


def test_a_curator_builds_a_collection_that_the_public_sees_in_order(
    client, curator, solar, fridge
):
    client.force_login(curator)
    response = client.post(
        "/curation/collections/new/",
        {"title": "Energy, together", "introduction": "Two to copy.", "is_public": "on"},
    )
    collection = Collection.objects.get()
    assert collection.slug == "energy-together"
    assert collection.created_by == curator
    assert response.status_code == 302 and response.url == "/curation/collections/energy-together/"
    url = response.url
    client.post(url, {"title": "Energy, together", "is_public": "on", "add": solar.title})
    client.post(
        url,
        {
            "title": "Energy, together",
            "introduction": "Two to copy.\n\nBoth in Bristol.",
            "is_public": "on",
            f"position_{solar.pk}": "1",
            "add": fridge.title,
        },
    )
    assert [i.initiative for i in collection.items.all()] == [solar, fridge]

    client.logout()
    index = client.get("/collections/")
    assert "Energy, together" in index.text
    assert [(c.title, c.n) for c in index.context["page"]] == [("Energy, together", 2)]
    page = client.get("/collections/energy-together/").text
    assert page.index(solar.title) < page.index(fridge.title)
    assert "<p>Two to copy.</p>\n\n<p>Both in Bristol.</p>" in page


def test_a_curator_reorders_and_removes_initiatives(
    client, curator, collection, solar, fridge, england, theme
):
    other = make_initiative("Lawrence Weston wind turbine", places=[england], themes=[theme])
    curation.collection_save(
        collection=collection, title=collection.title, initiatives=[fridge, solar, other]
    )
    client.force_login(curator)
    response = client.post(
        f"/curation/collections/{collection.slug}/",
        {
            "title": "Energy together",
            "is_public": "on",
            f"position_{fridge.pk}": "3",
            f"position_{solar.pk}": "2",
            f"position_{other.pk}": "1",
            f"remove_{solar.pk}": "on",
        },
    )
    assert response.status_code == 302
    assert [i.initiative for i in collection.items.all()] == [other, fridge]
    assert Initiative.objects.filter(pk=solar.pk).exists()  # out of the collection only
    page = client.get(collection.get_absolute_url()).text
    assert page.index(other.title) < page.index(fridge.title) and solar.title not in page


def test_the_edit_form_shows_each_initiative_with_its_position_and_a_remove_box(
    client, curator, collection, solar, fridge
):
    client.force_login(curator)
    page = client.get(f"/curation/collections/{collection.slug}/").text
    assert f'name="position_{fridge.pk}" value="1"' in page
    assert f'name="position_{solar.pk}" value="2"' in page
    assert f'name="remove_{solar.pk}"' in page
    assert '<datalist id="initiative-options">' in page
    assert f'<option value="{solar.title}">' in page


def test_an_unpublished_initiative_in_a_collection_never_shows_publicly(
    client, curator, collection, solar, fridge, pending
):
    # An item published when added and archived later stays in the collection
    # for curators, but the public sees only what is published.
    Initiative.objects.filter(pk=fridge.pk).update(moderation_state=State.ARCHIVED)
    CollectionItem.objects.create(collection=collection, initiative=pending, position=3)
    page = client.get(collection.get_absolute_url()).text
    assert solar.title in page
    assert fridge.title not in page and pending.title not in page
    index = client.get("/collections/")
    assert [c.n for c in index.context["page"]] == [1]

    client.force_login(curator)
    assert fridge.title not in client.get(collection.get_absolute_url()).text
    edit = client.get(f"/curation/collections/{collection.slug}/").text
    assert fridge.title in edit and "Not published" in edit


def test_only_a_published_initiative_can_be_added(client, curator, collection, pending):
    client.force_login(curator)
    response = client.post(
        f"/curation/collections/{collection.slug}/",
        {"title": "Energy together", "add": pending.title},
    )
    assert response.status_code == 400
    page = response.text
    assert 'class="error-summary"' in page
    assert "No published initiative is called" in page and 'href="#id_add"' in page
    assert not collection.items.filter(initiative=pending).exists()
    with pytest.raises(ValidationError, match="Only published initiatives can be added"):
        curation.collection_save(
            collection=collection, title="Energy together", initiatives=[pending]
        )


def test_an_initiative_already_in_the_collection_is_not_added_twice(
    client, curator, collection, solar
):
    client.force_login(curator)
    response = client.post(
        f"/curation/collections/{collection.slug}/",
        {"title": "Energy together", "add": solar.title},
    )
    assert response.status_code == 400
    assert "already in this collection" in response.text


def test_an_invalid_collection_form_says_what_is_wrong(client, curator, collection, solar):
    client.force_login(curator)
    response = client.post("/curation/collections/new/", {"title": "  ", "is_public": "on"})
    assert response.status_code == 400
    assert "Enter a title." in response.text and 'href="#id_title"' in response.text
    response = client.post(
        f"/curation/collections/{collection.slug}/",
        {"title": "Energy together", f"position_{solar.pk}": "first"},
    )
    assert response.status_code == 400
    assert "Enter a whole number" in response.text
    assert Collection.objects.count() == 1


def test_a_collection_keeps_its_address_when_its_title_changes(client, curator, collection):
    client.force_login(curator)
    client.post(f"/curation/collections/{collection.slug}/", {"title": "Power to the people"})
    collection.refresh_from_db()
    assert collection.title == "Power to the people" and collection.slug == "energy-together"
    # A title that would make a reserved or taken slug gets another one.
    client.post("/curation/collections/new/", {"title": "New"})
    client.post("/curation/collections/new/", {"title": "Energy together"})
    assert set(Collection.objects.values_list("slug", flat=True)) == {
        "energy-together",
        "new-2",
        "energy-together-2",
    }


def test_a_collection_that_is_not_public_is_hidden_from_everyone_but_curators(
    client, collection, resident, moderator, curator
):
    collection.is_public = False
    collection.save()
    assert client.get(collection.get_absolute_url()).status_code == 404
    assert "Energy together" not in client.get("/collections/").text
    for user in (resident, moderator):
        client.force_login(user)
        assert client.get(collection.get_absolute_url()).status_code == 404
    client.force_login(curator)
    page = client.get(collection.get_absolute_url())
    assert page.status_code == 200 and "not public" in page.text
    assert client.get("/collections/missing/").status_code == 404


def test_the_introduction_is_plain_text(client, solar):
    collection = curation.collection_save(
        title="Odd", introduction="<script>alert(1)</script>", initiatives=[solar]
    )
    page = client.get(collection.get_absolute_url()).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_the_collection_page_runs_the_same_queries_whatever_its_size(
    client, england, theme, django_assert_max_num_queries
):
    def collection_of(n, title):
        initiatives = [
            make_initiative(f"{title} {i}", places=[england], themes=[theme]) for i in range(n)
        ]
        return curation.collection_save(title=title, initiatives=initiatives)

    small, large = collection_of(2, "Small"), collection_of(12, "Large")
    for collection in (small, large):
        with django_assert_max_num_queries(3):
            response = client.get(collection.get_absolute_url())
        assert response.status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/collections/").status_code == 200


# Featured initiatives


def test_featuring_and_unfeaturing_changes_the_home_page(client, curator, solar, fridge):
    assert solar.title not in featured_section(client)
    client.force_login(curator)
    response = client.post(f"/curation/initiatives/{solar.pk}/feature/")
    assert response.status_code == 302 and response.url == "/curation/"
    solar.refresh_from_db()
    assert solar.featured
    section = featured_section(client)
    assert solar.title in section and fridge.title not in section

    response = client.post(
        f"/curation/initiatives/{solar.pk}/feature/",
        {"featured": "0", "next": "/curation/"},
        follow=True,
    )
    assert "no longer featured" in response.text
    assert solar.title not in featured_section(client)
    # Saying which way makes a second click harmless.
    client.post(f"/curation/initiatives/{solar.pk}/feature/", {"featured": "0"})
    solar.refresh_from_db()
    assert not solar.featured


def test_feature_goes_back_to_a_local_page_only(client, curator, solar):
    client.force_login(curator)
    url = f"/curation/initiatives/{solar.pk}/feature/"
    response = client.post(url, {"next": solar.get_absolute_url()})
    assert response.url == solar.get_absolute_url()
    for unsafe in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        assert client.post(url, {"next": unsafe}).url == "/curation/"


def test_only_a_published_initiative_can_be_featured(client, curator, pending):
    client.force_login(curator)
    assert client.post(f"/curation/initiatives/{pending.pk}/feature/").status_code == 404
    pending.refresh_from_db()
    assert not pending.featured
    with pytest.raises(ValidationError, match="Only a published initiative can be featured"):
        curation.feature(pending, featured=True)


def test_the_merge_pages_offer_the_places_and_organisations_to_choose(client, curator, places):
    make_organisation("Bristol Energy Network")
    client.force_login(curator)
    page = client.get("/curation/merge/places/").text
    assert '<option value="lawrence-weston">Lawrence Weston, Bristol</option>' in page
    page = client.get("/curation/merge/organisations/").text
    assert '<option value="bristol-energy-network">Bristol Energy Network</option>' in page
    page = client.get("/curation/merge/places/?duplicate=bath&keep=bristol").text
    assert 'value="bath"' in page and 'value="bristol"' in page


def test_the_error_summary_follows_the_order_of_the_form(client, curator, collection, solar):
    client.force_login(curator)
    response = client.post(
        f"/curation/collections/{collection.slug}/",
        {"title": "", f"position_{solar.pk}": "x", "add": "nope"},
    )
    page = response.text
    start = page.index('class="error-summary"')
    summary = page[start : page.index("</ul>", start)]
    assert summary.index("#id_title") < summary.index(f"#id_position_{solar.pk}")
    assert summary.index(f"#id_position_{solar.pk}") < summary.index("#id_add")


def test_a_collection_not_yet_public_is_a_staff_page_with_two_factors(client, solar):
    hidden = curation.collection_save(title="Not ready yet", is_public=False, initiatives=[solar])
    url = f"/collections/{hidden.slug}/"
    # The public, and a resident: nothing there.
    assert client.get(url).status_code == 404
    # A curator who has not set up an authenticator app sets one up first.
    curator = get_user_model().objects.create_user("new-curator@example.org", "a-long-password-1")
    curator.groups.add(Group.objects.get(name="Curators"))
    client.force_login(curator)
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    # With one, the collection shows.
    with_second_factor(curator)
    response = client.get(url)
    assert response.status_code == 200 and "Not ready yet" in response.text
