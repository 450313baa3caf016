"""The public pages people read: an initiative, a place, a theme, an
organisation, their indexes and the home page."""

import json
import re
from datetime import date

import pytest

from initiatives.models import Initiative, InitiativeSource
from tests.factories import (
    make_initiative,
    make_organisation,
    make_theme,
    publish_in_order,
)

pytestmark = pytest.mark.django_db

LAWRENCE_WESTON = (51.505, -2.68)


@pytest.fixture
def themes(db):
    energy = make_theme("Energy", description="Power that communities make and own.")
    return {
        "energy": energy,
        "solar-power": make_theme("Solar power", parent=energy),
        "food": make_theme("Food"),
    }


@pytest.fixture
def organisations(db):
    return {
        "ambition": make_organisation(
            "Ambition Lawrence Weston",
            website="https://ambitionlw.example.org/",
            description="The residents' group of Lawrence Weston.",
        ),
        "council": make_organisation("Bristol City Council", kind="council"),
        "fund": make_organisation("Power to Change", kind="funder"),
    }


@pytest.fixture
def solar(places, themes, organisations):
    initiative = make_initiative(
        "Lawrence Weston solar farm",
        places=[places["lawrence-weston"], places["bristol"]],
        themes=[themes["solar-power"]],
        summary="A community-owned solar farm on the edge of the estate.",
        description="Residents raised the money in a share offer.\n\nIt opened in 2020.",
        how_to_adapt="Start with a feasibility study and a community share offer.",
        organisations=[
            (organisations["ambition"], "lead"),
            (organisations["council"], "partner"),
            (organisations["fund"], "funder"),
        ],
        latitude=LAWRENCE_WESTON[0],
        longitude=LAWRENCE_WESTON[1],
        website="https://solar.example.org/",
        start_date=date(2020, 6, 1),
        contact_name="Mark Pepper",
        contact_email="mark@solar.example.org",
        contact_phone="0117 000 0000",
        contact_consent=False,
    )
    InitiativeSource.objects.create(
        initiative=initiative,
        title="Community solar farm opens",
        url="https://news.example.org/solar",
        publisher="Bristol Post",
        quote="The largest community-owned solar farm in the city.",
    )
    return initiative


@pytest.fixture
def neighbours(places, themes):
    """Published initiatives around the solar farm, newest last: three share its
    theme at increasing distances, one does not."""
    made = {
        "far": make_initiative(
            "Midlands solar co-op", places=[places["west-midlands"]], themes=[themes["solar-power"]]
        ),
        "food": make_initiative(
            "Bristol food bank", places=[places["bristol"]], themes=[themes["food"]]
        ),
        "middle": make_initiative(
            "Bath solar schools", places=[places["bath"]], themes=[themes["solar-power"]]
        ),
        "near": make_initiative(
            "Bristol rooftop solar", places=[places["bristol"]], themes=[themes["solar-power"]]
        ),
    }
    return made


def get_page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:2000]
    return response


def titles(response):
    return [initiative.title for initiative in response.context["page"]]


def json_script(html, element_id):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no json_script #{element_id}"
    return json.loads(match.group(1))


# An initiative's page.


def test_an_initiative_page_tells_what_it_is_and_how_to_copy_it(client, solar):
    page = get_page(client, "/initiatives/lawrence-weston-solar-farm/").text
    assert "<h1>Lawrence Weston solar farm</h1>" in page
    assert "A community-owned solar farm on the edge of the estate." in page
    assert "<p>Residents raised the money in a share offer.</p>" in page
    assert "<p>It opened in 2020.</p>" in page
    assert "How others can adapt or copy this" in page
    assert "Start with a feasibility study and a community share offer." in page
    assert "since June 2020" in page
    assert 'href="https://solar.example.org/"' in page


def test_an_initiative_page_names_its_organisations_with_their_roles(client, solar):
    page = get_page(client, solar.get_absolute_url()).text
    for slug, name, role in [
        ("ambition-lawrence-weston", "Ambition Lawrence Weston", "Lead"),
        ("bristol-city-council", "Bristol City Council", "Partner"),
        ("power-to-change", "Power to Change", "Funder"),
    ]:
        assert (
            f'<a href="/organisations/{slug}/">{name}</a> <span class="muted">({role})</span>'
            in (page)
        )


def test_an_initiative_page_links_its_themes_and_places(client, solar):
    page = get_page(client, solar.get_absolute_url()).text
    assert '<a href="/themes/solar-power/">Solar power</a>' in page
    assert '<a href="/places/lawrence-weston/">Lawrence Weston</a>' in page
    assert '<a href="/places/bristol/">Bristol</a>' in page
    assert "(main place)" in page


