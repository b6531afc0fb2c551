"""Whole-page cache for anonymous visitors of the public portal, purged when editors publish.

Rules, in order of importance:

* Nothing is cached for, or served from the cache to, a logged-in user.
* Only anonymous GET/HEAD requests are cached, and only successful HTML answers without cookies
  and without ``Cache-Control: private/no-cache/no-store`` — the plan service, login and admin
  are refused by path as well, so a mistake in one of their views cannot leak into the cache.
* The key holds the host, the path with its query string (filters are shareable URLs) and the
  interface language (the language switch is a cookie).
* Any change to the page tree (publish, unpublish, move, delete, save), to the portal settings
  or to a site clears the whole cache: it is small, and correctness beats cleverness here.

Pages are cached with a placeholder where the language switch's CSRF token goes; the token of
the visitor at hand is put in on the way out (``get_token`` also sets the CSRF cookie), so a
cached page never hands one visitor's token to another.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import get_max_age
from django.utils.translation import get_language

CACHE_ALIAS = "pages"
CSRF_PLACEHOLDER = "__PORTAL_CSRF_TOKEN__"
_PLACEHOLDER_BYTES = CSRF_PLACEHOLDER.encode()

# Never cached, whoever asks: private areas, files, and anything that is not a public page.
NEVER_CACHE_PREFIXES = (
    "/admin/",
    "/service/",
    "/login/",
    "/logout/",
    "/media/",
    "/documents/",
    "/static/",
    "/i18n/",
)


def page_cache():
    return caches[CACHE_ALIAS]


def purge(**_kwargs):
    """Forget every cached page (connected to the publishing signals in HomeConfig.ready)."""
    page_cache().clear()


def _key(request) -> str:
    raw = f"{request.scheme}://{request.get_host()}{request.get_full_path()}|{get_language()}"
    return "portal-page:" + hashlib.sha256(raw.encode()).hexdigest()


def _is_anonymous(request) -> bool:
    # No session cookie: certainly anonymous, and the session is never loaded.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return True
    return not request.user.is_authenticated


def _cacheable_request(request) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.path.startswith(NEVER_CACHE_PREFIXES)
        and _is_anonymous(request)
    )


def _cacheable_response(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    if not response.get("Content-Type", "").startswith("text/html"):
        return False
    cache_control = response.get("Cache-Control", "")
    if any(word in cache_control for word in ("private", "no-cache", "no-store")):
        return False
    if get_max_age(response) == 0:
        return False
    # A view that used the CSRF token itself (a form) is per visitor.
    return not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")


def _insert_csrf_token(request, response):
    if (
        not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and _PLACEHOLDER_BYTES in response.content
    ):
        response.content = response.content.replace(_PLACEHOLDER_BYTES, get_token(request).encode())
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
    return response


class AnonymousPageCacheMiddleware:
    """Place after AuthenticationMiddleware (it reads request.user) and CsrfViewMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.timeout = getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", 600)

    def __call__(self, request):
        if self.timeout <= 0 or not _cacheable_request(request):
            return _insert_csrf_token(request, self.get_response(request))
        key = _key(request)
        cached = page_cache().get(key)
        if cached is not None:
            # Stored as plain data (headers, bytes): cheaper to read back than a pickled response.
            headers, content = cached
            response = HttpResponse(content, headers=headers)
            response["X-Portal-Cache"] = "hit"
            return _insert_csrf_token(request, response)
        response = self.get_response(request)
        if _cacheable_response(request, response):
            response["X-Portal-Cache"] = "miss"
            headers = {
                name: value
                for name, value in response.items()
                if name.lower() not in ("content-length", "x-portal-cache", "vary")
            }
            page_cache().set(key, (headers, response.content), self.timeout)
        return _insert_csrf_token(request, response)
