"""Browsing the list of initiatives: searching, filtering by place, theme,
organisation and activity, sorting, distance, facets and pages."""

from urllib.parse import urlencode

import pytest

from initiatives.browse import paging
from tests.factories import (
    make_initiative,
    make_organisation,
    make_theme,
    publish_in_order,
)

pytestmark = pytest.mark.django_db

URL = "/initiatives/"


@pytest.fixture
def themes(db):
    energy = make_theme("Energy")
    return {
        "energy": energy,
        "solar-power": make_theme("Solar power", parent=energy),
        "food": make_theme("Food"),
        "housing": make_theme("Housing"),
    }


@pytest.fixture
def organisations(db):
    return {
        "ambition": make_organisation("Ambition Lawrence Weston"),
        "council": make_organisation("Bristol City Council", kind="council"),
    }


@pytest.fixture
def initiatives(places, themes, organisations):
    """Five published initiatives, oldest first:

    - solar farm: Lawrence Weston, Solar power (under Energy), active, two organisations
    - food delivery: Bristol, Food, ended, the council
    - energy co-op: Bath and Bristol, Energy, planned
    - community kitchen: West Midlands, Food and Solar power, active
    - heat pump helpline: England as a whole, Energy, paused
    """
    solar = make_initiative(
        "Lawrence Weston solar farm",
        places=[places["lawrence-weston"]],
        themes=[themes["solar-power"]],
        summary="A community-owned solar farm on the edge of the estate.",
        organisations=[(organisations["ambition"], "lead"), (organisations["council"], "partner")],
    )
    food = make_initiative(
        "Food delivery in lockdown",
        places=[places["bristol"]],
        themes=[themes["food"]],
        summary="Volunteers brought groceries to people shielding at home.",
        activity_status="ended",
        organisations=[(organisations["council"], "lead")],
    )
    coop = make_initiative(
        "Bath energy co-op",
        places=[places["bath"], places["bristol"]],
        themes=[themes["energy"]],
        summary="Residents own the panels on the community hall.",
        activity_status="planned",
    )
    kitchen = make_initiative(
        "Midlands community kitchen",
        places=[places["west-midlands"]],
        themes=[themes["food"], themes["solar-power"]],
        summary="A solar-powered kitchen cooking for the community.",
    )
    helpline = make_initiative(
        "Heat pump helpline",
        places=[places["england"]],
        themes=[themes["energy"]],
        summary="Advice for anyone in England on heat pumps.",
        activity_status="paused",
    )
    publish_in_order(solar, food, coop, kitchen, helpline)
    return {
        "solar": solar,
        "food": food,
        "coop": coop,
        "kitchen": kitchen,
        "helpline": helpline,
    }


def browse(client, query="", **headers):
    return client.get(f"{URL}?{query}" if query else URL, headers=headers)


def titles(response):
    assert response.status_code == 200, response.content[:2000]
    return [initiative.title for initiative in response.context["page"]]


def count(response):
    assert response.status_code == 200, response.content[:2000]
    return response.context["page"].paginator.count


def with_param(query, name, value, *, replace=False):
    params = [p for p in query.split("&") if p and not (replace and p.startswith(f"{name}="))]
    params.append(urlencode({name: value}))
    return "&".join(params)


# Unfiltered, and each filter alone.


def test_the_list_shows_every_published_initiative_newest_first(client, initiatives):
    assert titles(browse(client)) == [
        "Heat pump helpline",
        "Midlands community kitchen",
        "Bath energy co-op",
        "Food delivery in lockdown",
        "Lawrence Weston solar farm",
    ]


def test_searching_finds_initiatives_by_a_word_of_their_summary(client, initiatives):
    assert titles(browse(client, "q=groceries")) == ["Food delivery in lockdown"]


def test_a_search_with_several_words_needs_them_all(client, initiatives):
    assert titles(browse(client, "q=solar+kitchen")) == ["Midlands community kitchen"]


def test_a_blank_search_lists_everything(client, initiatives):
    assert count(browse(client, "q=++")) == 5


def test_a_region_includes_initiatives_of_every_place_underneath_it(client, initiatives):
    assert sorted(titles(browse(client, "place=south-west"))) == [
        "Bath energy co-op",
        "Food delivery in lockdown",
        "Lawrence Weston solar farm",
    ]


def test_a_neighbourhood_lists_only_its_own_initiatives(client, initiatives):
    assert titles(browse(client, "place=lawrence-weston")) == ["Lawrence Weston solar farm"]


def test_an_initiative_serving_two_places_in_a_region_is_listed_once(client, initiatives):
    assert titles(browse(client, "place=south-west")).count("Bath energy co-op") == 1


def test_a_country_includes_initiatives_serving_it_as_a_whole(client, initiatives):
    assert count(browse(client, "place=england")) == 5


