"""The API describes itself: a valid OpenAPI 3 schema, documentation served
from the site itself, and every GET operation answering within its schema
whatever a client sends (a bounded schemathesis run over the demo data)."""

import json
import re

import hypothesis
import pytest
import schemathesis
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from config.wsgi import application
from initiatives.management.commands.load_demo_data import DEMO_DATA
from initiatives.models import Collection, CollectionItem, Initiative

SCHEMA_URL = "/api/schema/?format=json"
OPERATIONS = {
    "/api/initiatives/",
    "/api/initiatives/{slug}/",
    "/api/places/",
    "/api/places/{slug}/",
    "/api/organisations/",
    "/api/organisations/{slug}/",
    "/api/themes/",
    "/api/themes/{slug}/",
    "/api/collections/",
    "/api/collections/{slug}/",
}


@pytest.mark.django_db
def test_the_schema_is_valid_openapi_3_in_json(client):
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    schema = response.json()
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == OPERATIONS
    # Read-only: nothing but GET.
    assert {method for path in schema["paths"].values() for method in path} == {"get"}


@pytest.mark.django_db
def test_the_schema_is_yaml_by_default_and_the_same_document(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(response.content) == client.get(SCHEMA_URL).json()


@pytest.mark.django_db
def test_the_schema_names_the_licence_and_the_filters(client, settings):
    schema = client.get(SCHEMA_URL).json()
    assert schema["info"]["license"] == {
        "name": settings.DATA_LICENCE_NAME,
        "url": settings.DATA_LICENCE_URL,
    }
    parameters = {p["name"] for p in schema["paths"]["/api/initiatives/"]["get"]["parameters"]}
    assert parameters >= {
        "q",
        "place",
        "theme",
        "organisation",
        "status",
        "near",
        "radius_km",
        "sort",
        "modified_after",
        "page",
        "page_size",
    }


# The documentation page.


def _asset_urls(html):
    return re.findall(r"<(?:script|link)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"", html)


@pytest.mark.django_db
def test_the_docs_page_loads_its_assets_from_the_site_itself(client, settings):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.text
    assets = _asset_urls(html)
    assert any("swagger-ui" in url for url in assets), assets
    for url in assets:
        assert url.startswith("/") and not url.startswith("//"), f"{url} is not the site's"
        if url.startswith(settings.STATIC_URL):
            assert finders.find(url.removeprefix(settings.STATIC_URL)), f"{url} is missing"
    assert not re.search(r"<(?:script|link)\b[^>]*\bhttps?://", html)
    assert settings.DATA_LICENCE_URL in html
    assert settings.DATA_LICENCE_NAME in html


@pytest.mark.django_db
def test_the_docs_page_script_is_javascript_from_the_site(client):
    html = client.get("/api/docs/").text
    scripts = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html)
    init = [url for url in scripts if "?script=" in url]
    assert init == ["/api/docs/?script="]
    # No inline script: the page keeps the site's Content Security Policy.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    response = client.get("/api/docs/", {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.text
    assert "/api/schema/" in response.text


# The schema against the running API.

schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, application)

# The demo data's slugs (and a collection's), so that detail operations are
# asked for things that exist as well as for made-up slugs.
DEMO = json.loads(DEMO_DATA.read_text(encoding="utf-8"))
KNOWN_SLUGS = {
    f"/api/{kind}/{{slug}}/": [row["slug"] for row in DEMO[kind]]
    for kind in ("initiatives", "places", "organisations", "themes")
} | {"/api/collections/{slug}/": ["demo-collection", "private-collection"]}


@schema.hook
def map_query(context, query):
    # Most page numbers drawn name no page (a 404, which test_api checks): ask
    # for the first page instead, so that the lists' answers are checked.
    if query and query.get("page") not in (None, 1, 2):
        query = {**query, "page": 1}
    return query


@schema.hook
def before_generate_path_parameters(context, strategy):
    known = KNOWN_SLUGS.get(context.operation.path)
    if not known:
        return strategy
    return st.one_of(strategy, st.fixed_dictionaries({"slug": st.sampled_from(known)}))


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo places, organisations, themes and initiatives, and a public and
    a private collection (one of whose initiatives is archived), loaded once
    for the module and rolled back after it (each test rolls back to here)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo_data", verbosity=0)
        initiatives = list(Initiative.objects.order_by("slug")[:3])
        Initiative.objects.filter(pk=initiatives[0].pk).update(
            moderation_state=Initiative.State.ARCHIVED
        )
        public = Collection.objects.create(title="Demo collection", slug="demo-collection")
        private = Collection.objects.create(
            title="Private collection", slug="private-collection", is_public=False
        )
        for position, initiative in enumerate(initiatives):
            CollectionItem.objects.create(
                collection=public, initiative=initiative, position=position
            )
            CollectionItem.objects.create(collection=private, initiative=initiative)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def wsgi_keeps_the_test_transaction():
    """Django's WSGI handler closes the database connection after each
    request, which would end the test's transaction: as Django's test client
    does, leave the connection alone."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_loaded_for_the_run_has_every_operation():
    paths = {result.ok().path for result in schema.get_all_operations()}
    assert paths == OPERATIONS


@schema.include(method="GET").parametrize()
@hypothesis.settings(
    max_examples=30,
    deadline=None,
    # The same examples every run, and no example database in the tree.
    derandomize=True,
    database=None,
    # The database fixtures are per test, not per example: the API is read-only.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_get_operation_answers_within_its_schema(
    case, demo_data, db, wsgi_keeps_the_test_transaction
):
    # In process, nothing would uncompress a gzipped answer: ask for none.
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
