"""Settings shared by every environment; everything that differs comes from the environment."""

from pathlib import Path

import dj_database_url

from config.email_url import mailer_from_url
from config.env import env_bool, env_int, env_list, env_str
from config.storage import default_storage_setting
from config.tasks import periodic_jobs, tasks_setting

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnop")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The address partners see in links we send them (status pages, verification, downloads).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

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
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "jobs",
    "syndication",
    "licensing",
    "billing",
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
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# SQLite file by default; DATABASE_URL takes any dj-database-url form (postgres://, sqlite:///path).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the task worker share the file.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English"), ("fr", "Français"), ("ar", "العربية")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Packages and media: files under MEDIA_ROOT, or an S3-compatible bucket with STORAGE_BACKEND=s3
# (config/storage.py, docs/packages.md). Downloads always go through the signed-link view.
STORAGES = {
    "default": default_storage_setting(
        env_str("STORAGE_BACKEND", "filesystem"),
        bucket=env_str("S3_BUCKET"),
        endpoint_url=env_str("S3_ENDPOINT_URL"),  # MinIO, Ceph, R2...; empty for AWS itself
        region=env_str("S3_REGION"),
        access_key=env_str("S3_ACCESS_KEY_ID"),  # both empty: boto3's own credential chain
        secret_key=env_str("S3_SECRET_ACCESS_KEY"),
        prefix=env_str("S3_PREFIX"),  # a folder inside a shared bucket
        addressing_style=env_str("S3_ADDRESSING_STYLE"),  # "path" for most MinIO set-ups
    ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Email: console by default; EMAIL_URL="smtp://user:pass@host:587/?tls=1" or "file:///path".
MAILERS = {"default": mailer_from_url(env_str("EMAIL_URL", "console://"))}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Syndication desk <syndication@localhost>")
STAFF_NOTIFICATION_EMAILS = env_list("STAFF_NOTIFICATION_EMAILS", "syndication-desk@localhost")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "syndication",
    }
}

# Background work: the engine is chosen here alone (config/tasks.py, docs/tasks.md).
TASKS = tasks_setting(
    env_str("TASKS_BACKEND", "db"), redis_url=env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "syndication.api_auth.PartnerKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "syndication.api_pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "syndication.api_errors.exception_handler",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": [
        "syndication.api_auth.PartnerRateThrottle",
        "rest_framework.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "partner": env_str("API_PARTNER_RATE", "600/min"),
        "anon": env_str("API_ANON_RATE", "60/min"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Republishing licence API",
    "DESCRIPTION": (
        "Quote, request and retrieve republishing licences. Authenticate with "
        "`Authorization: Bearer <partner API key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LicenceRequestStatusEnum": "licensing.models.RequestStatus",
        "LicenceStatusEnum": "licensing.models.LicenceStatus",
    },
}

# Licensing knobs.
REPUBLISH_RATE_LIMIT = env_str("REPUBLISH_RATE_LIMIT", "10/h")  # public form submissions per IP
STATUS_LINK_MAX_AGE_DAYS = env_int("STATUS_LINK_MAX_AGE_DAYS", 365)
API_IDEMPOTENCY_TTL_HOURS = env_int("API_IDEMPOTENCY_TTL_HOURS", 24)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The stripe library logs every HTTP call at INFO; our gateway logs what matters.
    "loggers": {
        "stripe": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}
# An approval leaves the partner at least this many days to pay.
PAYMENT_WINDOW_DAYS = env_int("PAYMENT_WINDOW_DAYS", 14)

# Background work (jobs/): retries, worker leases, the embedded scheduler, reminders.
JOBS_RETRY_MAX_ATTEMPTS = env_int("JOBS_RETRY_MAX_ATTEMPTS", 5)
JOBS_RETRY_BASE_SECONDS = float(env_str("JOBS_RETRY_BASE_SECONDS", "2"))
JOBS_RETRY_MAX_DELAY_SECONDS = float(env_str("JOBS_RETRY_MAX_DELAY_SECONDS", "600"))
# A worker that has not beaten its heart for this long is gone; its running task is re-queued.
JOBS_WORKER_LEASE_SECONDS = float(env_str("JOBS_WORKER_LEASE_SECONDS", "30"))
# A running task from a worker that never beat at all (plain db_worker) is re-queued after this.
JOBS_ORPHAN_AFTER_SECONDS = env_int("JOBS_ORPHAN_AFTER_SECONDS", 3600)
JOBS_HOUSEKEEPING_SECONDS = float(env_str("JOBS_HOUSEKEEPING_SECONDS", "5"))
JOBS_SCHEDULES = periodic_jobs(sweep_every_seconds=env_int("JOBS_SWEEP_EVERY_SECONDS", 3600))
# Days before a licence ends that its licensee is reminded, once per licence per reminder.
LICENCE_EXPIRY_REMINDER_DAYS = [int(d) for d in env_list("LICENCE_EXPIRY_REMINDER_DAYS", "30,7")]

# Stripe. Without a secret key the service runs with offline payments only.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
# Only to point the library at a stand-in; empty means Stripe itself.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "")
STRIPE_WEBHOOK_TOLERANCE = env_int("STRIPE_WEBHOOK_TOLERANCE", 300)
STRIPE_TIMEOUT = float(env_str("STRIPE_TIMEOUT", "30"))

# Composition: what licensing announces and who listens (see licensing/hooks.py).
LICENSING_HOOKS: dict[str, list[str]] = {
    "awaiting_payment": ["billing.hooks.on_awaiting_payment"],
    "fulfilled": ["licensing.tasks_packages.on_fulfilled", "licensing.aftercare.on_fulfilled"],
    "licences_revoked": ["licensing.aftercare.on_licences_revoked"],
}
LICENSING_PAYMENT_INFO = "billing.selectors.payment_info_for_request"
LICENSING_PAYMENT_INFOS = "billing.selectors.payment_infos_for_requests"
SYNDICATION_HOOKS = {"article_revised": ["licensing.aftercare.on_article_revised"]}

# Ed25519 key (base64 of 32 raw bytes) that signs package bundles; derived from SECRET_KEY when
# unset, so rotating SECRET_KEY then rotates the published key too (docs/packages.md).
PACKAGE_SIGNING_KEY = env_str("PACKAGE_SIGNING_KEY", "")

# Signed package download links (licensing/packages.py) stay valid this many days.
PACKAGE_LINK_TTL_DAYS = env_int("PACKAGE_LINK_TTL_DAYS", 30)

# Partner webhooks: HTTPS only unless loopback is allowed (local development and tests).
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK", False)
WEBHOOKS_TIMEOUT_SECONDS = env_int("WEBHOOKS_TIMEOUT_SECONDS", 10)
# Behind a reverse proxy the pixel must read the client address from X-Forwarded-For.
TRACKING_TRUST_X_FORWARDED_FOR = env_bool("TRACKING_TRUST_X_FORWARDED_FOR", False)

# Partner portal and staff dashboard (licensing/portal, licensing/dashboard).
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"
# Billing providers the portal and the dashboard read through licensing.hooks (plain dicts).
LICENSING_PAYMENTS_LIST = "billing.portal.payments_for_partner"
LICENSING_PAYMENTS_EXPORT = "billing.portal.payments_between"
