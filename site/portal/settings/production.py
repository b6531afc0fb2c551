"""Production: secrets and hosts come from the environment; a missing one stops start-up."""

from .base import *  # noqa: F403
from .env import env, env_bool, env_int, env_list

DEBUG = False
DEMO_DATA_ALLOWED = False
SECRET_KEY = env("DJANGO_SECRET_KEY", required=True)
env("ALLOWED_HOSTS", required=True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
env("DATABASE_URL", required=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", required=True)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", required=True)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
# Wagtail's live preview shows the page in a same-origin iframe; other sites still cannot frame
# any page. Django's deploy check wants DENY, hence the silenced W019.
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W019"]  # noqa: F405

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Gunicorn workers share the page cache through the file system, so that a purge by the
# worker that published reaches them all.
CACHES["pages"] = {  # noqa: F405
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": env("PAGE_CACHE_DIR", str(BASE_DIR / "var" / "cache" / "pages")),  # noqa: F405
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

LOGGING["root"]["level"] = env("LOG_LEVEL", "INFO")  # noqa: F405
