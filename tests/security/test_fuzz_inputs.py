"""Whatever arrives, the site answers: any Unicode, 10,000 characters, NUL
and other control characters, markup and SQL, slugs and ids that name
nothing, page numbers below one or past the last page, boxes and
coordinates off the map, the wrong kind of body. Every page, data endpoint
and form answers with what it shows or with a 4xx that says what was wrong,
never a server error; and a form that it refuses writes nothing.

Hypothesis draws the inputs. Each test is bounded (a few dozen examples)
and derandomized, so that every run tries the same inputs in the same time.
Each example starts with an empty cache (rate limits, cached pages) and its
writes are rolled back, so that one example never changes what the next
one meets.
"""

import json
import struct
import time
import zlib
from contextlib import contextmanager
from urllib.parse import quote, quote_from_bytes, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from communities.models import Membership, Organisation, Place
from initiatives.abuse import form_started_token
from initiatives.curation import services as curation
from initiatives.models import (
    Alert,
    Collection,
    CollectionItem,
    Initiative,
    InitiativeImage,
    InitiativeOrganisation,
    InitiativePlace,
    InitiativeRevision,
    InitiativeSource,
    ModerationDecision,
    ProposedOrganisation,
    ProposedPlace,
    Report,
    RevisionImage,
    Theme,
)
from initiatives.moderation import reports
from initiatives.submissions import entries
from tests.factories import make_initiative, make_organisation
from tests.submission_forms import form_data, jpeg_bytes, staff_member, verified_user

pytestmark = pytest.mark.django_db


def fuzz(max_examples):
    return hypothesis_settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# What is sent.

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "' OR '1'='1' --",
    "1; DROP TABLE initiatives_initiative; --",
    "%",
    "_",
    "%_%",
    "\\",
    "'",
    '"',
    "\x00",
    "a\x00b",
    "%00",
    "../../../etc/passwd",
    "{{7*7}}",
    "{% debug %}",
    '=HYPERLINK("https://example.com")',
    "\u202egnp.exe",
    "\ufeff",
    "\u200b",
    "𝕳𝖊𝖑𝖑𝖔 🙂",
    "null",
    "[]",
    "{}",
    " ",
    "\t",
    "\r\n",
    "",
)
# Numbers as people and programs write them, and what only looks like one:
# "²" is a digit to str.isdigit() but not to int().
NUMBERISH = (
    "0",
    "-1",
    "-0",
    "1.5",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "-inf",
    "0x1F",
    "1_000",
    " 7 ",
    "²",
    "١٢",
    "𝟙",
    "99999999999999999999999999999",
    "-99999999999999999999",
    "9" * 400,
)
# Units repeated past 10,000 characters.
LONG_UNITS = ("a", "9", "ü", "<b>", "\x00", "🙂", "' OR 1=1 -- ", "%")