def test_filtering_by_a_theme_lists_initiatives_with_it(client, initiatives):
    assert sorted(titles(browse(client, "theme=food"))) == [
        "Food delivery in lockdown",
        "Midlands community kitchen",
    ]


def test_a_parent_theme_includes_its_sub_themes(client, initiatives):
    assert sorted(titles(browse(client, "theme=energy"))) == [
        "Bath energy co-op",
        "Heat pump helpline",
        "Lawrence Weston solar farm",
        "Midlands community kitchen",
    ]


def test_a_sub_theme_does_not_include_its_parent(client, initiatives):
    assert sorted(titles(browse(client, "theme=solar-power"))) == [
        "Lawrence Weston solar farm",
        "Midlands community kitchen",
    ]


def test_several_themes_give_initiatives_with_any_of_them(client, initiatives):
    assert sorted(titles(browse(client, "theme=food&theme=solar-power"))) == [
        "Food delivery in lockdown",
        "Lawrence Weston solar farm",
        "Midlands community kitchen",
    ]


def test_filters_that_match_nothing_say_so_and_offer_to_clear_them(client, initiatives):
    response = browse(client, "theme=housing")
    assert count(response) == 0
    page = response.text
    assert "0 initiatives" in page
    assert "No initiatives match." in page
    assert "Clear all filters" in page
    assert "Theme: Housing" in page  # the chip that removes the filter


def test_filtering_by_an_organisation_lists_initiatives_it_takes_part_in(client, initiatives):
    assert sorted(titles(browse(client, "organisation=bristol-city-council"))) == [
        "Food delivery in lockdown",
        "Lawrence Weston solar farm",
    ]


def test_filtering_by_activity_status_lists_only_initiatives_in_that_status(client, initiatives):
    assert titles(browse(client, "status=ended")) == ["Food delivery in lockdown"]
    assert titles(browse(client, "status=paused")) == ["Heat pump helpline"]
    assert titles(browse(client, "status=active")) == [
        "Midlands community kitchen",
        "Lawrence Weston solar farm",
    ]


def test_an_empty_status_means_any_status(client, initiatives):
    assert count(browse(client, "status=")) == 5


# Filters combined.


def test_place_theme_and_status_combine(client, initiatives):
    assert titles(browse(client, "place=south-west&theme=energy&status=planned")) == [
        "Bath energy co-op"
    ]


def test_search_place_theme_organisation_and_status_combine(client, initiatives):
    query = "q=solar&place=bristol&theme=energy&organisation=ambition-lawrence-weston&status=active"
    assert titles(browse(client, query)) == ["Lawrence Weston solar farm"]


def test_a_search_narrows_a_place(client, initiatives):
    assert titles(browse(client, "q=groceries&place=south-west")) == ["Food delivery in lockdown"]
    assert titles(browse(client, "q=groceries&place=west-midlands")) == []


def test_an_organisation_with_two_roles_lists_its_initiative_once(client, places, themes):
    both = make_organisation("Both ways")
    make_initiative(
        "Twice involved",
        places=[places["bristol"]],
        themes=[themes["food"]],
        organisations=[(both, "lead"), (both, "funder")],
    )
    response = browse(client, "organisation=both-ways")
    assert titles(response) == ["Twice involved"]
    assert count(response) == 1


# Sorting.


def test_sorting_by_title_lists_a_to_z(client, initiatives):
    assert titles(browse(client, "sort=title")) == [
        "Bath energy co-op",
        "Food delivery in lockdown",
        "Heat pump helpline",
        "Lawrence Weston solar farm",
        "Midlands community kitchen",
    ]


def test_sorting_by_newest_overrides_best_match_when_searching(client, initiatives):
    response = browse(client, "q=solar&sort=newest")
    assert response.context["sort"] == "newest"
    assert titles(response) == ["Midlands community kitchen", "Lawrence Weston solar farm"]


def test_a_search_is_sorted_by_best_match_by_default(client, initiatives):
    # The solar farm has the word in its title, the kitchen only in its summary.
    response = browse(client, "q=solar")
    assert response.context["sort"] == "relevance"
    assert titles(response) == ["Lawrence Weston solar farm", "Midlands community kitchen"]


def test_best_match_without_a_search_falls_back_to_newest(client, initiatives):
    response = browse(client, "sort=relevance")
    assert response.context["sort"] == "newest"
    assert titles(response)[0] == "Heat pump helpline"


# Near a place.


def test_near_a_place_lists_the_nearest_first_and_leaves_out_far_ones(client, initiatives):
    response = browse(client, "near=lawrence-weston&radius_km=20")
    # Lawrence Weston itself, then Bristol's centre (about 9 km); Bath is about
    # 26 km away, the Midlands and England's centre much further.
    assert titles(response) == ["Lawrence Weston solar farm", "Food delivery in lockdown"]
    assert "km away" in response.text


