"""Beyond one machine: reads from replicas, photos on object storage, static
files on a CDN and tasks on a queue, each switched on from the environment.

No replica, bucket or CDN is needed: the router is given replica names, and
the settings are read in a fresh interpreter with the variables set."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connections
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from config.routers import (
    PIN_COOKIE,
    PinToPrimaryMiddleware,
    PrimaryReplicaRouter,
    replica_reads,
)
from initiatives.models import Initiative
from tests.local_services import REDIS_TEST_URL

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = ["replica_1", "replica_2"]
OUR_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "REDIS_URL",
    "MEDIA_STORAGE",
    "STATIC_URL",
    "TASKS_BACKEND",
}


def python_with(env, code):
    """Run `code` in a fresh interpreter with the project's settings read
    from `env`, and return what it printed, evaluated."""
    clean = {
        k: v for k, v in os.environ.items() if k not in OUR_VARIABLES and not k.startswith("AWS_")
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DEBUG": "true", "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return eval(result.stdout)  # noqa: S307 (our own repr)


def settings_with(env, expression):
    return python_with(env, f"import config.settings as s; print(repr(({expression})))")


DJANGO_SETUP = """
import django
django.setup()
from django.conf import settings
from django.core.files.storage import default_storage, storages
from django.db import router
from django.tasks import task_backends
"""


def django_with(env, expression):
    """Evaluate `expression` with Django set up, and `settings`, `storages`,
    `default_storage`, `router` and `task_backends` at hand."""
    return python_with(env, f"{DJANGO_SETUP}\nprint(repr(({expression})))")


# The router


@pytest.fixture
def router():
    return PrimaryReplicaRouter(replicas=REPLICAS)


def test_outside_a_request_everything_reads_the_primary(router):
    # Task workers and commands read rows that were committed a moment ago.
    assert router.db_for_read(Initiative) == "default"


def test_reads_go_to_one_replica_for_the_whole_request(router):
    with replica_reads():
        chosen = {router.db_for_read(Initiative) for _ in range(20)}
    assert len(chosen) == 1
    assert chosen <= set(REPLICAS)


def test_the_replica_is_chosen_at_random_for_each_request(router):
    chosen = set()
    for _ in range(200):
        with replica_reads():
            chosen.add(router.db_for_read(Initiative))
    assert chosen == set(REPLICAS)


def test_writes_go_to_the_primary_and_later_reads_follow_them(router):
    with replica_reads():
        assert router.db_for_read(Initiative) in REPLICAS
        assert router.db_for_write(Initiative) == "default"
        assert router.db_for_read(Initiative) == "default"


def test_reads_inside_a_transaction_stay_on_the_primary(router, monkeypatch):
    monkeypatch.setattr(connections["default"], "in_atomic_block", True)
    with replica_reads():
        assert router.db_for_read(Initiative) == "default"


def test_relations_are_read_where_their_object_came_from(router):
    from_replica, just_saved = Initiative(), Initiative()
    from_replica._state.db, just_saved._state.db = "replica_2", "default"
    with replica_reads():
        assert router.db_for_read(Initiative, instance=from_replica) == "replica_2"
        assert router.db_for_read(Initiative, instance=just_saved) == "default"


def test_without_replicas_reads_go_to_the_primary():
    with replica_reads():
        assert PrimaryReplicaRouter(replicas=[]).db_for_read(Initiative) == "default"


def test_only_the_primary_is_migrated_and_every_relation_is_allowed(router):
    assert router.allow_migrate("default", "initiatives")
    assert not router.allow_migrate("replica_1", "initiatives")
    assert router.allow_relation(Initiative(), Initiative())


# Which requests may read from a replica


def read_during(request, *, write=False, router=None):
    """Send `request` through the middleware; return where a read in the
    view went, and the response."""
    router = router or PrimaryReplicaRouter(replicas=REPLICAS)
    seen = {}

    def view(request):
        if write:
            router.db_for_write(Initiative)
        seen["db"] = router.db_for_read(Initiative)
        return HttpResponse("ok")

    response = PinToPrimaryMiddleware(view)(request)
    return seen["db"], response


def anonymous(request):
    request.user = SimpleNamespace(is_authenticated=False)
    return request


def test_an_anonymous_get_reads_from_a_replica():
    db, response = read_during(anonymous(RequestFactory().get("/initiatives/")))
    assert db in REPLICAS
    assert PIN_COOKIE not in response.cookies


def test_a_signed_in_person_reads_the_primary():
    request = RequestFactory().get("/initiatives/")
    request.user = SimpleNamespace(is_authenticated=True)
    assert read_during(request)[0] == "default"


def test_a_form_reads_the_primary_and_pins_the_browser_for_a_while(settings):
    settings.DATABASE_REPLICA_PIN_SECONDS = 15
    db, response = read_during(anonymous(RequestFactory().post("/initiatives/x/report/")))
    assert db == "default"
    assert response.cookies[PIN_COOKIE]["max-age"] == 15
    assert response.cookies[PIN_COOKIE]["httponly"]


def test_the_page_after_a_form_reads_the_primary():
    request = anonymous(RequestFactory().get("/initiatives/x/", HTTP_COOKIE=f"{PIN_COOKIE}=1"))
    assert read_during(request)[0] == "default"


def test_a_get_that_writes_reads_what_it_wrote_and_pins_the_browser():
    db, response = read_during(anonymous(RequestFactory().get("/alerts/confirm/x/")), write=True)
    assert db == "default"
    assert PIN_COOKIE in response.cookies


def test_a_streamed_export_reads_from_the_replica_as_it_streams():
    router = PrimaryReplicaRouter(replicas=REPLICAS)

    def rows():
        yield router.db_for_read(Initiative).encode()

    def view(request):
        return StreamingHttpResponse(rows())

    response = PinToPrimaryMiddleware(view)(anonymous(RequestFactory().get("/export.csv")))
    assert router.db_for_read(Initiative) == "default"
    assert b"".join(response.streaming_content).decode() in REPLICAS
    assert router.db_for_read(Initiative) == "default"


def test_the_middleware_works_with_real_sessions_and_sign_in(client, settings, resident):
    # Only the middleware this one depends on, around it.
    settings.MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "config.routers.PinToPrimaryMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "allauth.account.middleware.AccountMiddleware",
    ]
    response = client.post("/account/login/", {"login": resident.email, "password": "wrong"})
    assert response.status_code == 200
    assert PIN_COOKIE in response.cookies
    client.force_login(resident)
    response = client.get("/account/submissions/")
    assert response.status_code == 200
    assert response.context["user"] == resident


# The settings switches


def test_one_machine_needs_no_switch():
    assert settings_with(
        {},
        "sorted(s.DATABASES), getattr(s, 'DATABASE_ROUTERS', []), "
        "'config.routers.PinToPrimaryMiddleware' in s.MIDDLEWARE, "
        "s.STORAGES['default']['BACKEND'], s.SERVE_MEDIA, s.STATIC_URL, "
        "s.TASKS['default']['BACKEND']",
    ) == (
        ["default"],
        [],
        False,
        "django.core.files.storage.FileSystemStorage",
        True,
        "static/",
        # The queue is a table in the same database: no server to run.
        "django_tasks_db.DatabaseBackend",
    )


def test_replica_urls_add_replicas_the_router_and_the_middleware():
    databases, routers, middleware = settings_with(
        {
            "DATABASE_URL": "postgres://cpm@primary.example.org:5432/cpm?conn_max_age=60",
            "DATABASE_REPLICA_URLS": "postgres://cpm@replica-a.example.org:5432/cpm,"
            "postgres://cpm@replica-b.example.org:6432/cpm",
        },
        "s.DATABASES, s.DATABASE_ROUTERS, s.MIDDLEWARE",
    )
    assert sorted(databases) == ["default", "replica_1", "replica_2"]
    assert (databases["replica_1"]["HOST"], databases["replica_2"]["PORT"]) == (
        "replica-a.example.org",
        6432,
    )
    assert databases["replica_1"]["ENGINE"] == "django.db.backends.postgresql"
    assert databases["replica_2"]["CONN_MAX_AGE"] == 60
    assert databases["replica_1"]["TEST"] == {"MIRROR": "default"}
    assert routers == ["config.routers.PrimaryReplicaRouter"]
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert middleware[auth + 1] == "config.routers.PinToPrimaryMiddleware"


def test_the_site_starts_with_replicas(tmp_path):
    replicas = f"sqlite:///{tmp_path / 'a.sqlite3'},sqlite:///{tmp_path / 'b.sqlite3'}"
    assert django_with(
        {"DATABASE_REPLICA_URLS": replicas},
        "[(type(r).__name__, r.replicas) for r in router.routers]",
    ) == [("PrimaryReplicaRouter", REPLICAS)]


def test_photos_go_to_s3_compatible_storage():
    env = {
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "cpm-photos",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
        "AWS_S3_REGION_NAME": "fr-par",
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_S3_CUSTOM_DOMAIN": "media.example.org",
    }
    storages, serve_media, img_src = settings_with(
        env, "s.STORAGES, s.SERVE_MEDIA, [str(x) for x in s.SECURE_CSP['img-src']]"
    )
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storages["default"]["OPTIONS"]
    assert (options["bucket_name"], options["endpoint_url"], options["region_name"]) == (
        "cpm-photos",
        "https://s3.example.org",
        "fr-par",
    )
    assert (options["querystring_auth"], options["file_overwrite"]) == (False, False)
    assert serve_media is False
    assert "https://media.example.org" in img_src
    # The storage is built from these settings, and names a photo's address
    # without asking the network.
    assert django_with(
        env,
        "type(storages['default']).__name__, default_storage.url('initiatives/2026/01/3f2a.jpg')",
    ) == ("S3Storage", "https://media.example.org/initiatives/2026/01/3f2a.jpg")


def test_photos_without_a_custom_domain_come_from_the_endpoint():
    url, img_src = django_with(
        {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": "cpm-photos",
            "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
        },
        "default_storage.url('a.jpg'), [str(x) for x in settings.SECURE_CSP['img-src']]",
    )
    assert url == "https://s3.example.org/cpm-photos/a.jpg"
    assert "https://s3.example.org" in img_src


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEDIA_STORAGE": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE is either filesystem or s3"),
    ],
)
def test_a_media_storage_switch_without_what_it_needs_fails_loudly(env, message):
    clean = {
        k: v for k, v in os.environ.items() if k not in OUR_VARIABLES and not k.startswith("AWS_")
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env={**clean, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_static_files_come_from_a_cdn():
    static_url, csp = settings_with(
        {"STATIC_URL": "https://cdn.example.org/static/"},
        "s.STATIC_URL, {k: [str(x) for x in v] for k, v in s.SECURE_CSP.items()}",
    )
    assert static_url == "https://cdn.example.org/static/"
    for directive in ("script-src", "style-src", "img-src"):
        assert "https://cdn.example.org" in csp[directive]
    assert "https://cdn.example.org" not in csp["connect-src"]


def test_tasks_go_to_the_backend_named():
    assert (
        django_with(
            {"TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend"},
            "type(task_backends['default']).__name__",
        )
        == "DummyBackend"
    )


def test_tasks_go_to_the_database_queue_by_default():
    assert django_with({}, "type(task_backends['default']).__name__") == "DatabaseBackend"


def test_redis_queue_needs_redis_and_brings_its_apps():
    rq = {"TASKS_BACKEND": "django_tasks_rq.RQBackend"}
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", **rq, "REDIS_URL": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "The Redis Queue backend needs REDIS_URL." in result.stderr
    apps, queues = settings_with(
        {**rq, "REDIS_URL": "redis://queue.example.org:6379/2"},
        "[a for a in s.INSTALLED_APPS if 'rq' in a], s.RQ_QUEUES",
    )
    assert apps == ["django_rq", "django_tasks_rq"]
    assert queues["default"]["URL"] == "redis://queue.example.org:6379/2"


@pytest.mark.redis
def test_a_task_goes_round_redis_queue_and_its_worker():
    """Enqueued by one process, worked by `rqworker` as docs/scaling.md runs
    it, and its result read back by a third."""
    env = {"TASKS_BACKEND": "django_tasks_rq.RQBackend", "REDIS_URL": REDIS_TEST_URL}
    queued = django_with(
        env,
        "__import__('redis').Redis.from_url(settings.REDIS_URL).flushdb() and "
        "__import__('tests.ops.queue_tasks', fromlist=['x']).add.enqueue(2, 3).id",
    )
    worker = subprocess.run(
        [sys.executable, "manage.py", "rqworker", "--burst", "--job-class", "django_tasks_rq.Job"],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert worker.returncode == 0, worker.stderr
    status, value = django_with(
        env,
        "(lambda r: (r.status.name, r.return_value))("
        f"__import__('tests.ops.queue_tasks', fromlist=['x']).add.get_result({queued!r}))",
    )
    assert (status, value) == ("SUCCESSFUL", 5)
