"""Stemmed, ranked search on either database: what people see from the list
page holds on PostgreSQL (its vectors) and on SQLite (its FTS5 table), and
what only SQLite's table does is tested where it runs."""

import logging

import pytest
from django.db import connection
from django.test import Client

from initiatives.catalogue import search_sqlite
from initiatives.catalogue.search import refresh_search_vectors, search
from initiatives.models import Initiative, InitiativeRevision
from initiatives.moderation.decisions import decide
from initiatives.submissions.services import revision_apply
from tests.factories import make_initiative
from tests.submission_forms import form_data, verified_user

pytestmark = pytest.mark.django_db

URL = "/initiatives/"
HOSTILE = ['"', "*", "AND", "NEAR(", "'", "-", "😀", '"solar', "farm*", "NEAR(solar farm, 2)"]
HOSTILE += ["solar OR farm", "title:solar", "^solar", "{title}: solar", "_", "a_b", "'; --"]
HOSTILE += ["ǅ ﬁ 日本語 straße", "solar" * 30, "a " * 90, "x" * 41 + "*"]


def on_fts5():
    return search_sqlite.available(connection)


def titles(response):
    assert response.status_code == 200, response.content[:2000]
    return [initiative.title for initiative in response.context["page"]]


def found(client, q):
    return titles(client.get(URL, {"q": q}))


@pytest.fixture
def farm(places, theme):
    return make_initiative(
        "Community solar farm",
        places=[places["lawrence-weston"]],
        themes=[theme],
        summary="Panels on a field, owned by the people who live nearby.",
        description="The profits pay for insulation and a youth club.",
    )


@pytest.fixture
def bakery(places, theme):
    return make_initiative(
        "Village bakery",
        places=[places["bath"]],
        themes=[theme],
        summary="Bread baked before dawn.",
        description="The wheat comes from farms in the next valley.",
    )


def test_another_form_of_a_word_finds_the_initiative_from_the_list(client, farm):
    assert found(client, "farms") == ["Community solar farm"]
    assert found(client, "farming") == ["Community solar farm"]
    assert found(client, "Solar Farms") == ["Community solar farm"]


def test_the_last_word_matches_as_it_is_being_typed(client, farm):
    assert found(client, "community sol") == ["Community solar farm"]


def test_every_word_must_match(client, farm, bakery):
    assert found(client, "solar bread") == []
    assert found(client, "farm bakery") == ["Village bakery"]


def test_a_match_in_the_title_ranks_above_a_match_only_in_the_description(client, farm, bakery):
    response = client.get(URL, {"q": "farm"})
    assert titles(response) == ["Community solar farm", "Village bakery"]
    assert response.context["sort"] == "relevance"
    ranks = [initiative.rank for initiative in response.context["page"]]
    assert ranks[0] > ranks[1] > 0


def test_a_word_with_an_accent_is_found_whatever_its_case(client, places, theme):
    make_initiative("Repair café", places=[places["bath"]], themes=[theme])
    assert found(client, "CAFÉ") == ["Repair café"]


@pytest.mark.parametrize("q", HOSTILE)
def test_search_syntax_and_odd_characters_in_the_box_answer_normally(client, farm, q):
    assert isinstance(found(client, q), list)


@pytest.mark.parametrize("q", ["\x00", "solar" * 41])
def test_what_the_form_refuses_is_a_bad_request_not_an_error(client, farm, q):
    # A null character, or more than the box's 200 characters.
    assert client.get(URL, {"q": q}).status_code == 400


def test_quotes_and_operators_around_words_are_ignored(client, farm):
    for q in ['"farm"', "farm*", "(farm)", "farm AND", "-farm", "'farm'", "farm 😀"]:
        assert found(client, q) == ["Community solar farm"], q


def test_an_unpublished_initiative_is_never_found_by_the_public(client, places, theme, farm):
    for state in ["draft", "pending", "changes_requested", "rejected", "archived"]:
        make_initiative(f"Solar farm {state}", places=[places["bath"]], themes=[theme], state=state)
    assert found(client, "solar") == ["Community solar farm"]
    assert found(client, "pending") == []


def test_a_published_initiative_is_found_once_a_moderator_approves_it(
    client, places, theme, moderator
):
    waiting = make_initiative(
        "Solar farm co-operative", places=[places["bath"]], themes=[theme], state="pending"
    )
    assert found(client, "farms") == []
    decide(waiting, moderator=moderator, action="approve")
    assert found(client, "farms") == ["Solar farm co-operative"]


