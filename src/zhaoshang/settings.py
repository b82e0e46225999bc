"""Django settings. Everything that differs between machines comes from the environment.

DATABASE_URL      sqlite:///path or postgres://user@host:port/name; SQLite in the data folder when unset
ZHAOSHANG_DATA    the data folder (database, secret key, uploads); <repository>/data or ~/.zhaoshang
SECRET_KEY        generated once into the data folder when unset
DEBUG             "1" to turn on Django's debug pages (never on an intranet server)
ALLOWED_HOSTS     comma-separated; 127.0.0.1,localhost when unset
CONN_MAX_AGE      seconds a database connection is kept (tested before reuse); 60

Serving and operations (docs/deploy.md):
WEB_CONCURRENCY / WEB_THREADS  gunicorn worker processes (default: the CPU cores) and threads each (4)
ZHAOSHANG_ACCESS_LOG           access log file of `zhaoshang serve`; "-" (standard output)
ZHAOSHANG_FILE_STORAGE         where built and uploaded files live: database (default; every app server
                               reads them) or filesystem (MEDIA_ROOT in the data folder)
ZHAOSHANG_METRICS_TOKEN        bearer token for Prometheus at /metrics/; unset: system administrators only
PROMETHEUS_MULTIPROC_DIR       where gunicorn's workers keep their metrics; <data>/metrics-<port>

Passwords, lockout and sessions (docs/accounts.md):
ZHAOSHANG_PASSWORD_MIN_LENGTH     fewest characters in a password; 8
ZHAOSHANG_PASSWORD_HISTORY        a new password may not be one of the last N; 5 (0: not checked)
ZHAOSHANG_PASSWORD_MAX_AGE_DAYS   a password older than this must be changed before anything else; 90 (0: never)
ZHAOSHANG_LOGIN_FAILURE_LIMIT     failed logins that lock the account and, separately, the address; 5
ZHAOSHANG_LOCKOUT_MINUTES         how long a lockout lasts (and how long a failure counts); 30
ZHAOSHANG_SESSION_IDLE_MINUTES    a session without a request for this long ends; 30

Background jobs (docs/jobs.md):
CELERY_BROKER_URL                 Redis for Celery (`zhaoshang worker`, `zhaoshang beat`); unset: jobs run inline
ZHAOSHANG_WORKER                  without a broker, "1" queues jobs for a polling `zhaoshang worker`; off
ZHAOSHANG_WORKER_CONCURRENCY      jobs a Celery worker runs at once; 2
ZHAOSHANG_JOB_TIME_LIMITS         soft limits in seconds per kind ("import=7200,bulletin=300"); jobs/conf.py
ZHAOSHANG_JOB_STALE_MINUTES       a running job without a heartbeat this long is requeued; 10
ZHAOSHANG_JOB_HEARTBEAT_SECONDS   how often jobs, workers and beat record a heartbeat; 30
ZHAOSHANG_JOB_MAX_ATTEMPTS        tries before a job is given up; 3
ZHAOSHANG_JOB_RETRY_SECONDS       backoff base after a transient error (× attempt²); 30
ZHAOSHANG_JOB_KEEP_DAYS           periodic jobs' rows are deleted after this many days; 30
ZHAOSHANG_IMPORT_BACKGROUND_ROWS  an upload of more data rows is imported as a job (with a worker); 5000
CELERY_VISIBILITY_TIMEOUT         seconds before Redis redelivers an unacknowledged message; 7200

Second factor (docs/accounts.md, 第二因素):
ZHAOSHANG_2FA_REQUIRED_ROLES  comma-separated roles that must give a 动态口令 at every login (Django
                              superusers always do); office,system_admin,security_admin,audit_admin
ZHAOSHANG_2FA_MAX_FAILURES    wrong codes in a row that end the half-logged-in session; 5
ZHAOSHANG_2FA_ISSUER          the name authenticator apps show beside the account; 招商引资工作平台

Holiday calendar and backups (docs/calendar.md, docs/backup.md):
ZHAOSHANG_CALENDAR_WARN_MONTH     from this month on, the office's home page warns while next year's
                                  holidays are missing or lack their 调休; 12 (from 1 December)
ZHAOSHANG_CALENDAR_CACHE_SECONDS  how long a process keeps the holiday table before reading it again; 60
ZHAOSHANG_BACKUP_DIR              where `zhaoshang backup` writes when --output is not given; <data>/backups

Duties (supervision/duties.py, issue 14):
ZHAOSHANG_DUTY_SCHEDULE_DAYS     the daily job schedules duty obligations whose period starts within this
                                 many days; 31 (as the reporting calendar)
ZHAOSHANG_DUTY_REMIND_DAYS       a duty is reminded about from this many days before its due date; 3
ZHAOSHANG_DUTY_OVERDUE_DAYS      an overdue duty is reminded about (once a day) for this many days; 7
Target library (目标企业库, targets/dedupe.py):
ZHAOSHANG_TARGET_MATCH_THRESHOLD  the import flags names this similar (0–100) as 疑似重复; 90
ZHAOSHANG_TARGET_IMPORT_MAX_ROWS  rows one upload may hold (the preview runs in the request); 5000
Problem list (问题清单, supervision/problems.py):
ZHAOSHANG_PROBLEM_DEFAULT_WORKDAYS  the deadline a new problem's form offers, in working days; 10
ZHAOSHANG_PROBLEM_YELLOW_WORKDAYS   yellow light at this many working days left (or fewer); 3
ZHAOSHANG_PROBLEM_YELLOW_SHARE      …or at this share of the problem's working days left; 0.3
                                    (red once past the due date; green otherwise)

Audit trail (docs/audit.md):
ZHAOSHANG_AUDIT_RETENTION_DAYS  audit records younger than this are never archived; 180 (smaller values
                                are raised to 180: 等保三级 keeps audit records at least six months)
ZHAOSHANG_AUDIT_ARCHIVE_KEY     the key that signs `zhaoshang audit archive` files (HMAC-SHA256); unset:
                                derived from SECRET_KEY

Hardening (the block at the end; docs/hardening.md lists each with what it does and how to check it):
ZHAOSHANG_PRODUCTION         "1": HTTPS only (redirect, HSTS, secure cookies); refuses to start without
                             SECRET_KEY and ALLOWED_HOSTS in the environment or with DEBUG=1. Off by default
ZHAOSHANG_HSTS_SECONDS       HSTS max-age in production; 31536000 (one year)
ZHAOSHANG_HSTS_PRELOAD       "1" to ask browsers' preload lists for the domain; off
ZHAOSHANG_TRUSTED_PROXIES    comma-separated addresses/networks of the reverse proxy (nginx) whose
                             X-Forwarded-For / X-Forwarded-Proto are believed; none (headers ignored)
ZHAOSHANG_REDIS_URL          a Redis cache shared by every server process (rate limits, page fragments);
  (or CACHE_URL)             local memory of each process when unset (enough for one process only)
ZHAOSHANG_PAGE_CACHE_SECONDS how long a computed page part (dashboards, rankings, a run's results) is
                             kept in that cache, keyed on membership and the data version; 600 (0: off)
ZHAOSHANG_LOGIN_RATE         login attempts per address and per user name; 20/m
ZHAOSHANG_API_RATE           API requests per token (or user, or address); 600/m
ZHAOSHANG_EXPORT_RATE        exports and downloads per user; 30/m
ZHAOSHANG_RATELIMIT_OFF      "1" turns the rate limits off (benchmarks, load tests); on
ZHAOSHANG_UPLOAD_MAX_MB      largest request body (files included); ZHAOSHANG_IMPORT_MAX_MB + 5
ZHAOSHANG_FORM_MAX_KB        largest form data without its files (DATA_UPLOAD_MAX_MEMORY_SIZE); 2560
ZHAOSHANG_FORM_MAX_FIELDS    most fields in one form (DATA_UPLOAD_MAX_NUMBER_FIELDS); 2000
ZHAOSHANG_EVIDENCE_MAX_MB    largest 佐证材料 file (PDF, JPG, PNG, Office/OFD, checked by content); 20
ZHAOSHANG_FIELD_KEY          a Fernet key: contacts' phone numbers encrypted in the database; unset: stored as typed

Concurrent edits (docs/concurrency.md):
ZHAOSHANG_API_REQUIRE_IF_MATCH  "1": an API PUT, PATCH or DELETE without If-Match is refused (428);
                                0 (default): accepted as before, for older clients (a stale If-Match is always 412)
"""

