import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache

from tests.factories import make_initiative, make_place, make_theme
from tests.local_services import redis_answers
from tests.submission_forms import staff_member, with_second_factor


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached pages live in the cache: each test
    starts without another's."""

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def resident(db):
    return get_user_model().objects.create_user("resident@example.org", "a-long-password-1")


@pytest.fixture
def staff(db):
    return with_second_factor(
        get_user_model().objects.create_superuser("staff@example.org", "a-long-password-1")
    )


@pytest.fixture
def england(db):
    uk = make_place("United Kingdom", kind="country", latitude=54.0, longitude=-2.5)
    return make_place("England", kind="country", parent=uk, latitude=52.36, longitude=-1.17)


@pytest.fixture
def theme(db):
    return make_theme("Community energy")


@pytest.fixture
def published(england, theme):
    return make_initiative("Community solar farm", places=[england], themes=[theme])


@pytest.fixture
def places(england):
    """England › South West › Bristol › Lawrence Weston, with Bath beside
    Bristol and the West Midlands beside the South West."""
    south_west = make_place(
        "South West", kind="region", parent=england, latitude=50.96, longitude=-3.22
    )
    bristol = make_place(
        "Bristol", kind="local_authority", parent=south_west, latitude=51.4545, longitude=-2.5879
    )
    return {
        "england": england,
        "south-west": south_west,
        "bristol": bristol,
        "lawrence-weston": make_place(
            "Lawrence Weston",
            kind="neighbourhood",
            parent=bristol,
            latitude=51.505,
            longitude=-2.68,
        ),
        "bath": make_place("Bath", parent=south_west, latitude=51.38, longitude=-2.36),
        "west-midlands": make_place(
            "West Midlands", kind="region", parent=england, latitude=52.48, longitude=-1.89
        ),
    }


@pytest.fixture
def moderator(db):

    return staff_member("moderator@example.org", "Moderators")


@pytest.fixture
def curator(db):

    return staff_member("curator@example.org", "Curators")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` are about what only PostgreSQL does (row
    locks, say): they run against PostgreSQL, as CI runs the suite, and are
    left out, not skipped, on SQLite; those marked `sqlite` (its query
    plans, say) the other way round. Tests marked `redis` need a Redis
    server (CI has one) and are left out where none answers."""

    missing = set()
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    missing.add("sqlite" if on_postgres else "postgres")
    if any(item.get_closest_marker("redis") for item in items) and not redis_answers():
        missing.add("redis")
    kept, left_out = [], []
    for item in items:
        wanted = any(item.get_closest_marker(name) for name in missing)
        (left_out if wanted else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept
