"""Settings shared by every environment; every value that differs per machine comes from the environment."""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-local-only-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The address people use, for links in e-mails (notifications carry a link, never the content).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Prepared statements (issue 15, the load test): PostgreSQL took longer to plan most of the application's
# queries (2-3 ms for a six-table join, 14 ms for the weighted impact query) than to run them. With the
# parameters bound by the server, psycopg prepares a statement once it has run PREPARE_THRESHOLD times
# on a connection, and the persistent connections of production keep the plans. Django's default
# (client-side binding, nothing prepared) stays available: DATABASE_SERVER_SIDE_BINDING=False, e.g.
# behind a connection pooler in transaction mode that cannot keep prepared statements.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_SERVER_SIDE_BINDING", default=True
):
    threshold = env("DATABASE_PREPARE_THRESHOLD", default="5")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=int(threshold) if threshold else None
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "djmoney",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "fund",
    "portfolio",
    "investors",
    "pipeline",
    "impactmeasurement",
    "resultaatfinanciering",
    "reports",
]

MIDDLEWARE = [
    "core.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fund.middleware.DutchFirstMiddleware",
    "core.middleware.RejectNulBytesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.NoStoreForAuthenticatedMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fund.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "fund.security.SessionAbsoluteLifetimeMiddleware",
    "fund.security.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.PermissionsPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fund.context_processors.navigation",
            ],
        },
    },
]

AUTH_USER_MODEL = "fund.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "fund.backends.StaffModelBackend",
]
# Every place a password is set (change, reset, the admin's forms, changepassword) runs these validators:
# at least 12 characters (ASVS 2.1.1), not too like the user's name or address, not a common password, not
# only digits, and (BREACHED_PASSWORD_CHECK) not in a known data breach (ASVS 2.1.7, fund.passwords).
PASSWORD_MIN_LENGTH = 12
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "fund.passwords.PasswordLengthValidator",  # Django's, with a Dutch message
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Have I Been Pwned's range API (k-anonymity: five hex characters of the SHA-1 are sent, with padding). Off
# by default here (demo, tests: no network); config.settings.production switches it on. When the service
# does not answer within the timeout, the password is accepted and a warning is logged.
BREACHED_PASSWORD_CHECK = env.bool("BREACHED_PASSWORD_CHECK", default=False)
BREACHED_PASSWORD_API_URL = env("BREACHED_PASSWORD_API_URL", default="https://api.pwnedpasswords.com/range/")
BREACHED_PASSWORD_TIMEOUT = env.float("BREACHED_PASSWORD_TIMEOUT", default=2.0)
if BREACHED_PASSWORD_CHECK:
    AUTH_PASSWORD_VALIDATORS.append({"NAME": "fund.passwords.BreachedPasswordValidator"})
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection: lock an e-mail/IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
# Count failures per normalised address: the login matches e-mail case-insensitively, so must the lockout.
AXES_USERNAME_CALLABLE = "fund.security.lockout_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failed-login and login records (address as typed, IP, browser) are deleted after this many days by the
# nightly purge job (reports.avg.purge_expired_login_records; docs/privacy.md).
LOGIN_RECORD_RETENTION_DAYS = env.int("LOGIN_RECORD_RETENTION_DAYS", default=30)

# Content-Security-Policy (django-csp): scripts only from this site or with the request's nonce, nothing
# framed, no plug-ins. Inline *styles* stay allowed: Bootstrap's components and the chart libraries set
# style attributes, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the application never uses are switched off (core.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)

# Sessions end at browser close, 12 hours after the login whatever the role, and after 30 minutes without
# activity for the roles that decide about money and for administrators (fund.security).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Read from the cache (Redis in production), written through to the database: every request reads its
# session, and a cache read costs a fraction of a database query (bench/load.py). Nothing deletes session
# rows behind the store's back (logout and expiry go through it), so the cache never outlives a session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
# However active, a session ends this many seconds after the login, for every role (ASVS 3.3.2;
# fund.security.SessionAbsoluteLifetimeMiddleware): a working day and a half is never one session.
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=12 * 60 * 60)
# Password reset requests per hour: per IP address (then 429) and per address (then silently nothing).
PASSWORD_RESET_RATE_WINDOW = 3600
PASSWORD_RESET_RATE_IP = env.int("PASSWORD_RESET_RATE_IP", default=10)
PASSWORD_RESET_RATE_EMAIL = env.int("PASSWORD_RESET_RATE_EMAIL", default=3)
# Expensive actions per user (core.ratelimit; ASVS 11.1.x): (times, per seconds); over it a 429 page.
ACTION_RATE_LIMITS = {
    "export": (env.int("EXPORT_RATE_PER_HOUR", default=60), 3600),
    "report_batch": (env.int("REPORT_BATCH_RATE_PER_HOUR", default=10), 3600),
    "avg_export": (env.int("AVG_EXPORT_RATE_PER_HOUR", default=10), 3600),
}
# The API per key, or per user for session requests (fund.api_tokens.ApiKeyRateThrottle; ASVS 13.2.x), in
# DRF's notation (number/second|minute|hour|day); over it a 429 with Retry-After.
API_RATE_LIMIT = env("API_RATE_LIMIT", default="120/minute")

# Two-factor authentication (TOTP) for fund managers, committee members and municipal officials.
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=False)
OTP_TOTP_ISSUER = "Impactfonds"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Every upload is private (core.storage): no URL, served only by scoped views that record the download.
# Never let a web server serve MEDIA_ROOT.
STORAGES = {
    "default": {"BACKEND": "core.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Impactfonds <noreply@impactfonds.localhost>")

# Money: amounts are EUR; shown in the active language's format (nl: € 1.234,56).
CURRENCIES = ("EUR",)
DEFAULT_CURRENCY = "EUR"

# AVG: how long uploaded files are kept, in days, per kind (reports.avg.purge_expired_uploads; the register
# with the reasons is docs/privacy.md). The ledger, stored documents and audit records are never purged.
UPLOAD_RETENTION_DAYS = {
    # replaced or deleted application documents: one year after their removal
    "application_documents_removed": 365,
    # documents of rejected or withdrawn applications: two years after the decision (objection, new request)
    "application_documents_closed_applications": 2 * 365,
    # uploaded bank statement files: the booked lines are the record; the file 90 days after the import
    "bank_import_files": 90,
    # impact evidence: seven years (the fiscal retention period the reports it supports are kept for)
    "impact_evidence": 7 * 365,
}

# Celery: without a broker, tasks run eagerly in-process (the embedded default for the demo and tests).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task whose worker dies (killed, out of memory) goes back on the queue instead of being lost; with late
# acknowledgement every task must be safe to run twice (they are: see tests/test_real_worker.py).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis hands an unacknowledged task out again after this many seconds (a worker killed without a chance to
# give it back); longer than the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}

# The cache carries progress from Celery workers to the web pages (a bank import's lines done), so with a
# real broker it must be shared: CACHE_URL, or the Redis broker itself. In-process (demo, tests): locmem.
CACHE_URL = env("CACHE_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL.startswith("redis")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fund.api_tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["fund.api_tokens.ApiKeyRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Impactfonds API",
    "DESCRIPTION": "Read API for funds, organisations and the current user; scoped exactly as the web app.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api_schema.add_error_responses",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Static files: WhiteNoise serves them; in development straight from the app folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# SEPA direct debit: calendar days between the pre-notification to the borrower and the collection (the
# rulebook's 14 unless agreed otherwise with the debtors).
DIRECT_DEBIT_PRENOTIFICATION_DAYS = env.int("DIRECT_DEBIT_PRENOTIFICATION_DAYS", default=14)
