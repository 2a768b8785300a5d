"""Settings for Online City Hall: every value from the environment, with embedded defaults."""

from pathlib import Path

import environ
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def _default_secret_key() -> str:
    """A development key kept under var/ so sessions survive a restart."""
    from django.core.management.utils import get_random_secret_key

    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(get_random_secret_key())
    return path.read_text().strip()


# Off unless set: a production start that forgot its settings never shows debug pages.
# scripts/serve turns it on for the demo.
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or _default_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.postgres",  # Wagtail's search on PostgreSQL needs it (postgres.E005)
    "channels",
    "cityhall.apps.TasksConfig",  # django_tasks_db, named in Japanese in the admin
    "allauth",
    "allauth.account",
    "cityhall",
    "members",
    "groups",
    "groups.chat",
    "events",
    "search",
    # Wagtail (the knowledge base's pages and its editor at /cms/)
    "wagtail.contrib.typed_table_block",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.snippets",  # the recordings (knowledge.Recording) are a snippet
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "knowledge",  # after taggit: its admin module takes taggit's Tag out of the Django admin
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # a request's live events, sent together when it ends
    "cityhall.realtime.RealtimeBatchMiddleware",
    "cityhall.middleware.CompressedTextMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "cityhall.middleware.UnstorableTextMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cityhall.middleware.MembersOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cityhall.ratelimits.RateLimitedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # /cms/ (Wagtail's editor): the members' gate on its login-free views, the editor's
    # permissions from topic groups, its own frame and style rules (knowledge/cms.py).
    "knowledge.cms.CmsMiddleware",
]

ROOT_URLCONF = "cityhall.urls"
ASGI_APPLICATION = "cityhall.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Django's cached loader, with fixed translations written in once per language.
            "loaders": [
                (
                    "cityhall.template_loaders.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            # Django's date filter, faster for datetimes (cityhall/templatetags/dates.py), its
            # {% url %}, remembered for plain arguments (cityhall/templatetags/urls.py), and
            # {% field %}, a form field as every form shows it (cityhall/templatetags/fields.py).
            "builtins": [
                "cityhall.templatetags.fields",
                "cityhall.templatetags.dates",
                "cityhall.templatetags.urls",
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cityhall.context_processors.navigation",
                "members.context_processors.notifications",
            ],
        },
    },
]
FORM_RENDERER = "cityhall.renderers.FlatWidgetTemplates"  # Django's widgets, includes written out

# --- data stores -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'cityhall.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, with closed connections kept for the next request (cityhall/sqlite).
    DATABASES["default"]["ENGINE"] = "cityhall.sqlite"
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            # Writers queue for the file's lock: a rush for seats (bench/events.py) waits
            # rather than failing with "database is locked" after Python's default 5 s.
            "timeout": 30,
            # WAL with synchronous=NORMAL: a power cut may lose the last commits, never the file.
            # The file read through a memory map (up to SQLITE_MMAP_MB), shared by every
            # connection and process, not copied page by page into each connection's 2 MB
            # cache: at the forum's size the home and group list 8-11 % faster in-process,
            # a search of two words 15 %, and under load (the CI suite beside it) 27-53 %.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            f"PRAGMA mmap_size={env.int('SQLITE_MMAP_MB', default=256) * 2**20};",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif env.bool("DATABASE_POOL", default=True):
    # Under ASGI persistent connections are not reused; Django's psycopg pool is (Django docs).
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 20}
    # psycopg prepares a statement bound on the server after its fifth run on a connection
    # (cityhall.prepared); Django turns this off by default for PgBouncer's transaction mode,
    # which this site does not use: its connections stay in Django's own pool.
    DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL compiles a query to machine code once its estimated cost passes
    # jit_above_cost, which a page's counts over 10,000 knowledge pages can reach: 25 ms of
    # compiling for a 25 ms query (bench/pages.py, the knowledge home). Off for the site's
    # short queries, as PostgreSQL's own documentation suggests for them. A statement bound on
    # the server (cityhall.prepared) keeps its generic plan: PostgreSQL estimated two of the
    # home's as costlier generic and planned them anew on every request, though they ran as
    # fast or faster (my groups 4.5 ms planning + 0.68 run, generic 0.30). Statements whose best
    # plan depends on their values are sent unbound (plan_each_run) and planned each time.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c plan_cache_mode=force_generic_plan"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s timeout by default, which cuts the layer's own 5 s
            # blocking read short and closes idle sockets (django/channels_redis#422).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cityhall_cache",
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "cityhall.layers.InMemoryChannelLayer"}}

