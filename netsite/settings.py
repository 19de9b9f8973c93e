"""
netsite settings.

Everything that differs between a laptop and a production host comes from the
environment, read by the strict helpers in ``netsite.env``; ``.env.example``
documents every variable. The defaults give the embedded tier: one daphne
process, SQLite and an in-memory channel layer. ``DATABASE_URL`` and
``REDIS_URL`` switch on the scale-out tier (PostgreSQL, channels-redis and a
Redis cache) without touching code.
"""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from netsite.env import (
    env_bool,
    env_database,
    env_email,
    env_int,
    env_list,
    env_origins,
    env_path,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            "(`make run` writes one into .env), or set DJANGO_DEBUG=true for "
            "local development."
        )
    SECRET_KEY = "django-insecure-netsite-debug-only"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env_origins("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # daphne first: its runserver replaces Django's, so runserver is ASGI too.
    "daphne",
    "servestatic.runserver_nostatic",
    # Before django.contrib.auth: its createsuperuser replaces Django's.
    "netsite",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "axes",
    "content",
    "board",
    "chat",
    "api",
]

MIDDLEWARE = [
    "netsite.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "servestatic.middleware.ServeStaticMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "netsite.urls"

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
                "netsite.context_processors.navigation",
            ],
        },
    },
]

ASGI_APPLICATION = "netsite.asgi.application"

# Database ---------------------------------------------------------------------

DATABASES = {
    "default": env_database(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent web writes on SQLite: WAL lets readers run beside the writer,
    # IMMEDIATE takes the write lock when a transaction starts (so two writers
    # queue instead of deadlocking on a lock upgrade), and the busy timeout
    # makes the queued writer wait instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=20000;"
        ),
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: channel layer and cache -----------------------------------------------

# content.layers fans a group event out once per process (docs/performance.md).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "content.layers.FanoutRedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "capacity": 1000, "expiry": 60},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "netsite",
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "content.layers.FanoutInMemoryChannelLayer",
            "CONFIG": {"capacity": 1000, "expiry": 60},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "netsite",
        }
    }

# Rendered fragments (board.fragments) stay in each process's memory whatever
# the tier: their keys name their content, so no process can serve a stale one.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "netsite-fragments",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 20_000},
}

# Accounts ---------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Login throttling (django-axes): after NETSITE_LOGIN_FAILURE_LIMIT wrong
# passwords for one account from one address, that account is locked for that
# address for NETSITE_LOGIN_COOLOFF_SECONDS, on every login form and on
# POST /api/token/. Failures are rows in the database, so every process sees
# them; the admin's "Access attempts" and `manage.py axes_reset` unlock.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("NETSITE_LOGIN_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(
    seconds=env_int("NETSITE_LOGIN_COOLOFF_SECONDS", default=900, minimum=1)
)
# Per account *and* address: a stranger's guesses cannot lock the real owner
# out from their own address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "netsite.views.locked_out"
AXES_RESET_ON_SUCCESS = True
# Guesses during a lockout neither extend it nor add rows to the database.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Only failures are recorded, not every successful login.
AXES_DISABLE_ACCESS_LOG = True
# No start-up banner: commands such as `stats --json` own their stdout.
AXES_VERBOSE = False
# REMOTE_ADDR only, as for the API throttles: daphne's --proxy-headers puts the
# real client there, and a client-sent X-Forwarded-For must not pick its bucket.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# E-mail -----------------------------------------------------------------------

# Password resets go out by e-mail. With EMAIL_HOST, through that SMTP server
# (STARTTLS on port 587 unless told otherwise); without it, each mail is
# written to stdout (the console backend), or with EMAIL_FILE_PATH into a file
# in that folder: development only, which `check --deploy` says
# (netsite.W002).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_FILE_PATH = env_path("EMAIL_FILE_PATH", default=None)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
EMAIL_PORT = env_int(
    "EMAIL_PORT", default=465 if EMAIL_USE_SSL else 587, minimum=1, maximum=65535
)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
# Seconds an SMTP server may take to answer before the request gives up.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", default=10, minimum=1)
DEFAULT_FROM_EMAIL = env_email(
    "DEFAULT_FROM_EMAIL", default="netsite <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if EMAIL_USE_SSL and EMAIL_USE_TLS:
    raise ImproperlyConfigured(
        "EMAIL_USE_TLS and EMAIL_USE_SSL are both true: use STARTTLS "
        "(EMAIL_USE_TLS, port 587) or TLS from the start (EMAIL_USE_SSL, port 465)."
    )
if EMAIL_HOST and EMAIL_FILE_PATH:
    raise ImproperlyConfigured(
        "EMAIL_HOST and EMAIL_FILE_PATH are both set: send through SMTP "
        "(EMAIL_HOST) or write mail to files (EMAIL_FILE_PATH), not both."
    )
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    for name in ("EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"):
        if env_str(name) is not None:
            raise ImproperlyConfigured(
                f"{name} is set but EMAIL_HOST is not: set EMAIL_HOST to the "
                f"SMTP server's name, or unset {name}."
            )
    EMAIL_BACKEND = (
        "django.core.mail.backends.filebased.EmailBackend"
        if EMAIL_FILE_PATH
        else "django.core.mail.backends.console.EmailBackend"
    )
# Password reset requests per client address, and per e-mail address asked
# for, COUNT/SECONDS: a flood gets 429 and sends nothing.
NETSITE_PASSWORD_RESET_RATE = env_rate("NETSITE_PASSWORD_RESET_RATE", default="5/3600")
# How long a reset link works.
PASSWORD_RESET_TIMEOUT = env_int(
    "NETSITE_PASSWORD_RESET_SECONDS", default=3 * 3600, minimum=60
)

# Internationalisation and time --------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files -------------------------------------------------------------------

STATIC_URL = "static/"
# Where `collectstatic` writes and `serve` reads; the tests point it elsewhere.
STATIC_ROOT = env_path("NETSITE_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"
    },
}
SERVESTATIC_USE_FINDERS = DEBUG
SERVESTATIC_AUTOREFRESH = DEBUG

