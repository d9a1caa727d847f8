"""Settings, read from the environment.

DATABASE_URL  default sqlite:///<repo>/var/zhizhi.sqlite3 (WAL); postgres://... for production
SECRET_KEY    required when DEBUG is off
ALLOWED_HOSTS comma-separated, default "127.0.0.1,localhost"
DEBUG         "1"/"true" to enable (default on for the embedded SQLite set-up)
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import dj_database_url
from django.utils.log import DEFAULT_LOGGING
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("ZHIZHI_HOME", BASE_DIR.parent.parent))
VAR_DIR = Path(os.environ.get("ZHIZHI_VAR", PROJECT_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("DEBUG", True)
_secret = os.environ.get("SECRET_KEY")
if not _secret:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    _secret = "dev-only-insecure-key-zhizhi-do-not-use-in-production"  # noqa: S105
SECRET_KEY = _secret
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' Swagger UI from its own static files, not a CDN
    "zhizhi.core",
    "zhizhi.territory",
    "zhizhi.accounts",
    "zhizhi.cases",
    "zhizhi.safety",
    "zhizhi.petitions",
    "zhizhi.mediation",
    "zhizhi.hotline",
    "zhizhi.open311",
    "zhizhi.demo",
    "zhizhi.metrics",
    "zhizhi.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhizhi.core.middleware.RejectNulMiddleware",
    "zhizhi.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zhizhi.urls"
WSGI_APPLICATION = "zhizhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

_default_db = "sqlite:///" + str(VAR_DIR / "zhizhi.sqlite3")
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while a sweep or import writes; IMMEDIATE avoids
        # "database is locked" upgrades inside write transactions.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["TEST"] = {"NAME": ""}  # in-memory test database
    # Covering indexes (INCLUDE) are PostgreSQL's: SQLite builds the same index without the extra
    # columns, which is all it needs at a town's size.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parallel query workers per request: none by default. On a town's server of a few cores, busy
    # with other requests, starting workers costs more than they save (docs/benchmarks.md: at a
    # million cases a dispatcher's text search count 18 → 9 ms, the dashboard 4.9 → 3.4 s on two
    # cores). A large server can allow them: ZHIZHI_PG_PARALLEL_WORKERS=2.
    _workers = int(os.environ.get("ZHIZHI_PG_PARALLEL_WORKERS", "0"))
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c max_parallel_workers_per_gather={_workers}"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
WHITENOISE_USE_FINDERS = DEBUG
with contextlib.suppress(OSError):  # read-only deployments collect static files elsewhere
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }

# Behind the site's HTTPS reverse proxy (README, "In production"), which ends TLS and forwards
# plain HTTP with X-Forwarded-Proto and X-Forwarded-For: ZHIZHI_BEHIND_PROXY=1 makes Django trust
# them. Without it every request looks like plain HTTP from the proxy's own address: a browser's
# `Origin: https://…` fails the CSRF check on every form (no one can log in), and the login
# throttle counts the whole town's failures as one address's. Set it only when the proxy sets
# both headers itself, overwriting what a client sent.
ZHIZHI_BEHIND_PROXY = _env_bool("ZHIZHI_BEHIND_PROXY", False)
if ZHIZHI_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REFERRER_POLICY = "same-origin"

# Zhizhi settings
ZHIZHI_DUPLICATE_RADIUS_M = 200
ZHIZHI_DUPLICATE_WINDOW_DAYS = 7
ZHIZHI_DUE_SOON_HOURS = 24
ZHIZHI_MAX_DESCRIPTION = 5000
# PostgreSQL: the few written-out statements every request runs are prepared once per connection
# (zhizhi.core.prepared). 0 behind a connection pooler in transaction mode.
ZHIZHI_PG_PREPARED = os.environ.get("ZHIZHI_PG_PREPARED", "1") != "0"
# Workbench (zhizhi.web): map tiles (empty: no base layer, polygons only), uploads, exports.
ZHIZHI_MAP_TILE_URL = os.environ.get("ZHIZHI_MAP_TILE_URL", "")
ZHIZHI_MAP_TILE_ATTRIBUTION = os.environ.get("ZHIZHI_MAP_TILE_ATTRIBUTION", "")
ZHIZHI_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
ZHIZHI_EXPORT_DIR = VAR_DIR / "exports"
ZHIZHI_IMPORT_DIR = VAR_DIR / "imports"
ZHIZHI_EXPORT_SYNC_LIMIT = 10_000  # larger exports run in the background with a progress page

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_query": {"()": "zhizhi.core.logs.RedactQueryStrings"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # Django's own, for the development server's request lines (redefined here, or the logger
        # configured below would lose them)
        "django.server": DEFAULT_LOGGING["formatters"]["django.server"],
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "django.server": DEFAULT_LOGGING["handlers"]["django.server"],
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Request bodies and query strings can carry phones and ID numbers: never log them. The
    # development server's request lines keep the path and the parameters' names, not their values.
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["redact_query"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