def test_an_initiative_page_shows_where_it_is_from_places_down_to_its_primary_place(client, solar):
    page = get_page(client, solar.get_absolute_url()).text
    trail = re.search(r'<nav class="breadcrumb".*?</nav>', page, re.S).group(0)
    assert re.findall(r"<a [^>]*>([^<]+)</a>", trail) == [
        "Places",
        "United Kingdom",
        "England",
        "South West",
        "Bristol",
        "Lawrence Weston",
    ]


def test_an_initiative_page_cites_its_sources_with_their_quotes(client, solar):
    page = get_page(client, solar.get_absolute_url()).text
    assert "Where this was reported" in page
    assert '<a href="https://news.example.org/solar" rel="nofollow noopener">' in page
    assert "Community solar farm opens" in page and "Bristol Post" in page
    assert "<blockquote>The largest community-owned solar farm in the city.</blockquote>" in page


def test_similar_initiatives_share_a_theme_and_come_nearest_first(client, solar, neighbours):
    response = get_page(client, solar.get_absolute_url())
    assert [i.title for i in response.context["related"]] == [
        "Bristol rooftop solar",
        "Bath solar schools",
        "Midlands solar co-op",
    ]
    assert "Similar initiatives" in response.text
    assert "Bristol food bank" not in response.text


def test_an_initiative_page_describes_itself_to_search_engines(client, solar):
    page = get_page(client, solar.get_absolute_url()).text
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    data = json.loads(match.group(1))
    assert data["@type"] == "Project"
    assert data["name"] == "Lawrence Weston solar farm"
    assert data["url"] == "http://testserver/initiatives/lawrence-weston-solar-farm/"
    assert data["location"]["name"] == "Lawrence Weston"
    assert [o["name"] for o in data["parentOrganization"]] == ["Ambition Lawrence Weston"]
    assert [o["name"] for o in data["funder"]] == ["Power to Change"]
    assert "mark@solar.example.org" not in match.group(1)


def test_an_initiative_page_has_open_graph_tags_for_sharing(client, solar):
    page = get_page(client, solar.get_absolute_url()).text
    assert '<meta property="og:title" content="Lawrence Weston solar farm">' in page
    assert (
        '<meta property="og:description" content="A community-owned solar farm on the edge of '
        'the estate.">'
    ) in page
    assert (
        '<meta property="og:url" content="http://testserver/initiatives/lawrence-weston-solar-farm/">'
        in page
    )


def test_markup_in_a_title_cannot_escape_the_json_ld_block(client, places, themes):
    initiative = make_initiative(
        "Solar </script><script>alert(1)</script>",
        places=[places["bristol"]],
        themes=[themes["food"]],
    )
    page = get_page(client, initiative.get_absolute_url()).text
    assert "<script>alert(1)" not in page
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert json.loads(match.group(1))["name"] == "Solar </script><script>alert(1)</script>"


def test_the_contact_is_hidden_without_consent(client, solar):
    page = get_page(client, solar.get_absolute_url()).text
    assert "mark@solar.example.org" not in page
    assert "Mark Pepper" not in page
    assert "0117 000 0000" not in page


def test_the_contact_is_shown_with_consent(client, solar):
    Initiative.objects.filter(pk=solar.pk).update(contact_consent=True)
    page = get_page(client, solar.get_absolute_url()).text
    assert '<a href="mailto:mark@solar.example.org">mark@solar.example.org</a>' in page
    assert "Mark Pepper" in page and "0117 000 0000" in page


def test_an_initiative_page_has_a_map_of_where_it_is(client, solar):
    page = get_page(client, solar.get_absolute_url()).text
    assert 'data-map-config="map-config"' in page
    config = json_script(page, "map-config")
    assert config["center"] == list(LAWRENCE_WESTON)
    [feature] = config["features"]["features"]
    assert feature["geometry"]["coordinates"] == [LAWRENCE_WESTON[1], LAWRENCE_WESTON[0]]


# A place's page and the places index.


def test_a_place_page_lists_the_initiatives_of_every_place_underneath(client, solar, neighbours):
    response = get_page(client, "/places/south-west/")
    assert sorted(titles(response)) == [
        "Bath solar schools",
        "Bristol food bank",
        "Bristol rooftop solar",
        "Lawrence Weston solar farm",
    ]
    assert "<h1>South West</h1>" in response.text
    assert "4 initiatives serve South West or places in it." in response.text


def test_a_place_page_lists_its_sub_places_with_their_counts(client, solar, neighbours):
    response = get_page(client, "/places/south-west/")
    assert [(p.name, p.initiative_count) for p in response.context["children"]] == [
        ("Bath", 1),
        ("Bristol", 3),
    ]
    assert '<a href="/places/bristol/">Bristol</a> <span class="count">3<' in response.text
    assert '<a href="/places/bath/">Bath</a> <span class="count">1<' in response.text