def test_an_approved_edit_is_found_by_its_new_words_and_not_its_old(client, places, theme, farm):
    submitter = verified_user("sam@example.org")
    Initiative.objects.filter(pk=farm.pk).update(submitted_by=submitter)
    editor = Client()
    editor.force_login(submitter)
    response = editor.post(
        f"/account/submissions/{farm.pk}/edit/",
        form_data(themes=[theme], place="Lawrence Weston", title="Lawrence Weston wind turbine"),
    )
    assert response.status_code == 302, response.content[:2000]
    # Waiting for moderation: the public still finds what is live.
    assert found(client, "turbines") == []
    revision_apply(InitiativeRevision.objects.get())
    assert found(client, "turbines") == ["Lawrence Weston wind turbine"]
    assert found(client, "solar") == []


def test_a_search_reads_the_list_in_a_bounded_number_of_queries(
    client, places, theme, django_assert_max_num_queries
):
    for n in range(12):
        make_initiative(f"Solar farm {n}", places=[places["bath"]], themes=[theme])
    with django_assert_max_num_queries(12):
        assert len(found(client, "farms")) == 12


# What only SQLite's FTS5 table does.

# Left out on PostgreSQL (the sqlite marker); on SQLite they need FTS5.
needs_fts5 = pytest.mark.sqlite


def fts_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid, title, places, themes FROM initiative_search_fts")
        return {row[0]: row[1:] for row in cursor.fetchall()}


@needs_fts5
def test_the_table_has_a_row_for_every_initiative_with_its_names(farm, bakery, theme, places):
    draft = make_initiative("Draft", places=[places["bath"]], themes=[theme], state="draft")
    rows = fts_rows()
    assert set(rows) == {farm.pk, bakery.pk, draft.pk}
    assert rows[farm.pk] == ("Community solar farm", "Lawrence Weston", theme.name)


@needs_fts5
def test_a_word_typed_without_its_accent_finds_it(client, places, theme):
    # remove_diacritics: PostgreSQL's english configuration keeps accents.
    make_initiative("Repair café", places=[places["bath"]], themes=[theme])
    assert found(client, "cafe") == ["Repair café"]


@needs_fts5
def test_a_refresh_of_everything_drops_the_rows_of_deleted_initiatives(farm, bakery):
    Initiative.objects.filter(pk=bakery.pk).delete()
    refresh_search_vectors()
    assert set(fts_rows()) == {farm.pk}


@needs_fts5
def test_a_refresh_of_some_rewrites_only_those(farm, bakery):
    Initiative.objects.filter(pk=farm.pk).update(title="Wind turbine")
    Initiative.objects.filter(pk=bakery.pk).update(title="Corner shop")
    refresh_search_vectors([farm.pk])
    rows = fts_rows()
    assert rows[farm.pk][0] == "Wind turbine"
    assert rows[bakery.pk][0] == "Village bakery"


@needs_fts5
def test_the_query_quotes_every_word_and_matches_prefixes():
    assert search_sqlite.match_expression(["farms", "and", "near"]) == (
        '"farms"* AND "and"* AND "near"*'
    )
    assert search_sqlite.match_expression(["a_b", "_"]) == '"a b"*'
    assert search_sqlite.match_expression(["_"]) == '""'


@needs_fts5
def test_a_search_keeps_what_the_queryset_already_filters(farm, bakery):
    Initiative.objects.filter(pk=bakery.pk).update(moderation_state="archived")
    assert list(search(Initiative.objects.published(), "farm")) == [farm]


@pytest.mark.sqlite
def test_without_fts5_search_falls_back_to_plain_matching_and_says_so_once(
    client, farm, monkeypatch, caplog
):
    monkeypatch.setattr(search_sqlite, "_probe", lambda: False)
    search_sqlite._fts5_compiled.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=search_sqlite.__name__):
            assert found(client, "solar") == ["Community solar farm"]
            assert found(client, "farm") == ["Community solar farm"]
    finally:
        search_sqlite._fts5_compiled.cache_clear()
    assert [r.message for r in caplog.records].count(
        "This SQLite has no FTS5: search falls back to plain matching."
    ) == 1