import os
import secrets
from datetime import timedelta
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
# A refused form (expired page, new login since) is a Chinese page saying what to do (core/views.py).
CSRF_FAILURE_VIEW = "zhaoshang.core.views.csrf_failure"

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
    "axes",
    "zhaoshang.core",
    "zhaoshang.org",
    "zhaoshang.ledger",
    "zhaoshang.fieldwork",
    "zhaoshang.exchange",
    "zhaoshang.notify",
    "zhaoshang.assessment",
    "zhaoshang.dashboards",
    "zhaoshang.bulletins",
    "zhaoshang.supervision",
    "zhaoshang.chains",
    "zhaoshang.resources",
    "zhaoshang.targets",
    "zhaoshang.packages",
    "zhaoshang.api",
    "zhaoshang.accounts",
    "zhaoshang.audit",
    "zhaoshang.admins",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "zhaoshang.twofactor",
    "zhaoshang.ops",
    "zhaoshang.holidays",
    "zhaoshang.backup",
    "zhaoshang.jobs",
]

MIDDLEWARE = [
    # Counts and times every request for /metrics/ (ops/metrics.py).
    "zhaoshang.ops.metrics.MetricsMiddleware",
    # Believes X-Forwarded-* only from ZHAOSHANG_TRUSTED_PROXIES; 413 for an over-large body.
    "zhaoshang.core.hardening.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(); then a login that owes its second factor is held at
    # /account/2fa/ (pages redirected, session API calls 403) until it gives it (twofactor/).
    "django_otp.middleware.OTPMiddleware",
    "zhaoshang.twofactor.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # One live session per user, the idle timeout, the password's expiry (accounts/).
    "zhaoshang.accounts.middleware.AccountMiddleware",
    "zhaoshang.core.middleware.ChangeLogMiddleware",
    # The three administrators (三员) reach only their console and account pages (admins/).
    "zhaoshang.admins.middleware.AdminConfinementMiddleware",
    # Exports, downloads and imports into the audit trail (audit/middleware.py).
    "zhaoshang.audit.middleware.AuditMiddleware",
    # Login, API, export and download rate limits (core/hardening.py: EXPORT_VIEWS and _checks).
    "zhaoshang.core.hardening.RateLimitMiddleware",
    # Last, as django-axes asks: turns a login refused while locked into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: a locked account or address is refused before its password is checked.
AUTHENTICATION_BACKENDS = [
    "zhaoshang.accounts.backends.LockoutBackend",
    "zhaoshang.core.auth.MembershipBackend",
]

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
        # A kept connection is tested before each request reuses it, so a restarted database
        # costs no failed requests (issue 12).
        conn_health_checks=True,
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

# The password policy (accounts/validators.py; docs/accounts.md), asked on every channel that sets
# a password: the change-password page, the admin, `changepassword`, `createsuperuser`.
ZHAOSHANG_PASSWORD_MIN_LENGTH = int(os.environ.get("ZHAOSHANG_PASSWORD_MIN_LENGTH") or 8)
ZHAOSHANG_PASSWORD_HISTORY = int(os.environ.get("ZHAOSHANG_PASSWORD_HISTORY") or 5)
ZHAOSHANG_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("ZHAOSHANG_PASSWORD_MAX_AGE_DAYS") or 90)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "zhaoshang.accounts.validators.LengthValidator"},
    {"NAME": "zhaoshang.accounts.validators.CharacterClassValidator"},
    {"NAME": "zhaoshang.accounts.validators.UsernameValidator"},
    {"NAME": "zhaoshang.accounts.validators.HistoryValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Login lockout (django-axes): ZHAOSHANG_LOGIN_FAILURE_LIMIT failures lock the account, and
# separately the address, for ZHAOSHANG_LOCKOUT_MINUTES; the right password does not get in
# meanwhile. Every failure stays in axes' failure log. The address is the one core/hardening.py
# believes (X-Forwarded-For only from ZHAOSHANG_TRUSTED_PROXIES).
ZHAOSHANG_LOGIN_FAILURE_LIMIT = int(os.environ.get("ZHAOSHANG_LOGIN_FAILURE_LIMIT") or 5)
ZHAOSHANG_LOCKOUT_MINUTES = int(os.environ.get("ZHAOSHANG_LOCKOUT_MINUTES") or 30)
AXES_FAILURE_LIMIT = ZHAOSHANG_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=ZHAOSHANG_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "zhaoshang.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "zhaoshang.core.hardening.client_ip"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# A wrong 动态口令 counts as a failure too (twofactor/views.py); the code is masked in the log as
# the password is.
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "code",
    "old_password",
    "new_password1",
    "new_password2",
]
# A success must not wipe the failures counted against other accounts from the same address.
AXES_RESET_ON_SUCCESS = False
# Sessions: end when the browser closes, after ZHAOSHANG_SESSION_IDLE_MINUTES without a request,
# and when the same user logs in elsewhere (accounts/middleware.py).
ZHAOSHANG_SESSION_IDLE_MINUTES = int(os.environ.get("ZHAOSHANG_SESSION_IDLE_MINUTES") or 30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
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
# Files the platform builds or receives (bulletins, evidence, error workbooks): in the database by
# default, so every app server reads what another wrote and the database backup carries them
# (ops/storage.py); "filesystem" keeps them under MEDIA_ROOT (one server, or a shared mount).
ZHAOSHANG_FILE_STORAGE = os.environ.get("ZHAOSHANG_FILE_STORAGE", "database")
STORAGES = {
    "default": {
        "BACKEND": "zhaoshang.ops.storage.DatabaseStorage"
        if ZHAOSHANG_FILE_STORAGE == "database"
        else "django.core.files.storage.FileSystemStorage"
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

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
# The holiday calendar (holidays/calendar.py) and backups (ops of `zhaoshang backup`).
ZHAOSHANG_CALENDAR_WARN_MONTH = int(os.environ.get("ZHAOSHANG_CALENDAR_WARN_MONTH") or 12)
ZHAOSHANG_CALENDAR_CACHE_SECONDS = int(os.environ.get("ZHAOSHANG_CALENDAR_CACHE_SECONDS") or 60)
ZHAOSHANG_BACKUP_DIR = Path(os.environ.get("ZHAOSHANG_BACKUP_DIR") or DATA_DIR / "backups")
# Contract performance (履约, ledger/performance.py): a project is behind on its contract when it
# has at least this many obligations 逾期未履约 more than the grace days past their due date; its
# rewards and subsidies are then held (暂缓兑现) until the office releases them. The documents
# leave "behind" open: the default is any one obligation overdue and unfulfilled, no grace.
ZHAOSHANG_CONTRACT_BEHIND_MIN_OVERDUE = int(os.environ.get("ZHAOSHANG_CONTRACT_BEHIND_MIN_OVERDUE") or 1)
ZHAOSHANG_CONTRACT_GRACE_DAYS = int(os.environ.get("ZHAOSHANG_CONTRACT_GRACE_DAYS") or 0)
# The target library's import (targets/dedupe.py) flags two names at least this similar (rapidfuzz
# ratio of the normalised names, 0–100) as 疑似重复 for the clerk to decide (docs/targets.md).
ZHAOSHANG_TARGET_MATCH_THRESHOLD = int(os.environ.get("ZHAOSHANG_TARGET_MATCH_THRESHOLD") or 90)
ZHAOSHANG_TARGET_IMPORT_MAX_ROWS = int(os.environ.get("ZHAOSHANG_TARGET_IMPORT_MAX_ROWS") or 5000)
# The problem list (supervision/problems.py): the deadline a new problem is offered, in working
# days (no document fixes one); a problem turns yellow at this many working days left or this
# share of its time left, whichever comes first; red once overdue.
ZHAOSHANG_PROBLEM_DEFAULT_WORKDAYS = int(os.environ.get("ZHAOSHANG_PROBLEM_DEFAULT_WORKDAYS") or 10)
ZHAOSHANG_PROBLEM_YELLOW_WORKDAYS = int(os.environ.get("ZHAOSHANG_PROBLEM_YELLOW_WORKDAYS") or 3)
ZHAOSHANG_PROBLEM_YELLOW_SHARE = float(os.environ.get("ZHAOSHANG_PROBLEM_YELLOW_SHARE") or 0.3)
# API tokens (`zhaoshang token create`) expire after this many days.
ZHAOSHANG_TOKEN_DAYS = int(os.environ.get("ZHAOSHANG_TOKEN_DAYS") or 90)
# API writes must name the version they read (If-Match), core/concurrency.py; off by default.
ZHAOSHANG_API_REQUIRE_IF_MATCH = os.environ.get("ZHAOSHANG_API_REQUIRE_IF_MATCH", "0") in ("1", "true", "yes")
# Second factor (twofactor/): who must give a 动态口令 at each login, and how many wrong codes
# in a row end the half-logged-in session. Superusers always must; anyone may bind a device.
ZHAOSHANG_2FA_REQUIRED_ROLES = tuple(
    r.strip()
    for r in os.environ.get(
        "ZHAOSHANG_2FA_REQUIRED_ROLES", "office,system_admin,security_admin,audit_admin"
    ).split(",")
    if r.strip()
)
ZHAOSHANG_2FA_MAX_FAILURES = int(os.environ.get("ZHAOSHANG_2FA_MAX_FAILURES") or 5)
OTP_TOTP_ISSUER = os.environ.get("ZHAOSHANG_2FA_ISSUER") or "招商引资工作平台"
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

# Long work (bulletins, large imports, a city's assessment; jobs/, docs/jobs.md): Celery workers on
# Redis when CELERY_BROKER_URL is set; else queued for `zhaoshang worker` polling the database when
# ZHAOSHANG_WORKER=1; else inline in the request, as `make demo` and the tests run.
ZHAOSHANG_WORKER = os.environ.get("ZHAOSHANG_WORKER", "") in ("1", "true", "yes")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # a message is acknowledged when its job ends, not when it starts
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # and delivered again when the process running it dies
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # the outcome is the Job row; no result backend
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Unacknowledged messages return to the queue after this long (longer than any job's hard limit).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT") or 7200)
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
ZHAOSHANG_WORKER_CONCURRENCY = int(os.environ.get("ZHAOSHANG_WORKER_CONCURRENCY") or 2)
ZHAOSHANG_JOB_STALE_MINUTES = float(os.environ.get("ZHAOSHANG_JOB_STALE_MINUTES") or 10)
ZHAOSHANG_JOB_HEARTBEAT_SECONDS = float(os.environ.get("ZHAOSHANG_JOB_HEARTBEAT_SECONDS") or 30)
ZHAOSHANG_JOB_MAX_ATTEMPTS = int(os.environ.get("ZHAOSHANG_JOB_MAX_ATTEMPTS") or 3)
ZHAOSHANG_JOB_RETRY_SECONDS = float(os.environ.get("ZHAOSHANG_JOB_RETRY_SECONDS") or 30)
ZHAOSHANG_JOB_KEEP_DAYS = int(os.environ.get("ZHAOSHANG_JOB_KEEP_DAYS") or 30)
# Duties (supervision/duties.py): how far ahead the daily job schedules, and when reminders go out.
ZHAOSHANG_DUTY_SCHEDULE_DAYS = int(os.environ.get("ZHAOSHANG_DUTY_SCHEDULE_DAYS") or 31)
ZHAOSHANG_DUTY_REMIND_DAYS = int(os.environ.get("ZHAOSHANG_DUTY_REMIND_DAYS") or 3)
ZHAOSHANG_DUTY_OVERDUE_DAYS = int(os.environ.get("ZHAOSHANG_DUTY_OVERDUE_DAYS") or 7)
# Soft time limits (seconds) per kind, over jobs/conf.py's defaults: "import=3600,bulletin=600".
ZHAOSHANG_JOB_TIME_LIMITS = {
    k.strip(): int(v)
    for k, _, v in (p.partition("=") for p in os.environ.get("ZHAOSHANG_JOB_TIME_LIMITS", "").split(","))
    if k.strip() and v.strip().isdigit()
}
# An Excel upload of more rows than this is imported as a background job (its progress on the job page).
ZHAOSHANG_IMPORT_BACKGROUND_ROWS = int(os.environ.get("ZHAOSHANG_IMPORT_BACKGROUND_ROWS") or 5000)
# /metrics/ (ops/metrics.py): a system administrator's session, or this bearer token for the
# Prometheus server (unset: sessions only).
ZHAOSHANG_METRICS_TOKEN = os.environ.get("ZHAOSHANG_METRICS_TOKEN", "")
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

# --- Hardening (等保三级: resources, input, transport, browser; docs/hardening.md) -------------------


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


ZHAOSHANG_PRODUCTION = _flag("ZHAOSHANG_PRODUCTION")
if ZHAOSHANG_PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    _missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS") if not os.environ.get(name, "").strip()]
    if _missing:
        raise ImproperlyConfigured(
            f"生产模式（ZHAOSHANG_PRODUCTION=1）必须在环境变量中设置 {'、'.join(_missing)}，"
            "不能使用自动生成的密钥或默认的主机名"
        )
    if DEBUG:
        raise ImproperlyConfigured(
            "生产模式（ZHAOSHANG_PRODUCTION=1）下不得开启调试页面，请去掉环境变量 DEBUG=1"
        )
    SECURE_SSL_REDIRECT = True
    # The load balancer's probe asks over plain HTTP (docs/deploy.md); the page holds nothing private.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("ZHAOSHANG_HSTS_SECONDS") or 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _flag("ZHAOSHANG_HSTS_PRELOAD")
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a promise to the browsers' public lists, which an intranet host name is not
        # on; it stays the deployment's choice (ZHAOSHANG_HSTS_PRELOAD=1), so its reminder is silenced.
        SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# The reverse proxy (nginx) in front of gunicorn: only requests from these addresses may say the
# client's address (X-Forwarded-For) and that it came over HTTPS (X-Forwarded-Proto); from anyone
# else the headers are dropped (core/hardening.py: RequestGuardMiddleware).
ZHAOSHANG_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("ZHAOSHANG_TRUSTED_PROXIES", "").split(",") if p.strip()
]
if ZHAOSHANG_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy on every response, production or not (django-csp 4). No inline script or
# style anywhere: templates use the static files; ECharts 5 needs no eval; QR codes are inline SVG.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# A cache every server process shares (rate limits count across processes only through it).
_cache_url = os.environ.get("ZHAOSHANG_REDIS_URL") or os.environ.get("CACHE_URL") or ""
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url}
        if _cache_url.startswith(("redis://", "rediss://", "unix://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "zhaoshang"}
    )
}

# Computed page parts (core/pagecache.py): keyed on membership and the audit chain's head, so a
# write is seen at once; this only bounds how long an unused entry stays. 0 turns caching off.
ZHAOSHANG_PAGE_CACHE_SECONDS = int(os.environ.get("ZHAOSHANG_PAGE_CACHE_SECONDS") or 600)

# Rate limits (django-ratelimit's counters, core/hardening.py); "N/m" = N a minute ("N/h", "N/s").
ZHAOSHANG_LOGIN_RATE = os.environ.get("ZHAOSHANG_LOGIN_RATE") or "20/m"
ZHAOSHANG_API_RATE = os.environ.get("ZHAOSHANG_API_RATE") or "600/m"
ZHAOSHANG_EXPORT_RATE = os.environ.get("ZHAOSHANG_EXPORT_RATE") or "30/m"
RATELIMIT_IP_META_KEY = "zhaoshang.core.hardening.client_ip"
RATELIMIT_ENABLE = not _flag("ZHAOSHANG_RATELIMIT_OFF")

# Request sizes. Form data without files is small (the longest text field holds 10,000 characters);
# files stream to disk above 2.5 MB; no body is read past ZHAOSHANG_UPLOAD_MAX_MB (answered 413).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("ZHAOSHANG_FORM_MAX_KB") or 2560) * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = int(os.environ.get("ZHAOSHANG_FORM_MAX_FIELDS") or 2000)
DATA_UPLOAD_MAX_NUMBER_FILES = 20
ZHAOSHANG_UPLOAD_MAX_MB = int(os.environ.get("ZHAOSHANG_UPLOAD_MAX_MB") or ZHAOSHANG_IMPORT_MAX_MB + 5)
# A stage change's 佐证材料 (core/uploads.py): PDF, pictures and Office documents up to this size.
ZHAOSHANG_EVIDENCE_MAX_MB = int(os.environ.get("ZHAOSHANG_EVIDENCE_MAX_MB") or 20)

# Contacts' personal data encrypted in the database (core/fields.py) when a Fernet key is given.
ZHAOSHANG_FIELD_KEY = os.environ.get("ZHAOSHANG_FIELD_KEY", "")
# --- end of hardening ---

# The audit trail (audit/, docs/audit.md): how long records stay before `zhaoshang audit archive`
# may move them out (never under 180 days), and the key that signs the archive files.
ZHAOSHANG_AUDIT_RETENTION_DAYS = max(int(os.environ.get("ZHAOSHANG_AUDIT_RETENTION_DAYS") or 180), 180)
ZHAOSHANG_AUDIT_ARCHIVE_KEY = os.environ.get("ZHAOSHANG_AUDIT_ARCHIVE_KEY", "")