long_text = st.sampled_from(LONG_UNITS).map(lambda unit: unit * (10_000 // len(unit) + 1))
control_text = st.text(
    st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Zs", "Co"]), min_size=1, max_size=12
)
nasty = st.one_of(
    st.text(max_size=40),  # any Unicode, NUL and control characters included
    control_text,
    st.sampled_from(PAYLOADS),
    st.sampled_from(NUMBERISH),
    st.integers().map(str),
    long_text,
)
bboxes = st.one_of(
    st.lists(
        st.one_of(st.floats(), st.sampled_from(NUMBERISH), st.text(max_size=5)),
        max_size=6,
    ).map(lambda parts: ",".join(map(str, parts))),
    st.sampled_from(
        ["-3,50,-1,52", "180,-90,-180,90", "-3,52,-1,50", ",,,", "1,2,3", "-200,0,0,0"]
    ),
)


def values(*valid):
    """Nasty values, and some that mean something (so that the code behind
    a valid first parameter meets a nasty second one)."""
    return st.one_of(nasty, st.sampled_from(valid)) if valid else nasty


def queries(params):
    """Query strings over `params` ({name: strategy}); a list value repeats
    the parameter."""
    return st.fixed_dictionaries({}, optional=params)


LIST_PARAMS = {
    "q": values("solar", "tool library", "a b c d e f g h"),
    "place": values("england", "bristol", "lawrence-weston"),
    "theme": st.lists(values("community-energy", ""), max_size=3),
    "organisation": values("hartcliffe-community-trust"),
    "status": values("active", "ended", "paused"),
    "near": values("bristol", "bath", "england"),
    "radius_km": values("1", "10", "500", "501"),
    "sort": values("relevance", "newest", "title", "distance"),
    "page": values("1", "2", "3"),
}
FILTERED = {
    "/initiatives/": LIST_PARAMS,
    "/map/": LIST_PARAMS,
    "/embed/map/": LIST_PARAMS,
    "/initiatives/export.csv": LIST_PARAMS,
    "/api/initiatives.geojson": {**LIST_PARAMS, "bbox": bboxes, "zoom": values("0", "6", "20")},
    "/api/initiatives/": {
        **LIST_PARAMS,
        "page_size": values("1", "100", "101"),
        "modified_after": values(
            "2024-01-01", "2024-01-01T09:30:00+02:00", "0001-01-01T00:00-23:59"
        ),
    },
}
OPENREFERRAL_PARAMS = {
    "page": values("1", "2"),
    "per_page": values("1", "50", "1000"),
    "search": values("solar"),
    "taxonomy_term_id": values("ac148810-d857-441c-9679-408f346de14b"),
    "taxonomy_id": values("ac148810-d857-441c-9679-408f346de14b"),
    "organization_id": values("ac148810-d857-441c-9679-408f346de14b"),
    "modified_after": values("2024-05-01", "2024-05-01T09:30:00Z", "9999-12-31T23:59:59-14:00"),
    "place": values("england", "bristol"),
}
OTHER_GETS = {
    "/openreferral/": {},
    "/openreferral/services": OPENREFERRAL_PARAMS,
    "/openreferral/service_at_locations": OPENREFERRAL_PARAMS,
    "/openreferral/organizations": OPENREFERRAL_PARAMS,
    "/openreferral/taxonomies": OPENREFERRAL_PARAMS,
    "/openreferral/taxonomy_terms": OPENREFERRAL_PARAMS,
    "/api/places/": {
        "q": values("Bri"),
        "kind": values("town", "region"),
        "parent": values("england"),
        "within": values("england"),
        "modified_after": values("2024-01-01"),
        "page": values("1"),
        "page_size": values("5"),
    },
    "/api/organisations/": {
        "q": values("Trust"),
        "kind": values("community_group"),
        "place": values("bristol"),
        "modified_after": values("2024-01-01"),
        "page": values("1"),
    },
    "/api/themes/": {"parent": values("community-energy"), "page": values("1")},
    "/api/collections/": {"page": values("1"), "page_size": values("2")},
    "/organisations/": {"kind": values("community_group", "council"), "page": values("1")},
    "/collections/": {"page": values("1")},
    "/places/bristol/": {"page": values("1")},
    "/themes/community-energy/": {"page": values("1")},
    "/organisations/hartcliffe-community-trust/": {"page": values("1")},
    "/alerts/follow/": {
        "place": values("bristol"),
        "theme": values("community-energy"),
        "sent": values("1"),
    },
    "/places/": {},
    "/themes/": {},
    "/": {},
}
# The paths that take a slug or an id: {} is what is drawn.
PATHS_WITH_IDS = (
    "/initiatives/{}/",
    "/initiatives/{}/report/",
    "/places/{}/",
    "/places/{}/feed.rss",
    "/themes/{}/",
    "/themes/{}/feed.atom",
    "/organisations/{}/",
    "/organisations/{}/feed.rss",
    "/collections/{}/",
    "/api/initiatives/{}/",
    "/api/places/{}/",
    "/api/organisations/{}/",
    "/api/themes/{}/",
    "/api/collections/{}/",
    "/openreferral/services/{}",
    "/openreferral/service_at_locations/{}",
    "/openreferral/organizations/{}",
    "/openreferral/taxonomies/{}",
    "/openreferral/taxonomy_terms/{}",
    "/alerts/{}/confirm/",
    "/alerts/{}/unsubscribe/",
)
# Pages that take a number (staff's, and the submitter's own): one too large
# for the database must not overflow it.
STAFF_PATHS_WITH_NUMBERS = (
    "/moderation/initiatives/{}/",
    "/moderation/edits/{}/",
    "/moderation/reports/{}/",
    "/moderation/proposals/place/{}/",
    "/initiatives/submit/{}/review/",
    "/initiatives/submit/{}/done/",
    "/account/submissions/{}/edit/",
)

ERROR_MARKERS = (
    b'class="error-summary"',
    b'class="embed__error"',
    b'class="errorlist"',
    # Pages that are themselves the message: an alert link that no longer
    # works, and a body that could not be read at all (templates/400.html).
    b"This link no longer works",
    b"we could not read what your browser sent",
)


# The site they are sent to.


@pytest.fixture(autouse=True)
def _uncached(settings):
    # Anonymous GETs would otherwise be answered from the cache, not the view.
    settings.PAGE_CACHE = False


@pytest.fixture
def world(places, theme):
    """A small map with something in every state, and a client for each persona."""
    resident = verified_user("resident@example.org")
    trust = make_organisation("Hartcliffe Community Trust", places=[places["bristol"]])
    published = make_initiative(
        "Community solar farm",
        places=[places["bristol"]],
        themes=[theme],
        organisations=[(trust, "lead")],
        submitted_by=resident,
    )
    make_initiative("Bath tool library", places=[places["bath"]], themes=[theme])
    pending = make_initiative(
        "Lawrence Weston repair cafe",
        places=[places["lawrence-weston"]],
        themes=[theme],
        state=Initiative.State.PENDING,
        submitted_by=resident,
    )
    draft = make_initiative(
        "Draft garden share",
        places=[places["bristol"]],
        themes=[theme],
        state=Initiative.State.DRAFT,
        submitted_by=resident,
    )
    proposed_place = ProposedPlace.objects.create(
        initiative=pending, name="Shirehampton", within=places["bristol"], proposed_by=resident
    )
    ProposedOrganisation.objects.create(
        initiative=pending, name="Shire Makers", role="lead", proposed_by=resident
    )
    revision = InitiativeRevision.objects.create(
        initiative=published,
        proposed_by=resident,
        data={**entries.live_entry_data(published), "title": "Community solar farm (edited)"},
    )
    report = reports.report_create(
        initiative=published, reason="wrong", details="The hours are wrong.", email=""
    )
    collection = curation.collection_save(
        title="Energy in Bristol", initiatives=[published], is_public=True
    )
    moderator = staff_member("moderator@example.org", "Moderators")
    curator = staff_member("curator@example.org", "Curators")
    clients = {"anonymous": Client()}
    for name, user in (("resident", resident), ("moderator", moderator), ("curator", curator)):
        clients[name] = Client()
        clients[name].force_login(user)
    return {
        "clients": clients,
        "resident": resident,
        "published": published,
        "pending": pending,
        "draft": draft,
        "proposed_place": proposed_place,
        "revision": revision,
        "report": report,
        "collection": collection,
        "theme": theme,
        "trust": trust,
        "places": places,
    }


@contextmanager
def one_example():
    """An example on its own: an empty cache, and its writes rolled back."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


TRACKED = (
    Initiative,
    InitiativePlace,
    InitiativeOrganisation,
    InitiativeSource,
    InitiativeImage,
    InitiativeRevision,
    RevisionImage,
    ProposedPlace,
    ProposedOrganisation,
    ModerationDecision,
    Report,
    Collection,
    CollectionItem,
    Alert,
    Place,
    Organisation,
    Membership,
    Theme,
    EmailAddress,
)


def snapshot():
    """Every row that a form could write, to compare before and after."""
    rows = {
        model._meta.label: list(model.objects.order_by("pk").values_list()) for model in TRACKED
    }
    users = get_user_model().objects.order_by("pk")
    rows["users"] = list(users.values_list("pk", "email", "password", "public_name", "is_active"))
    return rows


def content_of(response) -> bytes:
    # A streamed answer (the CSV) fails, if it fails, while it is read.
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def says_what_was_wrong(response, content: bytes) -> bool:
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        data = json.loads(content)
        if "form" in data:
            # allauth answers a JSON request with its form and the errors in it.
            form = data["form"]
            return bool(form["errors"]) or any(f["errors"] for f in form["fields"].values())
        # Ours say {"error": ...}; the API's filters, {"field": ["message"]}.
        return bool(data) and (
            "error" in data or all(isinstance(v, list) and v for v in data.values())
        )
    if content_type.startswith("text/html"):
        return any(marker in content for marker in ERROR_MARKERS)
    return bool(content.strip())


def assert_answered(response):
    """Not a server error; and a 400 says what was wrong."""
    assert response.status_code < 500, response.status_code
    content = content_of(response)
    if response.status_code == 400:
        assert says_what_was_wrong(response, content), content[:500]
    if "json" in response.get("Content-Type", ""):
        json.loads(content)
    return content


def assert_refused_cleanly(response, before):
    """A form that did not redirect refused what it was sent: it says why
    (or that it was too many) and nothing of it was written."""
    content = assert_answered(response)
    if response.status_code in (301, 302, 303):
        return False
    assert response.status_code in (200, 400, 403, 404, 405, 429), response.status_code
    assert snapshot() == before, "a refused form wrote to the database"
    return content


# Query parameters.


@pytest.mark.parametrize("path", FILTERED)
@fuzz(30)
@given(params=st.data())
def test_the_list_map_geojson_csv_and_api_filters_never_fail(world, path, params):
    query = params.draw(queries(FILTERED[path]))
    with one_example():
        assert_answered(world["clients"]["anonymous"].get(path, query))


@fuzz(10)
@given(params=st.data())
def test_open_referral_the_api_lists_and_the_public_pages_take_any_query(world, params):
    for path, strategies in OTHER_GETS.items():
        # A page with no parameters of its own is sent anything at all.
        query = params.draw(
            queries(strategies) if strategies else st.dictionaries(nasty, nasty, max_size=3)
        )
        with one_example():
            response = world["clients"]["anonymous"].get(path, query)
            assert_answered(response)
            if path.startswith("/openreferral/") and response.status_code == 400:
                assert "error" in response.json()


@fuzz(40)
@given(raw=st.lists(st.tuples(nasty, st.binary(max_size=30)), max_size=5))
def test_query_strings_that_are_not_utf_8_are_read_without_failing(world, raw):
    # Percent-encoded bytes that decode to nothing valid, in any parameter.
    query = "&".join(
        f"{quote(name[:20], safe='')}={quote_from_bytes(value, safe='')}" for name, value in raw
    )
    query += "&theme=%C0%AF&q=%FF%FE&place=%ED%A0%80"
    for path in ("/initiatives/", "/api/initiatives.geojson", "/api/initiatives/"):
        with one_example():
            assert_answered(world["clients"]["anonymous"].get(path, QUERY_STRING=query))


@fuzz(12)
@given(
    value=st.one_of(
        nasty.filter(bool),
        st.uuids().map(str),
        st.sampled_from(
            ["bristol", "community-solar-farm", "ac148810-d857-441c-9679-408f346de14b"]
        ),
    )
)
def test_slugs_and_ids_that_name_nothing_are_not_found(world, value):
    for pattern in PATHS_WITH_IDS:
        with one_example():
            response = world["clients"]["anonymous"].get(pattern.format(quote(value, safe="")))
            assert_answered(response)
            if (
                pattern.startswith("/openreferral/")
                and "/" not in value
                and response.status_code == 404
            ):
                # Open Referral's own 404s are JSON (a "/" leaves its paths altogether).
                assert "error" in response.json()


@fuzz(10)
@given(number=st.one_of(st.integers(min_value=0), st.sampled_from(["9" * 30, "0", "00001"])))
def test_staff_and_submitter_pages_take_any_number(world, number):
    for pattern in STAFF_PATHS_WITH_NUMBERS:
        client = world["clients"]["moderator" if "moderation" in pattern else "resident"]
        with one_example():
            assert_answered(client.get(pattern.format(number)))


@fuzz(25)
@given(
    query=queries(
        {
            "kind": values("new", "edit", "report", "proposal"),
            "theme": values("community-energy"),
            "place": values("bristol"),
        }
    ),
    merge=queries({"duplicate": values("bath"), "keep": values("bristol")}),
    page=values("1", "2"),
)
def test_staff_pages_take_any_query(world, query, merge, page):
    moderator, curator = world["clients"]["moderator"], world["clients"]["curator"]
    resident = world["clients"]["resident"]
    with one_example():
        assert_answered(moderator.get("/moderation/", query))
        assert_answered(curator.get("/curation/merge/places/", merge))
        assert_answered(curator.get("/curation/merge/organisations/", merge))
        assert_answered(resident.get("/account/submissions/", {"page": page}))


# Forms.


class Valid(tuple):
    """A form field's valid values: fuzzing mixes them with nasty ones."""

    def __new__(cls, *valid):
        return super().__new__(cls, valid)


def _follow(world, _draw):
    return "/alerts/follow/", {
        "email": Valid("reader@example.org", "READER@Example.org", '"<script>"@example.org'),
        "place": Valid("bristol", ""),
        "theme": Valid("", "community-energy"),
        "form_started": Valid(form_started_token(time.time() - 10)),
        "fax_number": Valid(""),
        # The unsubscribed page's "Follow again" button, with a signed value.
        "again": nasty,
    }


def _report(world, _draw):
    return f"/initiatives/{world['published'].slug}/report/", {
        "reason": Valid("wrong", "ended", "spam", "offensive"),
        "details": Valid("It closed."),
        "email": Valid("reporter@example.org", ""),
        "form_started": Valid(form_started_token(time.time() - 10)),
        "fax_number": Valid(""),
    }


def _signup(world, _draw):
    return "/account/signup/", {
        "email": Valid("new@example.org", "resident@example.org"),
        "password1": Valid("a-long-and-unusual-password-42"),
        "password2": Valid("a-long-and-unusual-password-42"),
    }


def _login(world, _draw):
    return "/account/login/", {
        "login": Valid("resident@example.org"),
        "password": Valid("a-long-password-1x"),
        "remember": Valid("on"),
    }


def _password_reset(world, _draw):
    return "/account/password/reset/", {"email": Valid("resident@example.org")}


def _membership(world, _draw):
    return "/account/organisations/", {
        "organisation": Valid("Hartcliffe Community Trust"),
        "job_title": Valid("Treasurer"),
        "message": Valid("Ask Sam."),
    }


def _account_delete(world, _draw):
    return "/account/delete/", {"password": Valid("not-the-password")}


def _submit_review(world, _draw):
    return f"/initiatives/submit/{world['draft'].pk}/review/", {
        "same_as": Valid(world["published"].slug)
    }


def _moderation_decision(world, _draw):
    return f"/moderation/initiatives/{world['pending'].pk}/", {
        "action": Valid("approve", "reject", "request_changes", "archive"),
        "message": Valid("Thank you."),
        "note": Valid("Checked."),
        "seen_state": Valid("pending", "published"),
    }


def _revision_decision(world, _draw):
    return f"/moderation/edits/{world['revision'].pk}/", {
        "action": Valid("approve", "reject", "request_changes"),
        "message": Valid("Thank you."),
        "note": Valid(""),
        "seen_state": Valid("pending"),
    }


def _report_decision(world, _draw):
    return f"/moderation/reports/{world['report'].pk}/", {
        "action": Valid("resolve", "dismiss", "unpublish"),
        "message": Valid("Fixed."),
        "seen_state": Valid("open"),
    }


def _bulk_decide(world, _draw):
    return "/moderation/decide/", {
        "action": Valid("approve", "reject"),
        "message": Valid(""),
        "items": Valid(str(world["pending"].pk), "²"),
    }


def _merge_duplicate(world, _draw):
    return f"/moderation/initiatives/{world['pending'].pk}/merge/", {
        "into": Valid(world["published"].slug),
        "message": Valid(""),
    }


def _proposal(world, _draw):
    return f"/moderation/proposals/place/{world['proposed_place'].pk}/", {
        "action": Valid("accept", "reject"),
        "existing": Valid("Bristol", "Bath"),
        "kind": Valid("neighbourhood", "town"),
    }


def _notifications(world, _draw):
    return "/moderation/notifications/", {"notify": Valid("on")}


def _import(world, draw):
    if draw is None:  # Not fuzzing: a file with a header and no rows.
        return "/moderation/import/", {
            "state": Valid("pending", "published"),
            "action": Valid("check", "import"),
        }
    content = draw(
        st.one_of(
            st.binary(max_size=300),
            st.text(max_size=300).map(str.encode),
            st.lists(st.lists(nasty, max_size=6), max_size=4).map(
                lambda rows: "\n".join(
                    ",".join(r) for r in [["title", "summary", "themes", "places"], *rows]
                ).encode()
            ),
        )
    )
    name = draw(st.one_of(st.just("initiatives.csv"), nasty.map(lambda n: n[:60] or "x")))
    return "/moderation/import/", {
        "file": st.just(SimpleUploadedFile(name.replace("\x00", "") or "x", content, "text/csv")),
        "state": Valid("pending", "published"),
        "action": Valid("check", "import"),
    }


def _collection(world, _draw):
    item = world["published"].pk
    return f"/curation/collections/{world['collection'].slug}/", {
        "title": Valid("Energy in Bristol"),
        "introduction": Valid(""),
        "is_public": Valid("on"),
        "add": Valid("Bath tool library", world["published"].title),
        f"position_{item}": Valid("1", "2"),
        f"remove_{item}": Valid("on"),
    }


def _new_collection(world, _draw):
    return "/curation/collections/new/", {
        "title": Valid("Repair in Bath"),
        "introduction": Valid(""),
        "is_public": Valid("on"),
        "add": Valid("Bath tool library"),
    }


def _merge_places(world, _draw):
    return "/curation/merge/places/", {
        "duplicate": Valid("bath", "Bath"),
        "keep": Valid("bristol", "Bristol"),
        "confirm": Valid("yes"),
    }


def _merge_organisations(world, _draw):
    return "/curation/merge/organisations/", {
        "duplicate": Valid("hartcliffe-community-trust"),
        "keep": Valid("hartcliffe-community-trust"),
        "confirm": Valid("yes"),
    }


def _feature(world, _draw):
    return f"/curation/initiatives/{world['published'].pk}/feature/", {
        "featured": Valid("0", "1"),
        "next": Valid(
            "/initiatives/", "https://evil.example/", "//evil.example", "/\\evil.example"
        ),
    }


# name: (persona, what to send)
FORMS = {
    "follow": ("anonymous", _follow),
    "report": ("anonymous", _report),
    "sign-up": ("anonymous", _signup),
    "sign-in": ("anonymous", _login),
    "password-reset": ("anonymous", _password_reset),
    "membership": ("resident", _membership),
    "account-delete": ("resident", _account_delete),
    "submit-review": ("resident", _submit_review),
    "moderation-decision": ("moderator", _moderation_decision),
    "revision-decision": ("moderator", _revision_decision),
    "report-decision": ("moderator", _report_decision),
    "bulk-decision": ("moderator", _bulk_decide),
    "merge-duplicate": ("moderator", _merge_duplicate),
    "proposal": ("moderator", _proposal),
    "notifications": ("moderator", _notifications),
    "import": ("moderator", _import),
    "collection-edit": ("curator", _collection),
    "collection-create": ("curator", _new_collection),
    "merge-places": ("curator", _merge_places),
    "merge-organisations": ("curator", _merge_organisations),
    "feature": ("curator", _feature),
}


@pytest.mark.parametrize("form", FORMS)
@fuzz(20)
@given(data=st.data())
def test_every_form_refuses_bad_input_without_failing_or_writing(world, form, data):
    persona, spec = FORMS[form]
    path, fields = spec(world, data.draw)
    strategies = {name: values(*v) if isinstance(v, Valid) else v for name, v in fields.items()}
    sent = data.draw(queries(strategies))
    with one_example():
        before = snapshot()
        response = world["clients"][persona].post(path, sent)
        content = assert_refused_cleanly(response, before)
        if content is not False and response.status_code == 200 and form.startswith("sign"):
            # allauth shows a refused form again with 200: with its errors.
            assert any(marker in content for marker in ERROR_MARKERS)
        if response.status_code in (301, 302, 303):
            # Wherever a form sends people next, it is on this site.
            location = urlsplit(response["Location"])
            assert not location.scheme and not location.netloc, response["Location"]
            assert not response["Location"].startswith(("//", "/\\"))


NUL = "a\x00b"


def holds_nul(rows) -> bool:
    return any(
        "\x00" in value
        for table in rows.values()
        for row in table
        for value in row
        if isinstance(value, str)
    )


def test_a_nul_in_any_field_of_any_form_is_refused_and_never_stored(world):
    # Each field in turn, the others valid: PostgreSQL refuses a NUL in any
    # string it is sent, so whatever reads a field raw must turn it away.
    for form, (persona, spec) in FORMS.items():
        path, fields = spec(world, None)
        valid = {name: v[0] for name, v in fields.items() if isinstance(v, Valid) and v}
        for name in valid:
            with one_example():
                before = snapshot()
                response = world["clients"][persona].post(path, {**valid, name: NUL})
                assert response.status_code < 500, (form, name)
                if response.status_code not in (301, 302, 303):
                    assert_refused_cleanly(response, before)
                assert not holds_nul(snapshot()), (form, name)
    valid = form_data(themes=[world["theme"]], place="Bristol")
    for name in SUBMISSION_FIELDS:
        with one_example():
            before = snapshot()
            response = world["clients"]["resident"].post(
                "/initiatives/submit/", {**valid, name: NUL}
            )
            # A tick box takes any value for "on"; text fields refuse it.
            if assert_refused_cleanly(response, before) is False:
                assert not holds_nul(snapshot()), name


def test_a_nul_in_any_query_parameter_or_address_is_refused_or_ignored(world):
    anonymous = world["clients"]["anonymous"]
    for path, params in {**FILTERED, **OTHER_GETS}.items():
        for name in params or ["q"]:
            with one_example():
                assert_answered(anonymous.get(path, {name: NUL}))
    for pattern in PATHS_WITH_IDS:
        with one_example():
            assert_answered(anonymous.get(pattern.format(quote(NUL))))
    for client, path, names in (
        (world["clients"]["moderator"], "/moderation/", ("kind", "theme", "place")),
        (world["clients"]["curator"], "/curation/merge/places/", ("duplicate", "keep")),
        (world["clients"]["resident"], "/account/submissions/", ("page",)),
    ):
        for name in names:
            with one_example():
                assert_answered(client.get(path, {name: NUL}))


SUBMISSION_FIELDS = {
    "title": values("Hartcliffe tool library"),
    "summary": values("Tools lent from a shed."),
    "description": values("Open on Saturdays."),
    "how_to_adapt": values(""),
    "themes": st.lists(values("1", "2"), max_size=3),
    "place": values("Bristol", "Bristol, South West", "Nowhere"),
    "new_place": values("on"),
    "new_place_within": values("Bristol"),
    "latitude": values("51.45", "91", "-90"),
    "longitude": values("-2.58", "181"),
    "activity_status": values("active", "ended"),
    "start_date": values("2020-01-01", "0000-00-00", "2020-02-30", "9999-12-31"),
    "end_date": values("2019-01-01", "2021-01-01"),
    "website": values("https://example.org", "javascript:alert(1)", "http://[::1"),
    "contact_name": values("Sam"),
    "contact_email": values("sam@example.org"),
    "contact_phone": values("0117 000 0000"),
    "contact_consent": values("on"),
    "source_url": values("https://example.org/news", "data:text/html,<script>alert(1)</script>"),
    "source_title": values("News"),
    "on_behalf_of": values("1"),
    "credit_submitter": values("on"),
    "public_name": values("Sam"),
    "form_started": values("", "1"),
    "fax_number": values(""),
    "org-TOTAL_FORMS": values("3", "11", "99999999"),
    "org-INITIAL_FORMS": values("0"),
    "org-0-name": values("Hartcliffe Community Trust", "Someone new"),
    "org-0-role": values("lead", "funder"),
    "org-0-is_new": values("on"),
    "org-0-website": values("https://example.org"),
    "photo-TOTAL_FORMS": values("5", "6"),
    "photo-0-alt_text": values("A shed"),
    "photo-0-kept": values("x"),
    "remove_photos": st.lists(values("1"), max_size=2),
}


@pytest.mark.parametrize("edit", [False, True], ids=["new", "edit"])
@fuzz(30)
@given(overrides=queries(SUBMISSION_FIELDS).filter(bool))
def test_the_submission_form_refuses_bad_input_without_failing_or_writing(world, edit, overrides):
    resident = world["clients"]["resident"]
    path = "/initiatives/submit/"
    if edit:
        path = f"/account/submissions/{world['published'].pk}/edit/"
    valid = form_data(themes=[world["theme"]], place="Bristol")
    with one_example():
        before = snapshot()
        response = resident.post(path, {**valid, **overrides})
        if assert_refused_cleanly(response, before) is False:
            # Accepted: a draft, or an edit waiting for moderation, free of NULs.
            changed = Initiative.objects.order_by("-pk").first() if not edit else None
            if changed is not None:
                assert changed.moderation_state == Initiative.State.DRAFT
                assert "\x00" not in changed.title + changed.summary + changed.description


def _png_header(width, height):
    def chunk(kind, body):
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 16))
        + chunk(b"IEND", b"")
    )