# Content-addressed HTML fragments (groups.rendering): a per-process cache is always correct.
CACHES["fragments"] = {
    "BACKEND": "cityhall.fragments.FragmentCache",
    "LOCATION": "fragments",
    "TIMEOUT": 24 * 60 * 60,
    "OPTIONS": {"MAX_ENTRIES": 20_000},
}

# Chat (groups.chat): how often a socket compares itself with the room.
CHAT_HEAD_CHECK_SECONDS = env.float("CHAT_HEAD_CHECK_SECONDS", default=10.0)
CHAT_PRESENCE_SECONDS = env.float("CHAT_PRESENCE_SECONDS", default=30.0)  # stale after 3×

# Writes per member (cityhall.ratelimits), in the limits library's notation; several limits
# join with ";". Generous for a person, tight for a script: a burst of 900 edits gets 20 in.
RATE_LIMITS_ENABLED = env.bool("RATE_LIMITS_ENABLED", default=True)
RATE_LIMITS = {
    "chat-send": env.str("CHAT_SEND_LIMIT", default="10 per 10 seconds"),
    "chat-change": "20 per 10 seconds; 120 per 10 minutes",  # edits, deletes, reactions
    "chat-read": "30 per 10 seconds",
    "post": "10 per minute; 60 per hour",  # new topics and replies
    "edit": "20 per minute; 200 per hour",  # edits and deletions of posts
    "preview": "60 per minute; 600 per hour",  # Markdown previews before posting
    "draft": "60 per minute; 1000 per hour",  # drafts saved as the member types
    "reaction": "30 per minute; 300 per hour",  # reactions, bookmarks, accepted answers
    "flag": "10 per 10 minutes; 30 per day",
    "membership": "30 per 10 minutes",  # join, leave, requests, invitations, watching
    "propose": "5 per hour; 20 per day",
    "moderation": "60 per minute",  # a moderator's actions on members, topics, posts, flags
    "profile": "30 per 10 minutes",  # profile, department history, notification settings
    "handle": "10 per day",  # tries of a new @handle ("taken" tells a handle was used)
    "event_register": "20 per minute; 200 per day",  # registrations and cancellations
    "event_organize": "30 per 10 minutes",  # new series, their changes, moves, cancellations
    "event_message": "5 per hour; 20 per day",  # messages to all registrants (mail)
}
RATE_LIMIT_STORAGE = REDIS_URL or "memory://"

MEILISEARCH_URL = env.str("MEILISEARCH_URL", default="")
MEILISEARCH_API_KEY = env.str("MEILISEARCH_API_KEY", default="")
SEARCH_BACKEND = "meilisearch" if MEILISEARCH_URL else "embedded"
# The embedded backend weighs (ranks, counts, facets) at most this many of the newest matches;
# a word found in more reads "1,000 件以上", as Meilisearch's maxTotalHits caps its total.
SEARCH_CANDIDATES = env.int("SEARCH_CANDIDATES", default=1000)
SEARCH_SYNONYMS_FILE = env.str(
    "SEARCH_SYNONYMS_FILE", default=str(BASE_DIR / "search" / "data" / "synonyms.tsv")
)
MEILISEARCH_INDEX = env.str("MEILISEARCH_INDEX", default="cityhall")

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
NOTIFICATION_MAIL_DELAY = env.int("NOTIFICATION_MAIL_DELAY", default=300)
TASK_WORKER_STALE_SECONDS = env.int("TASK_WORKER_STALE_SECONDS", default=120)


# --- email -------------------------------------------------------------------------------
def _mailer(url: str) -> dict:
    """EMAIL_URL as a MAILERS entry: smtp+tls://user:password@host:587, smtps://...,
    consolemail://, or filemail:///absolute/dir."""
    config = environ.Env.email_url_config(url)
    backend = config["EMAIL_BACKEND"]
    if backend.endswith("filebased.EmailBackend"):
        return {"BACKEND": backend, "OPTIONS": {"file_path": url.partition("://")[2]}}
    if not backend.endswith("smtp.EmailBackend"):
        return {"BACKEND": backend}
    options = {
        "host": config.get("EMAIL_HOST"),
        "port": config.get("EMAIL_PORT"),
        "username": config.get("EMAIL_HOST_USER") or None,
        "password": config.get("EMAIL_HOST_PASSWORD") or None,
        "use_tls": bool(config.get("EMAIL_USE_TLS")),
        "use_ssl": bool(config.get("EMAIL_USE_SSL")),
        "timeout": 20,
    }
    return {"BACKEND": backend, "OPTIONS": {k: v for k, v in options.items() if v is not None}}


