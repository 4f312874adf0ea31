"""Kinlink settings: one file, every deployment choice read from the environment.

A node runs with `KINLINK_DEBUG` unset (production). `make run` sets `KINLINK_DEBUG=1` and
`KINLINK_DEMO=1`; nothing else in the code base may assume either.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def read_secret_key() -> str:
    """The secret key comes from a variable or a file; only debug mode may invent one."""
    if key := os.environ.get("KINLINK_SECRET_KEY"):
        return key
    if path := os.environ.get("KINLINK_SECRET_KEY_FILE"):
        return Path(path).read_text(encoding="utf-8").strip()
    if env_flag("KINLINK_DEBUG"):
        return "insecure-development-key-" + "x" * 40
    raise ImproperlyConfigured("Set KINLINK_SECRET_KEY or KINLINK_SECRET_KEY_FILE.")


DEBUG = env_flag("KINLINK_DEBUG")
DEMO_MODE = env_flag("KINLINK_DEMO")
SECRET_KEY = read_secret_key()
ALLOWED_HOSTS = env_list("KINLINK_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("KINLINK_CSRF_TRUSTED_ORIGINS")

# The node's identity: the prefix of its readable case references (e.g. "MA" for Morocco).
KINLINK_NODE_PREFIX = os.environ.get("KINLINK_NODE_PREFIX", "MA")
# Its name among peer nodes, the public address peers reach it at, and where its private keys
# live (outside the database; `kinlink keys init` makes them).
KINLINK_NODE_ID = os.environ.get("KINLINK_NODE_ID", KINLINK_NODE_PREFIX.lower())
KINLINK_NODE_URL = os.environ.get("KINLINK_NODE_URL", "http://127.0.0.1:8000")
KINLINK_KEYS_DIR = Path(os.environ.get("KINLINK_KEYS_DIR", BASE_DIR / "var" / "keys"))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "django_tasks",
    "django_tasks_db",
    "kinlink.core",
    "kinlink.audit",
    "kinlink.directory",
    "kinlink.accounts",
    "kinlink.cases",
    "kinlink.care",
    "kinlink.assessments",
    "kinlink.plans",
    "kinlink.tracing",
    "kinlink.exchange",
    "kinlink.reports",
    "kinlink.api",
    "kinlink.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kinlink.accounts.middleware.SessionLimitsMiddleware",
    "kinlink.accounts.middleware.SecondFactorMiddleware",
    "kinlink.accounts.middleware.UserLanguageMiddleware",
    "kinlink.accounts.middleware.LoginRequiredMiddleware",
    "kinlink.api.middleware.ApiCallMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kinlink.core.middleware.NoStoreMiddleware",
    "kinlink.core.middleware.SecurityHeadersMiddleware",
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
                "kinlink.core.context_processors.kinlink",
            ],
        },
    },
]


def database_settings() -> dict[str, object]:
    """SQLite (WAL, immediate transactions) unless KINLINK_DB=postgresql.

    PostgreSQL connection details come from libpq's own variables (PGHOST, PGPORT, PGDATABASE,
    PGUSER, PGPASSWORD) so that operators configure it the way they configure every other tool.
    """
    if os.environ.get("KINLINK_DB", "sqlite") == "postgresql":
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("PGDATABASE", "kinlink"),
            "USER": os.environ.get("PGUSER", ""),
            "PASSWORD": os.environ.get("PGPASSWORD", ""),
            "HOST": os.environ.get("PGHOST", ""),
            "PORT": os.environ.get("PGPORT", ""),
            "CONN_MAX_AGE": 60,
            "ATOMIC_REQUESTS": False,
        }
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("KINLINK_SQLITE_PATH", str(BASE_DIR / "var" / "kinlink.sqlite3")),
        "OPTIONS": {
            # Writers take the lock when the transaction starts, so two services never
            # interleave a read-then-write (the audit chain and case references rely on it).
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        },
    }


DATABASES = {"default": database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# NIST SP 800-63B: length and a blocklist, no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Failed logins: five tries per account and address, then a 30-minute lock.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Sessions end after 30 minutes idle and 12 hours at most (SessionLimitsMiddleware).
KINLINK_SESSION_IDLE = timedelta(minutes=30)
KINLINK_SESSION_ABSOLUTE = timedelta(hours=12)
SESSION_COOKIE_AGE = int(KINLINK_SESSION_ABSOLUTE.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# A second factor (TOTP, or a one-time recovery code) after the password; who must have one is
# a node setting. Sensitive actions (exports, emergency access, user administration) ask for
# the password and the second factor again when the last check is older than the window.
KINLINK_REAUTH_WINDOW = timedelta(minutes=10)
OTP_TOTP_ISSUER = os.environ.get("KINLINK_TOTP_ISSUER", "Kinlink")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
KINLINK_RECOVERY_CODES = 10


def webauthn_rp_id(hosts: list[str]) -> str:
    """The first allowed host that is a name (a relying party ID cannot be an address or "*")."""
    import ipaddress

    for host in hosts:
        name = host.lstrip(".")
        if not name or "*" in name:
            continue
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return name
    return "localhost"


# Security keys and passkeys (WebAuthn, django-otp-webauthn), a second factor beside TOTP. The
# relying party is the node's host name: a key registered for it works on that host and its
# subdomains only, so a node that changes it asks its users to register their keys again.
# The browser's origin must be one of the allowed origins (https, or http://localhost).
OTP_WEBAUTHN_RP_ID = os.environ.get("KINLINK_WEBAUTHN_RP_ID") or webauthn_rp_id(ALLOWED_HOSTS)
OTP_WEBAUTHN_RP_NAME = "Kinlink"
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list("KINLINK_WEBAUTHN_ORIGINS") or [
    f"https://{OTP_WEBAUTHN_RP_ID}",
    *(["http://localhost:8000"] if DEBUG and OTP_WEBAUTHN_RP_ID == "localhost" else []),
]
# A key is a second factor after the password, never a way to sign in without one.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# How long the browser waits for the key to be touched (WCAG 2.2: enough time).
OTP_WEBAUTHN_TIMEOUT_SECONDS = 120

# Encryption at rest of narrative and sensitive fields and of stored documents: data keys
# (AES-256-GCM) wrapped by a key-encryption key that is neither the secret key nor in the
# database. The key-encryption key comes from KINLINK_DATA_KEK (base64) or a file.
KINLINK_DATA_KEYS_DIR = Path(
    os.environ.get("KINLINK_DATA_KEYS_DIR", Path(KINLINK_KEYS_DIR) / "data")
)
KINLINK_DATA_KEK_FILE = Path(
    os.environ.get("KINLINK_DATA_KEK_FILE", KINLINK_DATA_KEYS_DIR / "kek.key")
)
# Only a development or demonstration node makes its data keys on first use; a real node
# makes them once with `kinlink keys init`.
KINLINK_DATA_KEYS_AUTOCREATE = DEBUG or DEMO_MODE

# Backups (`kinlink backup`, `kinlink restore`) are encrypted with a key of their own, kept
# beside the data keys unless KINLINK_BACKUP_KEY (base64) is given.
KINLINK_BACKUP_DIR = Path(os.environ.get("KINLINK_BACKUP_DIR", BASE_DIR / "var" / "backups"))

# Break the glass: how long an emergency access to a case outside one's scope lasts.
KINLINK_BREAK_GLASS_DURATION = timedelta(hours=3)

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "kinlink_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = os.environ.get("KINLINK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("KINLINK_STATIC_ROOT", BASE_DIR / "var" / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security headers. HTTPS is terminated by the node's reverse proxy in production.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_flag("KINLINK_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "kinlink.core.views.csrf_failure"

# Logs carry no personal data: no request bodies, no names, no query strings.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_personal_data": {"()": "kinlink.core.logging.StripPersonalData"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_personal_data"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KINLINK_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # The PDF engine's progress lines name the glyphs it draws: the letters of a child's
        # document. Only its warnings are logged.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Background work: Django's tasks API (the django-tasks backport) on a database queue, run by
# `kinlink worker`, which also schedules the periodic jobs.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
KINLINK_PERIODIC_JOBS = {
    # dotted path of a task: interval in seconds
    "kinlink.cases.jobs.refresh_deadlines": 600,
    # Closed cases past the retention period are anonymised or deleted (node settings).
    "kinlink.cases.jobs.apply_retention": 86400,
    "kinlink.exchange.jobs.deliver_outbox": 2,
    "kinlink.exchange.jobs.refresh_request_deadlines": 600,
    # De-identified aggregates to the network node, if the node settings name one.
    "kinlink.reports.jobs.send_network_statistics": int(
        os.environ.get("KINLINK_NETWORK_STATISTICS_EVERY", "86400")
    ),
    # The signed head of the audit chain to the witness node, if the node settings name one.
    "kinlink.audit.jobs.send_audit_checkpoint": int(
        os.environ.get("KINLINK_AUDIT_CHECKPOINT_EVERY", "86400")
    ),
}

# Envelopes between nodes (kinlink.exchange). Retries wait base × 2^(n-1) seconds, at most the
# cap, so a peer that comes back hears from every sender within the cap; a peer unreachable for
# the give-up period makes the envelope a dead letter an administrator can retry.
KINLINK_EXCHANGE_RETRY_BASE_SECONDS = float(os.environ.get("KINLINK_EXCHANGE_RETRY_BASE", "2"))
KINLINK_EXCHANGE_RETRY_CAP_SECONDS = float(os.environ.get("KINLINK_EXCHANGE_RETRY_CAP", "120"))
KINLINK_EXCHANGE_GIVE_UP_AFTER = timedelta(
    hours=float(os.environ.get("KINLINK_EXCHANGE_GIVE_UP_HOURS", "72"))
)
KINLINK_EXCHANGE_TIMEOUT_SECONDS = float(os.environ.get("KINLINK_EXCHANGE_TIMEOUT", "15"))
KINLINK_EXCHANGE_MAX_BYTES = 20_000_000
KINLINK_EXCHANGE_MAX_ATTACHMENTS = 3
KINLINK_EXCHANGE_MAX_ATTACHMENT_BYTES = 5_000_000

# Node policy defaults; an administrator changes them per node on the settings page.
KINLINK_RISK_RESPONSE_DEFAULTS = {"high": 24, "medium": 72, "low": 168}  # hours
KINLINK_CASES_PER_PAGE = 25
# The most rows an export may hold; a larger one is refused (narrow the filters).
KINLINK_EXPORT_MAX_ROWS = int(os.environ.get("KINLINK_EXPORT_MAX_ROWS", "20000"))
# The largest request body the API reads (bytes); more is refused with 413 before parsing.
KINLINK_API_MAX_BODY = int(os.environ.get("KINLINK_API_MAX_BODY", str(64 * 1024)))