def test_a_wider_radius_takes_in_more_places_still_nearest_first(client, initiatives):
    assert titles(browse(client, "near=lawrence-weston&radius_km=40")) == [
        "Lawrence Weston solar farm",
        "Food delivery in lockdown",
        "Bath energy co-op",
    ]


def test_near_combines_with_a_theme(client, initiatives):
    assert titles(browse(client, "near=lawrence-weston&radius_km=40&theme=energy")) == [
        "Lawrence Weston solar farm",
        "Bath energy co-op",
    ]


def test_near_a_place_can_still_be_sorted_by_title(client, initiatives):
    assert titles(browse(client, "near=lawrence-weston&radius_km=40&sort=title")) == [
        "Bath energy co-op",
        "Food delivery in lockdown",
        "Lawrence Weston solar farm",
    ]


# Facets.

FACET_QUERIES = [
    "",
    "q=solar",
    "q=community",
    "status=active",
    "place=south-west",
    "place=bristol",
    "organisation=bristol-city-council",
    "place=south-west&status=planned",
    "near=lawrence-weston&radius_km=40",
]


def test_theme_counts_without_filters_roll_sub_themes_up_into_their_parent(client, initiatives):
    counts = {t.slug: n for t, n in browse(client).context["theme_options"]}
    assert counts == {"energy": 4, "solar-power": 2, "food": 2, "housing": 0}


@pytest.mark.parametrize("query", FACET_QUERIES)
def test_every_theme_count_is_what_choosing_that_theme_gives(client, initiatives, query):
    response = browse(client, query)
    assert response.status_code == 200
    options = response.context["theme_options"]
    assert len(options) == 4
    for theme, shown in options:
        assert count(browse(client, with_param(query, "theme", theme.slug))) == shown, theme.slug


def test_a_chosen_theme_shows_its_own_count_and_is_checked(client, initiatives):
    response = browse(client, "theme=food")
    counts = {t.slug: n for t, n in response.context["theme_options"]}
    assert counts["food"] == count(response) == 2
    assert 'value="food" id="theme-food" aria-describedby="theme-hint" checked' in response.text


@pytest.mark.parametrize("query", FACET_QUERIES)
def test_every_place_offered_gives_as_many_results_as_it_shows(client, initiatives, query):
    response = browse(client, query)
    assert response.status_code == 200
    options = response.context["place_options"]
    assert options, "some place should be offered"
    for place, shown in options:
        got = count(browse(client, with_param(query, "place", place.slug, replace=True)))
        assert got == shown, f"{place.slug}: shows {shown}, gives {got}"


def test_drilling_down_from_a_region_to_a_city_keeps_the_counts_true(client, initiatives):
    top = {p.slug: n for p, n in browse(client).context["place_options"]}
    assert top["south-west"] == 3 and top["west-midlands"] == 1

    region = browse(client, "place=south-west")
    assert count(region) == 3
    in_region = {p.slug: n for p, n in region.context["place_options"]}
    assert in_region == {"bristol": 3, "bath": 1}
    assert 'href="?place=bristol"' in region.text

    city = browse(client, "place=bristol")
    assert count(city) == 3
    assert {p.slug: n for p, n in city.context["place_options"]} == {"lawrence-weston": 1}
    assert [p.slug for p in city.context["place_trail"]] == [
        "united-kingdom",
        "england",
        "south-west",
        "bristol",
    ]

    neighbourhood = browse(client, "place=lawrence-weston")
    assert count(neighbourhood) == 1
    assert neighbourhood.context["place_options"] == []


def test_place_options_follow_the_other_filters(client, initiatives):
    options = {p.slug: n for p, n in browse(client, "theme=food").context["place_options"]}
    assert options == {"south-west": 1, "west-midlands": 1}


# Bad input: a 400 with a message, never a 500.


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("place=atlantis", "There is no place with that name."),
        ("theme=underwater-basket-weaving", "There is no theme called"),
        ("theme=food&theme=nope", "There is no theme called"),
        ("organisation=nobody", "There is no organisation with that name."),
        ("status=asleep", "Choose an activity status from the list."),
        ("near=lawrence-weston&radius_km=0", "Choose a distance of at least 1 km."),
        ("near=lawrence-weston&radius_km=abc", "Enter the distance as a number of kilometres."),
        ("near=lawrence-weston&radius_km=501", "Choose a distance of at most 500 km."),
        ("near=atlantis", "There is no place with that name to search near."),
        ("sort=sideways", "Choose a sort order from the list."),
        (urlencode({"q": "solar " * 100}), "at most 200 characters"),
    ],
)
def test_a_bad_filter_gets_a_400_with_a_clear_message(client, initiatives, query, message):
    response = browse(client, query)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.text
    assert "There is a problem" in response.text
    assert message in response.text


