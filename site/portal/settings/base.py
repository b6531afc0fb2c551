"""Settings shared by every environment. Environment-specific modules import from here."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from .env import env, env_bool, env_int, env_list

# /<checkout>/site/portal/settings/base.py -> /<checkout>
BASE_DIR = Path(__file__).resolve().parents[3]

SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-development-key-do-not-use-in-production")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "home",
    "intl_reports",
    "wagtail_modeladmin",
    "wagtail.contrib.settings",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "axes",
    # Needed by wagtail-modeladmin's list filters; its own URLs are not mounted.
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Security headers on every response, the early ones (redirects, 404s) included.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "portal.csp.PortalCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whole pages for anonymous visitors; needs request.user, and CSRF outside it (home.cache).
    "home.cache.AnonymousPageCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Axes must be last: it turns lockouts raised by the backend into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
WSGI_APPLICATION = "portal.wsgi.application"

# Response headers of every environment; production.py adds HSTS and secure cookies.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Wagtail's live preview shows the page in a same-origin iframe; no other site may frame us.
X_FRAME_OPTIONS = "SAMEORIGIN"

# Where the video block (home.blocks.VideoBlock, "例如 YouTube 影片網址") embeds players from.
VIDEO_EMBED_ORIGINS = [
    "https://www.youtube.com",
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
]
# Content Security Policy (django-csp 4). The templates and static/js have no inline script,
# no inline style and no on*= attribute: script-src and style-src are 'self' only, no nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF, *VIDEO_EMBED_ORIGINS],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }
}
# Wagtail 8's admin (under /admin/ only, see portal.csp) writes inline <script> elements with
# no nonce to start its widgets (date and time choosers, image and page choosers, InlinePanel),
# each naming its field id, so no hash can list them; its vendor.js inserts <style> elements.
# Measured in Chromium (tests/browser/test_csp.py): nothing else is refused, no eval, no on*=
# attribute. So the admin alone allows inline <script> elements and styles, keeps event-handler
# attributes refused, and is reached only by logged-in editors. The public site, the login and
# the plan service keep the strict policy above.
PORTAL_ADMIN_CSP_REPLACE = {
    "script-src": [SELF, UNSAFE_INLINE],
    "script-src-attr": [NONE],
    "style-src": [SELF, UNSAFE_INLINE],
}

# Browser features nobody here uses; the photo upload is a plain file input (no camera API).
# Full screen stays for the embedded video players. Only features Chromium knows: it logs an
# error for each unknown one (ambient-light-sensor and bluetooth are behind flags).
PERMISSIONS_POLICY = {
    "fullscreen": ["self", *VIDEO_EMBED_ORIGINS],
    **{
        feature: []
        for feature in (
            "accelerometer",
            "autoplay",
            "browsing-topics",
            "camera",
            "display-capture",
            "encrypted-media",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "interest-cohort",
            "local-fonts",
            "magnetometer",
            "microphone",
            "midi",
            "otp-credentials",
            "payment",
            "publickey-credentials-create",
            "publickey-credentials-get",
            "screen-wake-lock",
            "serial",
            "usb",
            "window-management",
            "xr-spatial-tracking",
        )
    },
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL selects PostgreSQL (or anything else).
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails fast (the 503 page) instead of holding a worker for minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Axes first, so a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, loading the membership with the user.
    "intl_reports.accounts.backends.MembershipBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "intl_reports.accounts.validators.MixedCharacterClassesValidator"},
]
LOGIN_URL = "intl_reports:login"
LOGIN_REDIRECT_URL = "intl_reports:menu"
LOGOUT_REDIRECT_URL = "intl_reports:login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60 * 24)  # one day

# Repeated failed logins lock the account (not the whole school's IP) for a while.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Teachers of a school share one NAT address: locking by IP would lock out the whole school
# after one teacher's typos. The account is what an attacker guesses, so it is what we lock.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "intl_reports.accounts.views.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"

LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", "繁體中文"), ("en", "English")]
LANGUAGE_COOKIE_NAME = "portal_language"
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Taipei"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("zh-hant", "繁體中文")]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Media storage: the file system (default) or S3-compatible object storage (MEDIA_STORAGE=s3).
# Either way, every file leaves through the permission-checked view under MEDIA_URL.
MEDIA_STORAGE = env("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "filesystem":
    MEDIA_STORAGE_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    # Credentials are never in settings: django-storages and boto3 read AWS_S3_ACCESS_KEY_ID /
    # AWS_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or an instance
    # role) from the environment.
    MEDIA_STORAGE_BACKEND = {
        "BACKEND": "intl_reports.storage.PrivateMediaS3Storage",
        "OPTIONS": {
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME", required=True),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
            "region_name": env("AWS_S3_REGION_NAME"),
            "location": env("AWS_LOCATION", ""),
            "default_acl": None,  # no ACL: objects stay as private as the bucket
            "object_parameters": {"CacheControl": "private, no-store"},
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 60),
            "signature_version": "s3v4",  # what every region and S3-compatible server accepts
            "file_overwrite": False,
        },
    }
    # /media/ redirects the browser to a signed URL of the bucket: images must be allowed from
    # there (a custom endpoint's origin, else AWS's virtual-hosted names).
    _endpoint = urlsplit(env("AWS_S3_ENDPOINT_URL", "") or "")
    _bucket = MEDIA_STORAGE_BACKEND["OPTIONS"]["bucket_name"]
    _region = env("AWS_S3_REGION_NAME", "us-east-1")
    MEDIA_S3_ORIGINS = env_list(
        "MEDIA_S3_ORIGINS",
        f"{_endpoint.scheme}://{_endpoint.netloc}"
        if _endpoint.netloc
        else f"https://{_bucket}.s3.amazonaws.com,https://{_bucket}.s3.{_region}.amazonaws.com",
    )
    _directives = CONTENT_SECURITY_POLICY["DIRECTIVES"]
    _directives["img-src"] = [*_directives["img-src"], *MEDIA_S3_ORIGINS]
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be filesystem or s3, not {MEDIA_STORAGE!r}.")
# Set behind nginx (scripts/topology): the media view answers with X-Accel-Redirect to this
# internal location, and nginx sends the file from MEDIA_ROOT. Empty: Django streams it.
MEDIA_ACCEL_REDIRECT_PREFIX = env("MEDIA_ACCEL_REDIRECT_PREFIX", "")
STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "教育部中小學國際教育全球資訊網 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Days before a report deadline on which incomplete reports get a reminder (and the day).
REPORT_REMINDER_DAYS = [int(d) for d in env_list("REPORT_REMINDER_DAYS", "7,1")]

# Report photos show minors: `manage.py purge_expired_photos` deletes those of reports whose
# programme deadline is older than this many days (default five years; 0 keeps them forever).
# Photos published with guardian consent on a live showcase are kept.
REPORT_PHOTO_RETENTION_DAYS = env_int("REPORT_PHOTO_RETENTION_DAYS", 1826)

# The audit log's "from where": how many reverse proxies (nginx) in front append their client
# to X-Forwarded-For. 0 trusts only REMOTE_ADDR; never more than the proxies really there.
AUDIT_TRUSTED_PROXY_COUNT = env_int("AUDIT_TRUSTED_PROXY_COUNT", 0)

# bench/rush.py's baseline view (portal.benchmark); off everywhere else.
BENCH_BASELINE_VIEW = env_bool("BENCH_BASELINE_VIEW", False)

# Demo accounts have published passwords: never in production.
DEMO_DATA_ALLOWED = True

WAGTAIL_SITE_NAME = "教育部中小學國際教育全球資訊網"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILIMAGES_IMAGE_MODEL = "intl_reports.PortalImage"
# No avatars from Gravatar: no e-mail hashes leave the site, no broken images offline.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Editors' uploads get the same header checks and Chinese messages as the schools' photos.
WAGTAILIMAGES_IMAGE_FORM_BASE = "intl_reports.forms.admin.PortalImageForm"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 15 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp", "heic"]
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "ods", "csv", "txt"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    # WeasyPrint and fontTools narrate every render at INFO: keep their warnings only.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Wagtail's immediate tasks (search and reference index) log each run at INFO.
        "django_tasks": {"level": "WARNING"},
    },
}

# The public portal (home): whole-page cache for anonymous visitors, cleared on publish.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "portal-pages",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
PORTAL_PAGE_CACHE_SECONDS = env_int("PORTAL_PAGE_CACHE_SECONDS", 600)
