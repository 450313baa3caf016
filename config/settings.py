"""Settings for the community power map.

Everything that differs between machines comes from the environment (or a
`.env` file beside manage.py). The defaults run a fresh clone on SQLite with
no other services; production sets DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS,
EMAIL_URL and REDIS_URL.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A secret key is required in production; a development server may run
# without one, with a key that is useless anywhere else.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set SECRET_KEY in the environment (or set DEBUG=true for local development)."
        )
    SECRET_KEY = "django-insecure-development-only-key"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SITE_NAME = env.str("SITE_NAME", default="Community Power Map")
# The address the site is served on, for every link in an email. No default
# in production: a system check (accounts/checks.py) stops start-up without
# it, rather than emails linking to 127.0.0.1. make run sets it from HOST and PORT.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "treebeard",
    "allauth",
    "allauth.account",
    # Two-step sign-in (an authenticator app, and recovery codes): offered
    # to everyone, required of staff (initiatives.permissions.needs_second_factor).
    "allauth.mfa",
    "accounts",
    # The database task queue's table (always installed, so that switching
    # the backend needs no migration).
    "django_tasks_db",
    "django.contrib.sitemaps",
    "simple_history",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "communities",
    "initiatives",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compressed answers (pages, GeoJSON, the API); WhiteNoise compresses
    # the static files itself.
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Database unreachable: 503 and Retry-After. Before the session and
    # authentication middleware, whose database errors it answers too.
    "config.outage.DatabaseOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Records who made each change in the history of initiatives, places
    # and organisations.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, nearest the views: anonymous public pages from the cache.
    "initiatives.ops.caching.PublicPageCacheMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "config.context_processors.site",
                "initiatives.permissions.context",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection is checked before a request reuses it: after a database
# restart, the first request of each worker then reconnects rather than fail.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work side by side; the timeout turns
    # short write contention into a wait instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, otherwise this process's memory.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cpm",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Anonymous public pages are served from the cache until public data changes
# (initiatives/caching.py); PAGE_CACHE=false turns that off.
PAGE_CACHE = env.bool("PAGE_CACHE", default=True)
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Accounts (django-allauth): people sign up and sign in with their email
# address, which they must confirm before they can submit anything.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_FORMS = {"login": "accounts.forms.SignInForm"}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# The site's own wording, and its emails rendered in the request with
# SITE_NAME and SITE_URL, then queued like every other (accounts/adapter.py).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Second factors: an authenticator app (TOTP) and recovery codes; no
# security keys (WebAuthn, which needs JavaScript).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# allauth's rate limits stay on, counted in the cache (Redis when REDIS_URL
# is set; without it each worker process counts alone). Its defaults limit
# sign-ups, password resets and confirmation emails; the sign-in limits are
# written out here as the policy: at most 30 attempts a minute from one
# address (then 429), and 10 failed ones a minute from one address or 5 in
# five minutes for one account, after which even the right password is
# refused until the window has passed.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
}

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# A request carries at most this many files: a submission's five photos and
# room to spare. Each file is cut off past the photo size limit
# (initiatives/photos.py); a proxy in front should cap the body as a whole
# too (nginx: client_max_body_size 50m).
DATA_UPLOAD_MAX_NUMBER_FILES = 10
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}


# Email: the console unless EMAIL_URL names a server (smtp+tls://user:pass@host:587).
def _mailer(url):
    """A MAILERS entry from a URL such as smtp+tls://user:password@host:587."""
    config = environ.Env.email_url_config(url)
    backend = config.pop("EMAIL_BACKEND")
    if not backend.endswith("smtp.EmailBackend"):
        return {"BACKEND": backend}
    options = {
        "host": config.get("EMAIL_HOST"),
        "port": config.get("EMAIL_PORT"),
        "username": config.get("EMAIL_HOST_USER") or None,
        "password": config.get("EMAIL_HOST_PASSWORD") or None,
        "use_tls": bool(config.get("EMAIL_USE_TLS")),
        "use_ssl": bool(config.get("EMAIL_USE_SSL")),
        "timeout": 10,
    }
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": _mailer(env.str("EMAIL_URL", default="consolemail://"))}
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Community Power Map <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Scripts and styles come only from this site: data reaches
# JavaScript through json_script, never through inline code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)

# The admin's path: one of your own (staff-area/) keeps it from the bots that
# try admin/. Slashes around it are optional.
ADMIN_URL = env.str("ADMIN_URL", default="admin/").strip("/") + "/"
if ADMIN_URL == "/":
    raise ImproperlyConfigured("ADMIN_URL names a path, such as staff-area/.")