BAD_IMAGES = (
    _png_header(60_000, 60_000),  # a decompression bomb
    _png_header(6_000, 5_000),  # over the pixel limit, and truncated
    jpeg_bytes()[:200],  # a photo cut short
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    b"",
)


@fuzz(15)
@given(
    content=st.one_of(st.sampled_from(BAD_IMAGES), st.binary(max_size=500)),
    name=st.one_of(st.just("photo.jpg"), nasty.map(lambda n: n.replace("\x00", "")[:100] or "x")),
    content_type=st.sampled_from(
        ["image/jpeg", "image/png", "text/html", "application/octet-stream"]
    ),
)
def test_files_that_are_not_photos_are_refused_with_a_reason(world, content, name, content_type):
    data = form_data(themes=[world["theme"]], place="Bristol", **{"photo-0-alt_text": "A shed"})
    data["photo-0-image"] = SimpleUploadedFile(name, content, content_type)
    with one_example():
        before = snapshot()
        response = world["clients"]["resident"].post("/initiatives/submit/", data)
        assert response.status_code == 400
        assert_refused_cleanly(response, before)


# The wrong kind of body.

POST_PATHS = {
    "/alerts/follow/": "anonymous",
    "/account/signup/": "anonymous",
    "/account/login/": "anonymous",
    "/account/password/reset/": "anonymous",
    "/initiatives/submit/": "resident",
    "/account/organisations/": "resident",
    "/account/delete/": "resident",
    "/moderation/decide/": "moderator",
    "/moderation/import/": "moderator",
    "/curation/collections/new/": "curator",
    "/curation/merge/places/": "curator",
}
REPORT_PATH = "report"
DECISION_PATH = "decision"

