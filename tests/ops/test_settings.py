"""Settings come from the environment and fail loudly when production needs something."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def settings_in(env, expression):
    """Evaluate `expression` on config.settings in a fresh interpreter with `env`."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"}
    }
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings as s; print(repr(({expression})))"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = settings_in({"DEBUG": "false"}, "s.SECRET_KEY")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_production_settings_are_secure_by_default():
    result = settings_in(
        {"DEBUG": "false", "SECRET_KEY": "x" * 50},
        "s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.ALLOWED_HOSTS",
    )
    assert result.stdout.strip() == "(31536000, True, True, [])"


def test_the_default_database_is_sqlite_in_var():
    result = settings_in(
        {"DEBUG": "true"}, "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME']"
    )
    engine, name = eval(result.stdout)  # noqa: S307 (our own repr)
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == ROOT / "var" / "db.sqlite3"


def test_database_cache_and_email_come_from_urls():
    result = settings_in(
        {
            "DEBUG": "true",
            "DATABASE_URL": "postgres://u:p@db.example.org:5432/cpm",
            "REDIS_URL": "redis://cache.example.org:6379/1",
            "EMAIL_URL": "smtp+tls://user:secret@smtp.example.org:587",
        },
        "s.DATABASES['default']['HOST'], s.CACHES['default']['BACKEND'], "
        "s.MAILERS['default']['OPTIONS']['host'], s.MAILERS['default']['OPTIONS']['use_tls']",
    )
    assert eval(result.stdout) == (  # noqa: S307
        "db.example.org",
        "django.core.cache.backends.redis.RedisCache",
        "smtp.example.org",
        True,
    )
