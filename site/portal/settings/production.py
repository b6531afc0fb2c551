"""Production: secrets and hosts come from the environment; a missing one stops start-up."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
# nosniff, Referrer-Policy, COOP, X-Frame-Options, CSP and Permissions-Policy: see base.py.
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# Lax, not Strict: a link from an e-mail to /service/ must find the user still logged in.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
# No script reads the CSRF cookie: static/js takes the token from the form, Wagtail's admin
# from its page config (wagtailConfig.CSRF_TOKEN).
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# base.py lets Wagtail's live preview frame the site (SAMEORIGIN); other sites still cannot
# frame any page. Django's deploy check wants DENY, hence the silenced W019.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W019"]  # noqa: F405

STORAGES = {
    "default": MEDIA_STORAGE_BACKEND,  # noqa: F405 - file system or S3, see base.py
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _redis_database(url: str, number: int) -> str:
    """REDIS_URL pointed at one numbered database (redis://…/N or unix://…?db=N)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = [(key, value) for key, value in parse_qsl(parts.query) if key != "db"]
        # (urlunsplit would drop the "//" of a URL without a host)
        return f"unix://{parts.path}?{urlencode([*query, ('db', number)])}"
    return urlunsplit(parts._replace(path=f"/{number}"))


REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    # One Redis shared by every gunicorn instance: a page purge reaches them all, and a session
    # started on one instance is known to the other. Each alias has a database of its own,
    # because RedisCache.clear() (the page purge) is FLUSHDB: sharing one would log everyone
    # out at every publish.
    def _redis_cache(number: int, prefix: str) -> dict:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_database(REDIS_URL, number),
            "KEY_PREFIX": prefix,
        }

    CACHES = {
        "default": _redis_cache(0, "portal"),
        "pages": _redis_cache(1, "portal-pages"),
        "sessions": _redis_cache(2, "portal-session"),
    }
    # Sessions live in Redis only (no database write per request). Redis keeps them on disk
    # with appendonly (deploy/redis.conf.template); if its data were lost, users would simply
    # log in again. "cached_db" would survive that, at the price of a database write at every
    # session change.
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    SESSION_CACHE_ALIAS = "sessions"
else:
    # Gunicorn workers share the page cache through the file system, so that a purge by the
    # worker that published reaches them all.
    CACHES["pages"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env(
            "PAGE_CACHE_DIR",
            str(BASE_DIR / "var" / "cache" / "pages"),  # noqa: F405
        ),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    }

LOGGING["root"]["level"] = env("LOG_LEVEL", "INFO")  # noqa: F405