bodies = st.one_of(
    st.dictionaries(nasty, nasty, max_size=4).map(
        lambda d: ("application/json", json.dumps(d).encode())
    ),
    st.binary(max_size=400).map(lambda b: ("multipart/form-data; boundary=xyz", b)),
    st.binary(max_size=400).map(
        lambda b: (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="title"\r\n\r\n' + b,
        )
    ),
    st.sampled_from(
        [
            ("multipart/form-data", b"no boundary"),
            ("multipart/form-data; boundary=", b"--\r\n"),
            ("multipart/form-data; boundary=" + "x" * 300, b"--x"),
            ("application/x-www-form-urlencoded", b"title=%FF%FE&title=%00&%%%=1&&=&a"),
            ("text/plain", b"title=<script>alert(1)</script>"),
            (
                "application/xml",
                b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
            ),
        ]
    ),
    st.binary(max_size=400).map(lambda b: ("application/x-www-form-urlencoded", b)),
)


@pytest.mark.parametrize("path", [*POST_PATHS, REPORT_PATH, DECISION_PATH])
@fuzz(10)
@given(body=bodies)
def test_a_body_of_the_wrong_kind_is_refused_without_failing_or_writing(world, path, body):
    if path == REPORT_PATH:
        path, persona = f"/initiatives/{world['published'].slug}/report/", "anonymous"
    elif path == DECISION_PATH:
        path, persona = f"/moderation/initiatives/{world['pending'].pk}/", "moderator"
    else:
        persona = POST_PATHS[path]
    content_type, payload = body
    with one_example():
        before = snapshot()
        response = world["clients"][persona].post(path, payload, content_type=content_type)
        assert_refused_cleanly(response, before)