def test_a_bad_filter_in_the_partial_also_gets_a_400_with_the_message(client, initiatives):
    response = browse(client, "place=atlantis", **{"X-Partial": "browse"})
    assert response.status_code == 400
    assert "There is no place with that name." in response.text


# Pages.


@pytest.fixture
def twenty_five(places, themes):
    made = [
        make_initiative(f"Initiative {n:02}", places=[places["bristol"]], themes=[themes["food"]])
        for n in range(25)
    ]
    publish_in_order(*made)
    return made


def test_twenty_five_initiatives_come_as_a_page_of_20_then_5(client, twenty_five):
    first = browse(client)
    assert len(titles(first)) == 20
    assert first.context["page"].paginator.num_pages == 2
    assert 'rel="next"' in first.text and "Page 1 of 2" in first.text
    second = browse(client, "page=2")
    assert titles(second) == [f"Initiative {n:02}" for n in range(4, -1, -1)]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text


def test_pages_keep_the_filters(client, twenty_five):
    response = browse(client, "theme=food&sort=title")
    assert 'href="?theme=food&amp;sort=title&amp;page=2"' in response.text
    assert titles(browse(client, "theme=food&sort=title&page=2"))[0] == "Initiative 20"


@pytest.mark.parametrize("page", ["0", "-1", "abc", "9999", "1.5", ""])
def test_an_odd_page_number_still_answers(client, twenty_five, page):
    response = browse(client, f"page={page}")
    assert response.status_code == 200
    assert 1 <= len(titles(response)) <= 20


def test_a_page_past_the_end_shows_the_last_page(client, twenty_five):
    assert browse(client, "page=9999").context["page"].number == 2


# The JavaScript partial.


def test_the_partial_returns_only_the_browse_fragment(client, initiatives):
    response = browse(client, "theme=food", **{"X-Partial": "browse"})
    assert response.status_code == 200
    html = response.text.strip()
    assert html.startswith('<div id="browse"')
    assert "<html" not in html and "<header" not in html
    assert "Food delivery in lockdown" in html and "Bath energy co-op" not in html


def test_without_the_header_the_whole_page_comes_back(client, initiatives):
    response = browse(client, "theme=food")
    assert "<html" in response.text and '<div id="browse"' in response.text


# Queries: a fixed number, however many initiatives.


def make_many(n, places, themes, organisations):
    spots = [places["lawrence-weston"], places["bath"], places["west-midlands"]]
    topics = [themes["solar-power"], themes["food"], themes["energy"]]
    made = [
        make_initiative(
            f"Community project {i}",
            places=[spots[i % 3], places["bristol"]] if i % 2 else [spots[i % 3]],
            themes=[topics[i % 3], topics[(i + 1) % 3]],
            summary="A community project with a solar roof.",
            organisations=[(organisations["ambition"], "lead")] if i % 2 else [],
        )
        for i in range(n)
    ]
    publish_in_order(*made)


@pytest.mark.parametrize("n", [5, 40])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "place=south-west&theme=energy&q=community&status=active",
        "place=south-west&theme=energy&theme=food&q=solar+community&status=active&sort=title",
        "near=lawrence-weston&radius_km=50&theme=food",
    ],
)
def test_the_list_takes_a_fixed_number_of_queries(
    client, places, themes, organisations, django_assert_max_num_queries, n, query
):
    make_many(n, places, themes, organisations)
    with django_assert_max_num_queries(10):
        response = browse(client, query)
    assert response.status_code == 200
    assert count(response) >= 1


@pytest.mark.parametrize("n", [5, 40])
def test_the_partial_takes_a_fixed_number_of_queries(
    client, places, themes, organisations, django_assert_max_num_queries, n
):
    make_many(n, places, themes, organisations)
    with django_assert_max_num_queries(10):
        response = browse(client, "theme=food&place=south-west", **{"X-Partial": "browse"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "params",
    [{}, {"sort": "title"}, {"q": "energy"}, {"near": "bristol", "radius_km": "200"}],
)
def test_a_deep_page_lists_what_a_shallow_one_would(
    client, initiatives, monkeypatch, settings, params
):
    """Deep in the list, a page is read in two steps (ids, then rows): the
    same initiatives in the same order, with what their cards show."""
    settings.PAGE_CACHE = False  # the same pages are asked for twice
    monkeypatch.setattr(paging, "PAGE_SIZE", 2)
    shallow = [titles(browse(client, urlencode({**params, "page": n}))) for n in (1, 2, 3)]
    monkeypatch.setattr(paging, "DEFERRED_JOIN_FROM", 2)
    deep = [browse(client, urlencode({**params, "page": n})) for n in (1, 2, 3)]
    assert [titles(response) for response in deep] == shallow
    cards = deep[1].content.decode()
    for card in deep[1].context["page"]:
        assert card.get_absolute_url() in cards and card.primary_place_name in cards
