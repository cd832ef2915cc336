"""Settings shared by every environment.

Each value comes from an environment variable with a documented default (see
docs/settings.md). The defaults are the embedded ones: SQLite under var/, local files, a
filesystem task broker; nothing has to be set to run the demo.
"""

import json
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("RATUSZ_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "insecure-embedded-default-key-change-me-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", ".localhost", "testserver"])
#: Gminy are also served on `<slug>.<RATUSZ_BASE_DOMAIN>`; the path prefix /g/<slug>/ always works.
RATUSZ_BASE_DOMAIN = env_str("RATUSZ_BASE_DOMAIN", "localhost")
#: The address residents reach the platform at, used in links sent by e-mail.
RATUSZ_PUBLIC_URL = env_str("RATUSZ_PUBLIC_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "ratusz.core",
    "ratusz.accounts",
    "ratusz.cases",
    "ratusz.eservices",
    "ratusz.notifications",
    "ratusz.bulletin",
    "ratusz.payments",
    "ratusz.reports",
    "ratusz.exchange",
    "ratusz.education",
    # The demo gminy and the demo commands; left out in production (prod.py).
    "ratusz.demo",
]

MIDDLEWARE = [
    "ratusz.core.middleware.RequestIdMiddleware",
    "ratusz.core.middleware.MetricsMiddleware",
    "ratusz.core.middleware.ApiProblemMiddleware",
    "ratusz.core.middleware.TextInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ratusz.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ratusz.core.middleware.TenantMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ratusz.accounts.middleware.OperatorAdminMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ratusz.accounts.middleware.StaffSessionTimeoutMiddleware",
    "ratusz.accounts.second_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ratusz" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ratusz.core.context_processors.platform",
                "ratusz.accounts.context_processors.permissions_here",
                "ratusz.notifications.context_processors.alerts",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------
#: DATABASE_URL selects the engine: sqlite:///path (default var/ratusz.sqlite3) or postgres://…
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ratusz.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions make the gapless counters safe with several writers; WAL lets
    # readers go on while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 600
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
#: The connections go through a pooler in transaction mode (PgBouncer): no server-side
#: cursors (a cursor cannot outlive the transaction that the pooler lends a connection for).
#: The gmina's setting is safe there: it is set per transaction (ratusz/core/tenancy.py).
DATABASE_TRANSACTION_POOLER = env_bool("DATABASE_TRANSACTION_POOLER", False)
#: A streaming replica of the primary (postgres://…): requests that change nothing read
#: from it (ratusz/core/routers.py, docs/scaling.md). Empty: everything on the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
#: After a request that may write, its client reads from the primary this many seconds.
RATUSZ_REPLICA_PIN_SECONDS = env_int("RATUSZ_REPLICA_PIN_SECONDS", 5)
#: Reads go to the primary while the replica is further behind than this (seconds).
RATUSZ_REPLICA_MAX_LAG_SECONDS = float(env_str("RATUSZ_REPLICA_MAX_LAG_SECONDS", "2"))
#: Each process asks the replica for its lag at most this often (seconds).
RATUSZ_REPLICA_CHECK_SECONDS = float(env_str("RATUSZ_REPLICA_CHECK_SECONDS", "1"))
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=600)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    # A replica that is gone must not hold a request: fail fast, read from the primary.
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["ratusz.core.routers.ReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("ratusz.core.middleware.MetricsMiddleware") + 1,
                      "ratusz.core.routers.ReplicaReadsMiddleware")
if DATABASE_TRANSACTION_POOLER:
    for _database in DATABASES.values():
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:platform-home"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out user name + address before the password
    # is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Passwords in the NIST SP 800-63B style: length, not composition rules; no rotation;
# refused when known from breaches (ratusz/accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "ratusz.accounts.passwords.NistPasswordValidator"},
]
#: Staff must confirm every sign-in with a TOTP code (or a recovery code).
RATUSZ_STAFF_2FA_REQUIRED = env_bool("RATUSZ_STAFF_2FA_REQUIRED", True)
#: Wrong second-factor codes in one sign-in before it is ended.
RATUSZ_2FA_MAX_ATTEMPTS = 5
OTP_TOTP_ISSUER = "Ratusz"
# django-otp's throttle is per device, i.e. per person: a guesser would lock the owner out.
# Guessing is limited per client instead (ratusz/accounts/second_factor.py, docs/security.md).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# django-axes: lock a user name at an address after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ratusz.accounts.views_second_factor.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
#: Staff sessions end after this many seconds without activity.
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "ratusz.core.views.csrf_failure"