def test_a_place_page_shows_where_the_place_is(client, solar):
    page = get_page(client, "/places/bristol/").text
    trail = re.search(r'<nav class="breadcrumb".*?</nav>', page, re.S).group(0)
    assert re.findall(r"<a [^>]*>([^<]+)</a>", trail) == [
        "Places",
        "United Kingdom",
        "England",
        "South West",
    ]
    assert '<li aria-current="page">Bristol</li>' in trail


def test_a_place_page_has_a_map_of_its_initiatives(client, solar):
    page = get_page(client, "/places/bristol/").text
    assert 'data-map-config="map-config"' in page
    config = json_script(page, "map-config")
    assert config["query"] == "place=bristol"
    assert config["geojsonUrl"] == "/api/initiatives.geojson"
    assert config["center"] == [51.4545, -2.5879]


def test_a_place_with_no_initiatives_says_so(client, places):
    response = get_page(client, "/places/west-midlands/")
    assert titles(response) == []
    assert "No published initiatives in West Midlands yet." in response.text


def test_the_places_index_shows_the_hierarchy_with_counts(client, solar, neighbours):
    response = get_page(client, "/places/")

    def tree(places):
        return [(p.name, p.initiative_count, tree(p.subplaces)) for p in places]

    assert tree(response.context["places"]) == [
        (
            "United Kingdom",
            5,
            [
                (
                    "England",
                    5,
                    [
                        (
                            "South West",
                            4,
                            [("Bath", 1, []), ("Bristol", 3, [("Lawrence Weston", 1, [])])],
                        ),
                        ("West Midlands", 1, []),
                    ],
                )
            ],
        )
    ]
    page = response.text
    assert '<a href="/places/south-west/">South West</a> <span class="count">4' in page
    assert '<a href="/places/lawrence-weston/">Lawrence Weston</a> <span class="count">1' in page


# A theme's page and the themes index.


def test_a_theme_page_lists_initiatives_with_it_or_its_sub_themes(
    client, solar, neighbours, places, themes
):
    direct = make_initiative(
        "Heat pump helpline", places=[places["bath"]], themes=[themes["energy"]]
    )
    response = get_page(client, "/themes/energy/")
    assert sorted(titles(response)) == [
        "Bath solar schools",
        "Bristol rooftop solar",
        direct.title,
        "Lawrence Weston solar farm",
        "Midlands solar co-op",
    ]
    page = response.text
    assert "<h1>Energy</h1>" in page and "Power that communities make and own." in page
    assert '<a href="/themes/solar-power/">Solar power</a>' in page
    assert 'href="/initiatives/?theme=energy"' in page


def test_a_sub_theme_page_links_back_to_its_parent(client, solar):
    page = get_page(client, "/themes/solar-power/").text
    trail = re.search(r'<nav class="breadcrumb".*?</nav>', page, re.S).group(0)
    assert re.findall(r"<a [^>]*>([^<]+)</a>", trail) == ["Themes", "Energy"]
    assert json_script(page, "map-config")["query"] == "theme=solar-power"


def test_the_themes_index_shows_every_theme_with_its_sub_themes(client, solar, neighbours):
    response = get_page(client, "/themes/")
    assert [(t.name, [s.name for s in t.subthemes]) for t in response.context["themes"]] == [
        ("Energy", ["Solar power"]),
        ("Food", []),
    ]
    page = response.text
    assert '<a href="/themes/energy/">Energy</a>' in page
    assert '<a href="/themes/solar-power/">Solar power <span class="count">4</span></a>' in page


def test_each_count_on_the_themes_index_is_what_its_page_lists(client, solar, neighbours):
    response = get_page(client, "/themes/")
    shown = {}
    for theme in response.context["themes"]:
        shown[theme.slug] = theme.n
        for sub in theme.subthemes:
            shown[sub.slug] = sub.n
    listed = {
        slug: get_page(client, f"/themes/{slug}/").context["page"].paginator.count for slug in shown
    }
    assert shown == listed


# An organisation's page and the organisations index.


def test_an_organisation_page_lists_its_initiatives_with_its_role(client, solar, neighbours):
    response = get_page(client, "/organisations/bristol-city-council/")
    assert titles(response) == ["Lawrence Weston solar farm"]
    page = response.text
    assert "<h1>Bristol City Council</h1>" in page
    assert '<span class="muted">· Partner</span>' in page
    assert json_script(page, "map-config")["query"] == "organisation=bristol-city-council"


def test_an_organisation_page_describes_the_organisation(client, solar):
    page = get_page(client, "/organisations/ambition-lawrence-weston/").text
    assert "The residents&#x27; group of Lawrence Weston." in page
    assert 'href="https://ambitionlw.example.org/"' in page
    assert '<span class="muted">· Lead</span>' in page