# Security -----------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# NETSITE_HTTPS says the site is reached over HTTPS (usually through a proxy
# that sets X-Forwarded-Proto): cookies become Secure, HTTP redirects to HTTPS
# and browsers are told to remember that (HSTS).
NETSITE_HTTPS = env_bool("NETSITE_HTTPS", default=False)
if NETSITE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("NETSITE_HSTS_SECONDS", default=31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Request size: Django answers larger bodies with 400 (413 under /api/).
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
# The largest body `manage.py serve` reads at all (bytes): daphne buffers a
# whole body before Django sees it, so a larger one is refused with 413 before
# it is read. Above Django's own limit, which keeps answering what is between
# the two in each interface's words; no page takes file uploads.
NETSITE_MAX_BODY = env_int(
    "NETSITE_MAX_BODY", default=1024 * 1024, minimum=DATA_UPLOAD_MAX_MEMORY_SIZE
)

# CORS: cross-origin API clients, none allowed unless listed.
CORS_ALLOWED_ORIGINS = env_origins("DJANGO_CORS_ALLOWED_ORIGINS")
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/.*$"

# netsite ------------------------------------------------------------------------

NETSITE_ANONYMOUS_POSTING = env_bool("NETSITE_ANONYMOUS_POSTING", default=True)
NETSITE_BOARD_FLOOD = env_rate("NETSITE_BOARD_FLOOD", default="5/30")
NETSITE_CHAT_RATE = env_rate("NETSITE_CHAT_RATE", default="10/5")
# Seconds a process's share of a room's presence outlives its last heartbeat
# (chat.presence): the longest a dead process's people still show as present.
NETSITE_PRESENCE_TTL = env_int("NETSITE_PRESENCE_TTL", default=30, minimum=3)
# Names no guest may post under, in any case or look-alike letters
# (content.names); members' usernames are reserved for them as well.
NETSITE_RESERVED_NAMES = env_list(
    "NETSITE_RESERVED_NAMES",
    default=(
        "admin",
        "administrator",
        "moderator",
        "mod",
        "staff",
        "system",
        "netsite",
        "root",
        "support",
        "official",
    ),
)
# Hide a post or message by itself once this many people reported it (0: never).
NETSITE_REPORT_AUTOHIDE = env_int("NETSITE_REPORT_AUTOHIDE", default=0, minimum=0)
# Reports per reporter (an account, or a guest's address), COUNT/SECONDS.
NETSITE_REPORT_RATE = env_rate("NETSITE_REPORT_RATE", default="10/600")
# Seconds during which authors may edit or delete their own posts and messages
# (0: never); moderators may at any time.
NETSITE_EDIT_WINDOW = env_int("NETSITE_EDIT_WINDOW", default=15 * 60, minimum=0)
# daphne's own WebSocket limits (bytes); `manage.py serve` applies them.
NETSITE_WS_MAX_MESSAGE = env_int(
    "NETSITE_WS_MAX_MESSAGE", default=64 * 1024, minimum=1024
)
# What one WebSocket may have waiting to be sent before it is closed with 4409.
NETSITE_WS_SEND_BUFFER = env_int(
    "NETSITE_WS_SEND_BUFFER", default=512 * 1024, minimum=64 * 1024
)

# Logging: one JSON object per line on stdout -----------------------------------

LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"DJANGO_LOG_LEVEL={LOG_LEVEL!r} is not a level: use DEBUG, INFO, "
        "WARNING, ERROR or CRITICAL."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "netsite.logging.JsonFormatter"}},
    "filters": {"client_errors": {"()": "netsite.logging.ClientErrorFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["client_errors"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        # Requests are logged once, by `manage.py serve`'s access log.
        "django.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}

# REST API (api/) ----------------------------------------------------------------

# Requests per window, written COUNT/SECONDS like the other netsite rates:
# per client address for anonymous callers, per account for signed-in ones.
NETSITE_API_ANON_RATE = env_rate("NETSITE_API_ANON_RATE", default="60/60")
NETSITE_API_USER_RATE = env_rate("NETSITE_API_USER_RATE", default="600/60")

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header is what turns "not signed in"
    # into a 401 (a session-only API can only answer 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Multipart only for the browsable API's HTML forms (see api.schema).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonRateThrottle",
        "api.throttling.UserRateThrottle",
    ],
    # REMOTE_ADDR only: daphne's --proxy-headers already put the real client
    # there behind a proxy, and a client-sent X-Forwarded-For must not choose
    # its own throttling bucket.
    "NUM_PROXIES": 0,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.IdCursorPagination",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "netsite API",
    "DESCRIPTION": (
        "Board posts, chat rooms and chat messages. Reads are public; writes "
        "need a token (POST /api/token/) or a signed-in session with CSRF."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from drf-spectacular-sidecar's local copy: the site works
    # offline and its CSP allows only its own scripts and styles.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

MIDDLEWARE.append("api.middleware.ApiErrorMiddleware")
