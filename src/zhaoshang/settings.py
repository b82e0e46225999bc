"""Django settings. Everything that differs between machines comes from the environment.

DATABASE_URL      sqlite:///path or postgres://user@host:port/name; SQLite in the data folder when unset
ZHAOSHANG_DATA    the data folder (database, secret key, uploads); <repository>/data or ~/.zhaoshang
SECRET_KEY        generated once into the data folder when unset
DEBUG             "1" to turn on Django's debug pages (never on an intranet server)
ALLOWED_HOSTS     comma-separated; 127.0.0.1,localhost when unset

Concurrent edits (docs/concurrency.md):
ZHAOSHANG_API_REQUIRE_IF_MATCH  "1": an API PUT, PATCH or DELETE without If-Match is refused (428);
                                0 (default): accepted as before, for older clients (a stale If-Match is always 412)
"""

import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
_repo = PACKAGE_DIR.parents[1]
DATA_DIR = Path(
    os.environ.get("ZHAOSHANG_DATA")
    or (_repo / "data" if (_repo / "pyproject.toml").exists() else Path.home() / ".zhaoshang")
)
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DEBUG") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "zhaoshang.core",
    "zhaoshang.org",
    "zhaoshang.ledger",
    "zhaoshang.fieldwork",
    "zhaoshang.exchange",
    "zhaoshang.notify",
    "zhaoshang.assessment",
    "zhaoshang.dashboards",
    "zhaoshang.bulletins",
    "zhaoshang.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhaoshang.core.middleware.ChangeLogMiddleware",
]

AUTHENTICATION_BACKENDS = ["zhaoshang.core.auth.MembershipBackend"]

ROOT_URLCONF = "zhaoshang.urls"
WSGI_APPLICATION = "zhaoshang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhaoshang.core.context_processors.membership",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'zhaoshang.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the server read while an import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        # A login or save waits this many seconds for an import's write to finish rather than
        # failing at once with "database is locked" (Python's default is 5).
        "timeout": int(os.environ.get("SQLITE_BUSY_TIMEOUT") or 30),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Static files come straight from the apps: no collectstatic step on an offline intranet box.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a refused token is a 401 with the reason (api/authentication.py).
        "zhaoshang.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["zhaoshang.core.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Pages of at most 1000 rows, the JSON nesting limit and the errors a client can cause as
    # 4xx answers in Chinese: api/pagination.py, api/parsers.py, api/exceptions.py.
    "DEFAULT_PAGINATION_CLASS": "zhaoshang.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": [
        "zhaoshang.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "zhaoshang.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "zhaoshang.api.schema.ApiSchema",
}
# API tokens (`zhaoshang token create`) expire after this many days.
ZHAOSHANG_TOKEN_DAYS = int(os.environ.get("ZHAOSHANG_TOKEN_DAYS") or 90)
# API writes must name the version they read (If-Match), core/concurrency.py; off by default.
ZHAOSHANG_API_REQUIRE_IF_MATCH = os.environ.get("ZHAOSHANG_API_REQUIRE_IF_MATCH", "0") in ("1", "true", "yes")
SPECTACULAR_SETTINGS = {
    "TITLE": "招商引资工作平台 API",
    "DESCRIPTION": "与网页界面同等的数据接口；所有结果按当前用户的角色范围限定。",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Choice sets used under several field names get one name each in the schema.
    "ENUM_NAME_OVERRIDES": {
        "HolderKindEnum": "zhaoshang.assessment.models.HolderRef.Holder",
        "ProjectStageEnum": "zhaoshang.ledger.models.Project.Stage",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Reminders (notify): e-mail through the county's own relay; robot webhooks only to these hosts
# unless the office adds an intranet relay.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zhaoshang@localhost")
EMAIL_TIMEOUT = 10
if os.environ.get("NOTIFY_WEBHOOK_HOSTS"):
    NOTIFY_WEBHOOK_HOSTS = [h.strip() for h in os.environ["NOTIFY_WEBHOOK_HOSTS"].split(",") if h.strip()]

# Long work (bulletins) runs in `zhaoshang worker` when one is configured, inline otherwise.
ZHAOSHANG_WORKER = os.environ.get("ZHAOSHANG_WORKER", "") in ("1", "true", "yes")
# The address users reach the platform at, for links in group-chat messages (optional).
SITE_URL = os.environ.get("SITE_URL", "")

# Excel imports (exchange/reader.py, exchange/models.py). Every workbook is checked against these
# before it is parsed, and one over any of them is refused with a message naming the variable.
# The defaults let a 200,000-row ledger of the template's 16 columns through (twice the import
# benchmark) while keeping calamine's grid (rows × columns, 32 bytes a cell) under about 160 MB.
ZHAOSHANG_IMPORT_MAX_MB = int(os.environ.get("ZHAOSHANG_IMPORT_MAX_MB") or 50)  # the file
ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB = int(os.environ.get("ZHAOSHANG_IMPORT_MAX_UNZIPPED_MB") or 500)
ZHAOSHANG_IMPORT_MAX_ROWS = int(os.environ.get("ZHAOSHANG_IMPORT_MAX_ROWS") or 200_000)
ZHAOSHANG_IMPORT_MAX_COLUMNS = int(os.environ.get("ZHAOSHANG_IMPORT_MAX_COLUMNS") or 256)
ZHAOSHANG_IMPORT_MAX_CELLS = int(os.environ.get("ZHAOSHANG_IMPORT_MAX_CELLS") or 5_000_000)  # rows × columns
# One import per jurisdiction at a time; a claim older than this (a process that died) is taken over.
ZHAOSHANG_IMPORT_CLAIM_MINUTES = int(os.environ.get("ZHAOSHANG_IMPORT_CLAIM_MINUTES") or 30)