# --- Security headers -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
#: The Content-Security-Policy sent with every HTML response.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'",
)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", _("Polish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Warsaw"
#: One date format in the whole UI (config/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)

#: Largest accepted upload (documents, scans, attachments), in bytes.
RATUSZ_MAX_UPLOAD_BYTES = env_int("RATUSZ_MAX_UPLOAD_BYTES", 25 * 1024 * 1024)
#: Longest time a PDF preview (pdftoppm) may take before it is skipped, in seconds.
RATUSZ_PREVIEW_TIMEOUT_SECONDS = env_int("RATUSZ_PREVIEW_TIMEOUT_SECONDS", 15)
DATA_UPLOAD_MAX_MEMORY_SIZE = RATUSZ_MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Background work (Celery) ---------------------------------------------------------
#: Redis URL for the task broker and results; unset = the embedded filesystem broker.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_DATA_DIR = VAR_DIR / "celery"

# --- Caches -----------------------------------------------------------------------------
#: "default" is shared by every process: rate limits, the notification throttles, the
#: page cache's generations. Redis (RATUSZ_CACHE_URL, else REDIS_URL) when configured,
#: else files under VAR_DIR/cache (the embedded defaults: shared by the processes of one
#: machine). "pages" keeps rendered public pages in each process's memory
#: (ratusz.core.pagecache): a hit needs no network.
RATUSZ_CACHE_URL = env_str("RATUSZ_CACHE_URL", "") or REDIS_URL
if RATUSZ_CACHE_URL:
    _default_cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": RATUSZ_CACHE_URL,
        "KEY_PREFIX": "ratusz",
    }
else:
    _default_cache = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
CACHES = {
    "default": _default_cache,
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ratusz-pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("RATUSZ_PAGE_CACHE_ENTRIES", 5_000)},
    },
}
#: How long a process trusts the gmina's page generation it last read (seconds): an edit
#: shows on every process's cached pages at most this long after it commits.
RATUSZ_PAGE_CACHE_CHECK_SECONDS = float(env_str("RATUSZ_PAGE_CACHE_CHECK_SECONDS", "1"))
#: BIP entry views are buffered in each process and written this often (seconds; 0 = at
#: once, one write per view).
RATUSZ_BIP_VIEW_FLUSH_SECONDS = float(env_str("RATUSZ_BIP_VIEW_FLUSH_SECONDS", "5"))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DATA_DIR / "queue"),
        "data_folder_out": str(CELERY_DATA_DIR / "queue"),
        "control_folder": str(CELERY_DATA_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_DATA_DIR / 'results'}"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Nothing reads task results (the work is in the database); storing them would make a
# request wait for the result store (20 s of retries while Redis restarts).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
#: Every this many seconds the receipt of each submission that has waited longer than
#: this for it is queued again (its message was lost with a killed worker or a restarted
#: broker).
RATUSZ_RECEIPT_SWEEP_SECONDS = env_int("RATUSZ_RECEIPT_SWEEP_SECONDS", 60)
#: `celery worker -B` (or a separate `celery beat`) runs these.
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60.0},
    "eservices-sweep-receipts": {"task": "eservices.sweep_receipts",
                                 "schedule": float(RATUSZ_RECEIPT_SWEEP_SECONDS)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# --- E-mail ---------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
#: The embedded default writes each message to a file under var/mail/; production sets
#: django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST/EMAIL_PORT.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ratusz <no-reply@ratusz.localhost>")

# --- Operations -----------------------------------------------------------------------
#: /metrics is served only to these client addresses, or with
#: `Authorization: Bearer <METRICS_TOKEN>`.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", [])
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
#: "json" for structured logs (default) or "console" for a human-readable format.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ratusz.core.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger",
                              "message": "event"},
        },
        "console": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "default": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "console",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["default"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"level": "WARNING"},
    },
}