MAILERS = {
    "default": _mailer(
        env.str("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
    )
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="オンライン市役所 <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- accounts ----------------------------------------------------------------------------
AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = ["members.backends.MemberBackend"]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "members.adapter.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupExtraForm"
ACCOUNT_FORMS = {
    "signup": "members.account_forms.SignupForm",
    "add_email": "members.account_forms.AddEmailForm",
}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
# Digits are easy to type on a phone and with the Japanese IME on: 1234-5678.
ALLAUTH_USER_CODE_FORMAT = {"numeric": True, "length": 8, "dashed": True}
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
# Mail through LGWAN and its sanitising gateways can take minutes to arrive.
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 30 * 60
# 「コードを再送」 on the code page: allauth's own resend, at most this many times per sign-up,
# and each send also counts against the "confirm_email" limit below.
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = 3
ACCOUNT_PASSWORD_RESET_BY_CODE_TIMEOUT = 15 * 60
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
# Staff of a whole prefecture may reach the site through one shared gateway (自治体情報
# セキュリティクラウド), so per-IP limits are generous and per-address limits do the work.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "60/m/ip,5/5m/key",
    "signup": "120/m/ip",
    "confirm_email": "3/3m/key",
    "reset_password": "60/m/ip,3/5m/key",
    "organization_lookup": "60/m/ip",  # the sign-up form asking which organizations fit
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
DEMO_PASSWORD = "demo-pass-2026"

# --- language and time -------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
# 「2026年12月2日(水) 10:00」 / "Dec 2, 2026, 10:00": templates name a format
# (|date:"DATETIME_FORMAT"), cityhall/formats/<language>/formats.py says what it looks like.
FORMAT_MODULE_PATH = ["cityhall.formats"]
USE_TZ = True

# --- static and media --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "cityhall.storage.StaticFiles"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
# Uploaded files are never served from a public URL: views check policies and stream them.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Only for the URLs Wagtail builds (image renditions): knowledge.media serves /media/ after
# asking knowledge.policies, and answers 404 for any file it does not know.
MEDIA_URL = "/media/"
# A request body (and each uploaded file) above this is spooled to a temporary file on disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
AVATAR_MAX_BYTES = 2 * 1024 * 1024
# Pixels decoded for an icon: a JPEG photo is decoded at up to 1/8 scale, so only other formats
# (PNG, GIF, WebP, decoded in full) meet this limit in practice.
AVATAR_MAX_PIXELS = env.int("AVATAR_MAX_PIXELS", default=12_000_000)
# Attached images are never decoded in the web process (only their header is read); the worker
# makes a small preview of each.
ATTACHMENT_MAX_PIXELS = env.int("ATTACHMENT_MAX_PIXELS", default=150_000_000)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENTS_PER_POST = 5

# --- knowledge base (Wagtail) ------------------------------------------------------------
WAGTAIL_SITE_NAME = "オンライン市役所 ナレッジ"
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAIL_I18N_ENABLED = False
WAGTAIL_ALLOW_UNICODE_SLUGS = True
WAGTAIL_DATE_FORMAT = "%Y-%m-%d"
WAGTAIL_DATETIME_FORMAT = "%Y-%m-%d %H:%M"
WAGTAILADMIN_PERMITTED_LANGUAGES = [("ja", "日本語"), ("en", "English")]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Read by content, as post attachments are (knowledge.forms.DocumentForm, groups.attachments).
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "csv"]
WAGTAILDOCS_DOCUMENT_FORM_BASE = "knowledge.forms.DocumentForm"
WAGTAILDOCS_MAX_UPLOAD_SIZE = ATTACHMENT_MAX_BYTES
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no third-party images in /cms/ (CSP img-src 'self')
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
# A page under Wagtail's privacy setting asks for its password in the site's own frame.
WAGTAIL_PASSWORD_REQUIRED_TEMPLATE = "knowledge/password_required.html"
WAGTAILUSERS_PASSWORD_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
# Recordings (knowledge.Recording): uploaded in chunks, each a request of its own, appended on
# disk, so no request body holds more than one chunk.
RECORDING_CHUNK_BYTES = 4 * 1024 * 1024
RECORDING_MAX_BYTES = env.int("RECORDING_MAX_BYTES", default=4 * 1024 * 1024 * 1024)

# --- security ----------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SESSION_ENGINE = "cityhall.sessions"  # Django's database sessions, read by a query compiled once
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