# The map's base: every map draws the outline of the UK and Ireland
# (static/vendor/world-atlas-2.0.2/uk.geojson) first, so that it is never
# blank, and on top of it MAP_BASEMAP names one of
# - "tiles": raster tiles from MAP_TILE_URL, OpenStreetMap's public server
#   unless it names another (an empty value leaves the outline alone);
# - "pmtiles": one self-hosted .pmtiles file at MAP_PMTILES_URL (a path on
#   this site or the council's own server), drawn by protomaps-leaflet, for
#   sites that must not send visitors' whereabouts to a third party;
# - "outline": the outline alone, and nothing fetched from anywhere else.
MAP_BASEMAP = env.str("MAP_BASEMAP", default="tiles")
if MAP_BASEMAP not in ("tiles", "pmtiles", "outline"):
    raise ImproperlyConfigured("MAP_BASEMAP is one of tiles, pmtiles or outline.")
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str(
    "MAP_TILE_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
    " contributors",
)
MAP_PMTILES_URL = env.str("MAP_PMTILES_URL", default="")
MAP_PMTILES_ATTRIBUTION = env.str(
    "MAP_PMTILES_ATTRIBUTION",
    default='<a href="https://protomaps.com">Protomaps</a> &copy; '
    '<a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
)
if MAP_BASEMAP == "pmtiles" and not MAP_PMTILES_URL:
    raise ImproperlyConfigured(
        "MAP_BASEMAP=pmtiles needs MAP_PMTILES_URL, e.g. /basemap/uk.pmtiles."
    )
if MAP_BASEMAP != "tiles":
    MAP_TILE_URL = ""  # No request to a tile server, and none in the CSP.
elif not MAP_TILE_URL:
    MAP_BASEMAP = "outline"
if MAP_BASEMAP != "pmtiles":
    MAP_PMTILES_URL = ""
# Above this many initiatives in view, the GeoJSON endpoint sends clusters.
MAP_CLUSTER_THRESHOLD = env.int("MAP_CLUSTER_THRESHOLD", default=2000)

# Open data: the licence of everything the site publishes, named in the
# API's description, the exports' headers and the open data page.
DATA_LICENCE_NAME = env.str("DATA_LICENCE_NAME", default="Creative Commons Attribution 4.0")
DATA_LICENCE_SHORT = env.str("DATA_LICENCE_SHORT", default="CC BY 4.0")
DATA_LICENCE_URL = env.str(
    "DATA_LICENCE_URL", default="https://creativecommons.org/licenses/by/4.0/"
)
DATA_ATTRIBUTION = env.str("DATA_ATTRIBUTION", default=f"{SITE_NAME} contributors")

# The read-only API (Django REST framework): anyone may read it, nobody
# writes through it, and it answers in JSON only.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("API_RATE", default="600/minute")},
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": (
        "Read-only access to every published initiative on the map, and to the places, "
        "organisations, themes and collections they name. No key is needed, and any site "
        "may call it from the browser (CORS). Identifiers (`id`) never change; slugs may, "
        "and both work in URLs. Lists are paginated (`page`, `page_size` up to 100).\n\n"
        f"**Licence:** the data is published under the [{DATA_LICENCE_NAME}]({DATA_LICENCE_URL}) "
        f"licence. Credit “{DATA_ATTRIBUTION}” and link to the site: see /open-data/.\n\n"
        "Also available: CSV (`/initiatives/export.csv`), GeoJSON "
        "(`/api/initiatives.geojson`), Open Referral UK (`/openreferral/`), and Atom and RSS "
        "feeds, all with the same filters."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come with the site (drf-spectacular-sidecar), not
    # from a CDN; the split view keeps its script out of the page, so the
    # Content Security Policy needs no exception.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "LICENSE": {"name": DATA_LICENCE_NAME, "url": DATA_LICENCE_URL},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

# Submissions: how many an hour from one account and from one address.
SUBMISSIONS_PER_USER_PER_HOUR = env.int("SUBMISSIONS_PER_USER_PER_HOUR", default=10)
SUBMISSIONS_PER_IP_PER_HOUR = env.int("SUBMISSIONS_PER_IP_PER_HOUR", default=20)
# How many reverse proxies in front of the site add to X-Forwarded-For; 0
# when clients connect directly (the header is then ignored).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# The API's rate limit counts clients the same way.
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES
# And so do allauth's sign-in limits: otherwise every client behind the proxy
# shares its address, and one guesser locks everyone out.
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES
if MAP_TILE_URL:
    from urllib.parse import urlsplit

    _tiles = urlsplit(MAP_TILE_URL)
    SECURE_CSP["img-src"].append(f"{_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}")