# --- API ------------------------------------------------------------------------------
#: Mount the benchmark-only endpoint POST /api/v1/bench/counter (never in production).
RATUSZ_BENCH_ENDPOINTS = env_bool("RATUSZ_BENCH_ENDPOINTS", False)
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200
NINJA_PAGINATION_CLASS = "ratusz.core.api.BoundedPagination"

#: Path of the platform operator's Django admin.
ADMIN_URL = env_str("ADMIN_URL", "admin/")
LOGIN_URL_PATH = "/auth/login/"

# --- login.gov.pl (national eID node), see docs/login-gov.md -------------------------------
#: Key for protecting residents' PESEL numbers (digest + encryption); default SECRET_KEY.
RATUSZ_PERSONAL_DATA_KEY = env_str("RATUSZ_PERSONAL_DATA_KEY", "")
LOGIN_GOV_ENABLED = env_bool("LOGIN_GOV_ENABLED", True)
#: Base address of the node: https://login.gov.pl, https://int.login.gov.pl, or the local
#: simulator (`manage.py logingov_simulator`, started by `make demo`).
LOGIN_GOV_IDP_URL = env_str("LOGIN_GOV_IDP_URL", "http://127.0.0.1:8089")
LOGIN_GOV_IDP_ENTITY_ID = env_str("LOGIN_GOV_IDP_ENTITY_ID", "")
LOGIN_GOV_IDP_CERT = env_str("LOGIN_GOV_IDP_CERT", str(VAR_DIR / "logingov" / "idp-sign.crt"))
LOGIN_GOV_SP_ENTITY_ID = env_str("LOGIN_GOV_SP_ENTITY_ID", "")
LOGIN_GOV_SP_KEY_DIR = env_str("LOGIN_GOV_SP_KEY_DIR", str(VAR_DIR / "logingov"))
LOGIN_GOV_LOA = env_str("LOGIN_GOV_LOA", "http://eidas.europa.eu/LoA/substantial")
#: Accepted clock difference with the node, seconds.
LOGIN_GOV_CLOCK_SKEW = env_int("LOGIN_GOV_CLOCK_SKEW", 120)
#: Create development keys (SP and simulator) in LOGIN_GOV_SP_KEY_DIR when missing.
LOGIN_GOV_DEV_KEYS = env_bool("LOGIN_GOV_DEV_KEYS", True)
#: The xmlsec1 program pysaml2 signs with (Debian package xmlsec1).
LOGIN_GOV_XMLSEC_BINARY = env_str("LOGIN_GOV_XMLSEC_BINARY", "/usr/bin/xmlsec1")

# --- Notifications (issue 6) -------------------------------------------------------------
#: SMS gateways in failover order, as JSON: [{"name": "smsapi", "kind": "smsapi",
#: "url": "https://api.smsapi.pl", "token": "…"}, {"name": "serwersms", "kind": "serwersms",
#: "url": "https://api2.serwersms.pl", "token": "…"}]. Empty: SMS cannot be sent.
RATUSZ_SMS_GATEWAYS = json.loads(env_str("RATUSZ_SMS_GATEWAYS", "[]") or "[]")
#: The sender name (alphanumeric sender id) registered with the gateways.
RATUSZ_SMS_SENDER = env_str("RATUSZ_SMS_SENDER", "Ratusz")
#: Messages per second per channel across all workers (0 = no limit of ours).
RATUSZ_NOTIFY_EMAIL_RATE = env_int("RATUSZ_NOTIFY_EMAIL_RATE", 0)
RATUSZ_NOTIFY_SMS_RATE = env_int("RATUSZ_NOTIFY_SMS_RATE", 0)
#: Web push: a PEM file with the VAPID private key (development keys are made under
#: var/keys/vapid when unset), and the contact in the VAPID claims.
RATUSZ_VAPID_PRIVATE_KEY = env_str("RATUSZ_VAPID_PRIVATE_KEY", "")
RATUSZ_VAPID_SUBJECT = env_str("RATUSZ_VAPID_SUBJECT", "")
#: Accept http:// push endpoints on 127.0.0.1 (the push simulator). Never in production.
RATUSZ_PUSH_ALLOW_HTTP_ENDPOINTS = env_bool("RATUSZ_PUSH_ALLOW_HTTP_ENDPOINTS", False)
