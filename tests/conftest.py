import pytest
from django.contrib.auth import get_user_model

from tests.factories import make_initiative, make_place, make_theme


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
    return get_user_model().objects.create_superuser("staff@example.org", "a-long-password-1")


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