# protomaps-leaflet reads the .pmtiles file with fetch (Range requests) and
# draws on a canvas: another server's file needs connect-src, not img-src.
if MAP_PMTILES_URL and "://" in MAP_PMTILES_URL:
    from urllib.parse import urlsplit

    _pmtiles = urlsplit(MAP_PMTILES_URL)
    SECURE_CSP["connect-src"].append(f"{_pmtiles.scheme}://{_pmtiles.netloc}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own loggers write once, through the root's handler (its
    # default console handler would print each line twice under DEBUG).
    "loggers": {"django": {"handlers": [], "level": env.str("LOG_LEVEL", default="INFO")}},
}

# Beyond one machine: several web servers behind a load balancer share
# PostgreSQL (with read replicas), Redis (REDIS_URL: cache, rate limits),
# object storage for photos and a CDN for static files. docs/scaling.md
# says when each switch is worth turning on.
from urllib.parse import urlsplit  # noqa: E402 (used from here on)

# Read replicas: comma-separated database URLs. Anonymous GET requests read
# from one of them; everything else reads the primary (config/routers.py).
DATABASE_REPLICA_URLS = env.list("DATABASE_REPLICA_URLS", default=[])
# How long after sending a form a browser keeps reading from the primary:
# longer than the replicas' usual lag.
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=15)
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    _replica = env.db_url_config(_url)
    _replica.setdefault("CONN_MAX_AGE", DATABASES["default"]["CONN_MAX_AGE"])
    _replica.setdefault("CONN_HEALTH_CHECKS", True)
    # Tests use the primary's test database instead of creating one.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["config.routers.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "config.routers.PinToPrimaryMiddleware",
    )

# Photos on S3-compatible object storage (AWS S3, MinIO, Ceph, Scaleway…),
# so that every web server sees every upload.
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE == "s3":
    _media = {
        "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
        # Without keys, boto3 finds credentials itself (an instance role).
        "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
        "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
        "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
        "location": env.str("AWS_LOCATION", default=""),
        # Photos appear on public pages: plain URLs can be cached by browsers
        # and a CDN, where signed ones change at every page view.
        "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
        # Never replace a stored file: names are random, and a clash gets a
        # new name as on a disk.
        "file_overwrite": False,
        "object_parameters": {"CacheControl": "public, max-age=604800"},
    }
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _media}
    SERVE_MEDIA = False
    # Pages show the photos from the storage's own address.
    if _media["custom_domain"]:
        SECURE_CSP["img-src"].append(f"https://{_media['custom_domain']}")
    elif _media["endpoint_url"]:
        _endpoint = urlsplit(_media["endpoint_url"])
        SECURE_CSP["img-src"] += [
            f"{_endpoint.scheme}://{_endpoint.netloc}",
            f"{_endpoint.scheme}://*.{_endpoint.netloc}",
        ]
    else:
        SECURE_CSP["img-src"].append("https://*.amazonaws.com")
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured("MEDIA_STORAGE is either filesystem or s3.")

# Static files from a CDN: STATIC_URL names it (https://cdn.example.org/static/),
# and the CDN fetches from this site's /static/, which WhiteNoise serves.
if env.str("STATIC_URL", default=""):
    STATIC_URL = env.str("STATIC_URL")
    _cdn = urlsplit(STATIC_URL)
    if _cdn.netloc:
        for _directive in ("default-src", "script-src", "style-src", "img-src"):
            SECURE_CSP[_directive].append(f"{_cdn.scheme}://{_cdn.netloc}")

# Background work (emails, digests, clean-ups) on a real queue. By default
# the queue is a table in the site's own database (django-tasks-db), worked
# by `manage.py db_worker`: nothing else to run. TASKS_BACKEND switches it,
# to Redis Queue beyond one machine (docs/scaling.md; its worker is
# `manage.py rqworker`). The test suite runs tasks at once (ImmediateBackend).
DATABASE_TASKS_BACKEND = "django_tasks_db.DatabaseBackend"
RQ_TASKS_BACKEND = "django_tasks_rq.RQBackend"
TASKS_BACKEND = env.str("TASKS_BACKEND", default=DATABASE_TASKS_BACKEND)
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}
if TASKS_BACKEND == RQ_TASKS_BACKEND:
    if not REDIS_URL:
        raise ImproperlyConfigured("The Redis Queue backend needs REDIS_URL.")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}