def test_the_organisations_index_lists_them_with_counts(client, solar):
    make_organisation("Quiet Trust", kind="charity")
    response = get_page(client, "/organisations/")
    assert [(o.name, o.n) for o in response.context["page"]] == [
        ("Ambition Lawrence Weston", 1),
        ("Bristol City Council", 1),
        ("Power to Change", 1),
        ("Quiet Trust", 0),
    ]


def test_the_organisations_index_can_show_one_kind(client, solar):
    response = get_page(client, "/organisations/?kind=council")
    assert [o.name for o in response.context["page"]] == ["Bristol City Council"]
    assert '<option value="council" selected>' in response.text


def test_an_unknown_kind_of_organisation_shows_them_all(client, solar):
    response = get_page(client, "/organisations/?kind=pirates")
    assert len(response.context["page"]) == 3


def test_a_kind_with_no_organisations_says_so(client, solar):
    response = get_page(client, "/organisations/?kind=school")
    assert "No organisations of this kind yet." in response.text


# The home page.


def section(html, heading_id, next_heading_id=None):
    start = html.index(f'id="{heading_id}"')
    end = html.index(f'id="{next_heading_id}"') if next_heading_id else len(html)
    return html[start:end]


def test_home_shows_featured_initiatives(client, solar, neighbours):
    Initiative.objects.filter(pk=neighbours["middle"].pk).update(featured=True)
    page = get_page(client, "/").text
    featured = section(page, "featured-heading", "newest-heading")
    assert "Bath solar schools" in featured
    assert "Bristol rooftop solar" not in featured


def test_home_says_when_nothing_is_featured(client, solar):
    page = get_page(client, "/").text
    assert "No initiatives are featured yet." in page


def test_home_shows_the_newest_initiatives_newest_first(client, solar, neighbours, places, themes):
    extra = [
        make_initiative(f"Extra {n}", places=[places["bath"]], themes=[themes["food"]])
        for n in range(3)
    ]
    publish_in_order(
        solar,
        neighbours["far"],
        neighbours["food"],
        neighbours["middle"],
        neighbours["near"],
        *extra,
    )
    response = get_page(client, "/")
    assert [i.title for i in response.context["newest"]] == [
        "Extra 2",
        "Extra 1",
        "Extra 0",
        "Bristol rooftop solar",
        "Bath solar schools",
        "Bristol food bank",
    ]
    newest = section(response.text, "newest-heading")
    assert "Extra 2" in newest and "Lawrence Weston solar farm" not in newest


def test_home_counts_initiatives_places_and_organisations(client, solar, neighbours):
    response = get_page(client, "/")
    # Places served directly: Lawrence Weston, Bristol, West Midlands, Bath.
    assert response.context["counts"] == {"initiatives": 5, "places": 4, "organisations": 3}
    assert "<dd>5</dd>" in response.text


def test_each_theme_count_on_the_home_page_is_what_its_page_lists(client, solar, neighbours):
    response = get_page(client, "/")
    shown = {theme.slug: theme.n for theme in response.context["themes"]}
    assert set(shown) == {"energy", "food"}
    listed = {
        slug: get_page(client, f"/themes/{slug}/").context["page"].paginator.count for slug in shown
    }
    assert shown == listed


# What does not exist.


@pytest.mark.parametrize(
    "url",
    [
        "/initiatives/no-such-initiative/",
        "/places/atlantis/",
        "/themes/underwater-basket-weaving/",
        "/organisations/nobody/",
    ],
)
def test_an_unknown_slug_is_not_found(client, solar, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page not found" in response.text


# Queries: a fixed number, however many initiatives.


def make_many(n, places, themes, organisations):
    spots = [places["lawrence-weston"], places["bath"], places["bristol"]]
    made = [
        make_initiative(
            f"Project {i}",
            places=[spots[i % 3], places["west-midlands"]] if i % 2 else [spots[i % 3]],
            themes=[themes["solar-power"], themes["food"]] if i % 2 else [themes["energy"]],
            organisations=[(organisations["ambition"], "lead"), (organisations["fund"], "funder")],
        )
        for i in range(n)
    ]
    for initiative in made[:2]:
        InitiativeSource.objects.create(
            initiative=initiative, title="Reported", quote="Quoted words."
        )
    publish_in_order(*made)
    return made


PAGES = [
    "/",
    "/initiatives/",
    "/initiatives/project-0/",
    "/initiatives/project-1/",
    "/places/",
    "/places/england/",
    "/places/south-west/",
    "/places/lawrence-weston/",
    "/themes/",
    "/themes/energy/",
    "/themes/solar-power/",
    "/organisations/",
    "/organisations/ambition-lawrence-weston/",
]


@pytest.mark.parametrize("n", [3, 30])
@pytest.mark.parametrize("url", PAGES)
def test_each_page_takes_a_fixed_number_of_queries(
    client, places, themes, organisations, django_assert_max_num_queries, n, url
):
    make_many(n, places, themes, organisations)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
