"""Project-level error views."""

import logging
import sys

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import patch_cache_control
from django.utils.log import log_response
from django.views import defaults

SESSION_PATHS = ("/service/", "/login/")

db_logger = logging.getLogger("portal.db")
DATABASE_UNAVAILABLE = "系統暫時無法連線資料庫，請稍候數秒後再試。您已存檔的資料不會遺失。"
RETRY_AFTER_SECONDS = 5


def csrf_failure(request, reason=""):
    """A form sent after the session expired (or after logging in in another tab).

    The typed content is still in the browser's draft; send the user to log in again and back
    to the page, instead of Django's technical 403.
    """
    if request.path.startswith(SESSION_PATHS):
        messages.warning(
            request, "登入已逾時或已在其他視窗重新登入，請重新登入；未存檔的內容保留在此瀏覽器中。"
        )
        return redirect_to_login(request.path if request.path != "/login/" else "/service/")
    return render(request, "403_csrf.html", status=403)


def server_error(request):
    """The 500 handler; a lost database connection answers 503 instead.

    Django calls this inside its `except` block, so the error is `sys.exc_info()`. Neither page
    touches the database: no session, no user, no Wagtail settings, no context processors.
    """
    error = sys.exc_info()[1]
    if not isinstance(error, (OperationalError, InterfaceError)):
        return defaults.server_error(request)
    # The photo upload asks for JSON and shows its "error" to the user.
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        response = JsonResponse({"error": DATABASE_UNAVAILABLE}, status=503)
    else:
        page = loader.render_to_string("503.html", {"message": DATABASE_UNAVAILABLE})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    # Logged once, here, with the traceback: Django then skips its own "Service Unavailable".
    log_response(
        "Database unavailable: %s %s",
        request.method,
        request.path,
        response=response,
        request=request,
        logger=db_logger,
        exception=error,
    )
    return response