@pytest.mark.parametrize(
    "path",
    [
        "/api/initiatives/",
        "/api/initiatives.geojson",
        "/openreferral/services",
        "/initiatives/export.csv",
    ],
)
def test_the_read_only_endpoints_refuse_writes_with_405(world, path):
    response = world["clients"]["anonymous"].post(
        path, b'{"title": "<script>"}', content_type="application/json"
    )
    assert response.status_code == 405
    assert not Initiative.objects.filter(title="<script>").exists()


# What fuzzing found, kept as plain tests.


def test_a_uuid_in_a_collections_address_names_no_collection(world):
    # Collections have slugs only: looking one up by uuid was a server error.
    response = world["clients"]["anonymous"].get(
        "/api/collections/ac148810-d857-441c-9679-408f346de14b/"
    )
    assert response.status_code == 404
    assert (
        world["clients"]["anonymous"].get("/api/collections/energy-in-bristol/").json()["title"]
        == "Energy in Bristol"
    )


def test_bulk_decisions_pass_over_ids_that_are_not_plain_numbers(world):
    pending = world["pending"]
    response = world["clients"]["moderator"].post(
        "/moderation/decide/",
        {"action": "approve", "message": "", "items": ["²", "9" * 30, str(pending.pk)]},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.moderation_state == Initiative.State.PUBLISHED


def test_a_theme_id_too_large_for_the_database_is_a_mistake_in_the_form(world):
    data = form_data(themes=[world["theme"]], place="Bristol")
    data["themes"] = ["9" * 30]
    before = snapshot()
    response = world["clients"]["resident"].post("/initiatives/submit/", data)
    assert response.status_code == 400
    assert "Choose themes from the list." in response.text
    assert snapshot() == before


def test_removing_a_photo_the_initiative_does_not_have_is_a_mistake_in_the_form(world):
    data = {**form_data(themes=[world["theme"]], place="Bristol"), "remove_photos": ["1"]}
    before = snapshot()
    response = world["clients"]["resident"].post("/initiatives/submit/", data)
    assert response.status_code == 400
    assert b'class="error-summary"' in response.content
    assert b'href="#photos-fieldset"' in response.content
    assert snapshot() == before


def test_featuring_with_somewhere_to_go_next_that_is_not_a_path_returns_to_curation(world):
    response = world["clients"]["curator"].post(
        f"/curation/initiatives/{world['published'].pk}/feature/", {"featured": "1", "next": "0"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/curation/"


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("anonymous", "/initiatives/{published.slug}/report/"),
        ("resident", "/account/delete/"),
        ("resident", "/account/organisations/"),
        ("moderator", "/moderation/initiatives/{pending.pk}/"),
        ("moderator", "/moderation/reports/{report.pk}/"),
    ],
)
def test_a_form_sent_empty_says_what_is_missing(world, persona, path):
    # An empty POST used to leave the form unbound: a page with no message.
    before = snapshot()
    response = world["clients"][persona].post(path.format(**world), {})
    assert response.status_code == 400
    assert b'class="error-summary"' in response.content
    assert snapshot() == before


def test_a_body_that_cannot_be_read_gets_a_page_that_says_so(world):
    response = world["clients"]["anonymous"].post(
        "/alerts/follow/", b"email=a", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert b"we could not read what your browser sent" in response.content
